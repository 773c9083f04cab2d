#!/usr/bin/python3
"""Cold start of rex-host: exec -> first answered GraphQL query, N times per case.

Each run writes a config, execs build/bin/rex-host on a port picked beforehand, connects as soon
as the port accepts (the host binds before it loads anything; the connection waits in the
backlog) and sends one GraphQL query; the time is from just before exec to the last byte of the
answer. Then the host's RSS (VmRSS) is read, and again after it idled 200 ms, and the host is
stopped. One JSON line per case on stdout: median, p95, min, max (ms) and the RSS figures (MiB).

  bench/coldstart/coldstart.py --url sqlite:/path/chinook.db [--url postgres://...] [--runs 20]
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The first query reads a row of Chinook (the engines spell the names differently).
QUERIES = {
    "sqlite": "{ Artist(limit: 1, order_by: [{ArtistId: asc}]) { Name } }",
    "mysql": "{ Artist(limit: 1, order_by: [{ArtistId: asc}]) { Name } }",
    "postgres": "{ artist(limit: 1, order_by: [{artist_id: asc}]) { name } }",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def ask(port, query, deadline):
    """Connects (retrying until the port accepts) and answers the status line and the body."""
    request = (f"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(query)}\r\nConnection: close\r\n\r\n").encode() + query
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port))
            break
        except OSError:
            if time.perf_counter() > deadline:
                raise
            time.sleep(0.0002)
    with s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body


def run_case(binary, plugin_dir, url, snapshot, runs, query, work):
    times, rss_answer, rss_idle = [], [], []
    snapshot_file = os.path.join(work, "catalog.json")
    if os.path.exists(snapshot_file):
        os.remove(snapshot_file)
    config = {
        "database": {"url": url},
        "plugins": {"paths": [plugin_dir], "load": [url.split(":")[0].replace("postgresql", "postgres").replace("mariadb", "mysql"), "graphql"]},
        "http": {"port": 0},
        "log": {"level": "warn"},
    }
    if snapshot:
        config["catalog"] = {"snapshot": snapshot_file}
    config_file = os.path.join(work, "rex.json")
    with open(config_file, "w") as f:
        json.dump(config, f)
    if snapshot:  # one start writes the snapshot; the measured ones read it
        runs += 1
    for i in range(runs):
        port = free_port()
        start = time.perf_counter()
        host = subprocess.Popen([binary, "--config", config_file, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            status, body = ask(port, query, start + 30)
            elapsed = (time.perf_counter() - start) * 1000
            if "200" not in status or b'"data"' not in body or b'"errors"' in body:
                raise SystemExit(f"coldstart: {url}: answer {status} {body[:300]!r}")
            answer_rss = rss_mib(host.pid)
            time.sleep(0.2)
            idle_rss = rss_mib(host.pid)
        finally:
            host.terminate()
            host.wait(10)
        if snapshot and i == 0:
            continue
        times.append(elapsed)
        rss_answer.append(answer_rss)
        rss_idle.append(idle_rss)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95, 2),
        "min_ms": round(times[0], 2),
        "max_ms": round(times[-1], 2),
        "rss_after_answer_mib": round(statistics.median(rss_answer), 1),
        "rss_idle_mib": round(statistics.median(rss_idle), 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", action="append", required=True, help="database URL (repeatable)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--build", default=os.environ.get("REX_BUILD_DIR", os.path.join(ROOT, "build")))
    parser.add_argument("--query", help="the first GraphQL query (default: one Chinook artist)")
    args = parser.parse_args()
    binary = os.path.join(args.build, "bin", "rex-host")
    plugin_dir = os.path.join(args.build, "plugins")
    with tempfile.TemporaryDirectory(prefix="rex-coldstart-") as work:
        for url in args.url:
            engine = url.split(":")[0].replace("postgresql", "postgres").replace("mariadb", "mysql")
            text = args.query or QUERIES[engine]
            for snapshot in (False, True):
                result = run_case(binary, plugin_dir, url, snapshot, args.runs, json.dumps({"query": text}).encode(), work)
                line = {"bench": "coldstart", "engine": engine, "snapshot": snapshot, "runs": args.runs, "query": text, **result}
                print(json.dumps(line), flush=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# The ORM benchmark in one command (docs/performance.md):
#
#   tools/bench.sh                         everything: SQLite, PostgreSQL and MariaDB, in 3 processes
#                                          (targets judged by the medians; --processes N to change)
#   tools/bench.sh --backends sqlite       arguments go to rex-bench (see rex-bench --help)
#   REX_BENCH_SERVERS=0 tools/bench.sh --backends sqlite    do not start the database servers
#
# Installs what is missing (Debian packages, only those not installed), configures a separate
# Release build in ${REX_BENCH_BUILD_DIR:-build-bench} with the benchmark on and the tests off,
# builds rex-bench and the database plugins (-j2), starts the throwaway test servers
# (tools/test-servers.sh) and runs rex-bench against them. The JSON lines go to stdout and to
# <build dir>/bench-results.txt; progress goes to stderr.
#
# The servers are shared with the test suites: they are stopped at the end only if this script
# started them (none was running before); the benchmark's tables carry its process id.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "bench: $*" >&2; }

# ---- packages ----------------------------------------------------------------------------------
tools/install-deps.sh
bench_packages=(libsoci-dev procps)  # procps: pgrep, for the servers' placement
missing=()
for p in "${bench_packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  say "installing ${missing[*]}"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- build -------------------------------------------------------------------------------------
build_dir=${REX_BENCH_BUILD_DIR:-build-bench}
say "configuring and building $build_dir (Release)"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREX_BUILD_BENCHMARKS=ON -DREX_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" --target rex-bench -j2 >&2

# ---- servers -----------------------------------------------------------------------------------
if [[ "${REX_BENCH_SERVERS:-1}" != "0" ]]; then
  servers_dir=${REX_TEST_SERVERS_DIR:-/tmp/rex-test-servers}
  # A server counts as running when its pid file names a live process (or cannot be read,
  # which only happens when someone else's server owns it).
  alive() { [[ -e "$1" ]] && { [[ ! -r "$1" ]] || kill -0 "$(head -n 1 "$1")" 2>/dev/null; }; }
  if alive "$servers_dir/pg/postmaster.pid" || alive "$servers_dir/mysql-run/mysql.pid" ||
     alive "$servers_dir/bouncer/pgbouncer.pid"; then
    say "test servers already running: using them and leaving them running"
  else
    say "starting the test servers (stopped again at the end)"
    trap 'tools/test-servers.sh stop || true' EXIT
  fi
  # Two steps rather than eval "$(...)" so that a failed start stops the script.
  server_env=$(tools/test-servers.sh start)
  eval "$server_env"
fi

# ---- placement ---------------------------------------------------------------------------------
# With two cores or more, the benchmark runs on the first core and the database servers on the
# last. Left to the scheduler, a server backend sometimes shares the client's core: every round
# trip then waits for a context switch, and on a 2-core VM a whole process ran its PostgreSQL
# lookups three times slower, for whichever implementation's backend landed there. The servers'
# previous placement is restored at the end. REX_BENCH_PIN=0 leaves placement alone.
pin=()
if [[ "${REX_BENCH_PIN:-1}" != "0" && "${REX_BENCH_SERVERS:-1}" != "0" && $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then
  last=$(( $(nproc) - 1 ))
  servers_dir=${REX_TEST_SERVERS_DIR:-/tmp/rex-test-servers}
  restore=()
  for pid_file in "$servers_dir/pg/postmaster.pid" "$servers_dir/mysql-run/mysql.pid"; do
    [[ -r "$pid_file" ]] || continue
    server=$(head -n 1 "$pid_file")
    kill -0 "$server" 2>/dev/null || continue
    mask=$(taskset -p "$server" 2>/dev/null | awk '{print $NF}') || mask=""
    # Threads and processes the server starts later (a backend per connection) inherit it.
    if [[ -z "$mask" ]] || ! taskset -a -p -c "$last" "$server" >/dev/null 2>&1; then
      say "placement: cannot move server $server (not ours?); it stays where the scheduler puts it"
      continue
    fi
    restore+=("$mask:$server")
    for child in $(pgrep -P "$server"); do taskset -a -p -c "$last" "$child" >/dev/null 2>&1 || true; done
  done
  restore_placement() {
    for entry in "${restore[@]}"; do
      local mask=${entry%%:*} server=${entry#*:}
      taskset -a -p "$mask" "$server" >/dev/null 2>&1 || true
      for child in $(pgrep -P "$server"); do taskset -a -p "$mask" "$child" >/dev/null 2>&1 || true; done
    done
  }
  # Runs before the servers' own stop (if this script started them): an EXIT trap set above.
  previous_exit=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
  trap "restore_placement; ${previous_exit:-:}" EXIT
  pin=(taskset -c 0)
  say "placement: rex-bench on core 0, database servers on core $last"
fi

# ---- run ---------------------------------------------------------------------------------------
# Three fresh processes by default (figures: their medians), since one process's figures depend
# on where its code and heap landed; --processes N on the command line overrides it.
args=("$@")
[[ " $* " == *" --processes "* || " $* " == *" --profile "* ]] || args=(--processes 3 "${args[@]}")
say "$(nproc) cores, load average $(cut -d ' ' -f 1-3 /proc/loadavg); running rex-bench ${args[*]}"
"${pin[@]}" "$build_dir/bin/rex-bench" "${args[@]}" | tee "$build_dir/bench-results.txt"

// N WebSocket subscribers on rex-host's /changes (PostgreSQL with change capture), writes through
// the database at a fixed rate, and what each subscriber sees: commit-to-client latency (from
// just before the writing transaction's COMMIT to the client's receipt; one clock, this process),
// delivered = expected, rex-host CPU and RSS (idle per connection too). One JSON line per N.
//   node bench.mjs [--subscribers 100,1000,10000] [--rate 100] [--duration 10]
//                  [--max-deliveries 150000]   (writes/s is lowered so N × rate stays under it:
//                                               the client threads cannot read more)
//                  [--clients 2]               (Node client threads the subscribers are spread over)
//                  [--tcp-nodelay true|false]  (the websocket plugin's setting; default: its default)
//                  [--client native|node]      (native: load_client.cpp, one epoll thread, built by
//                                               run.sh; node: `ws` in worker threads, what users run)
//                  [--client-acks quick|delayed] (native client: `quick` acknowledges each message as
//                                               it reads it, as a Linux client does; `delayed` holds
//                                               its ACKs like a client with delayed ACKs (macOS,
//                                               Windows): one per two segments or at its timer)
//                  [--events-file F]           (native client: one line per event, "<written at ms>
//                                               <first subscriber's latency> <first → last>";
//                                               F.<N> for each N when several are run)
//                  [--warmup 0.5]              (seconds of writes at the same rate just before the
//                                               measured ones: delivered and checked, reported as
//                                               warmup_p99_ms, not in p50/p99)
import { readFileSync, unlinkSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import WebSocket from 'ws';
import { cliBinary, startHost } from '../../tests/e2e/lib/host.mjs';

const { values: opt } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100,1000,10000' },
    rate: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '0.5' },
    'events-file': { type: 'string', default: '' },
    'max-deliveries': { type: 'string', default: '150000' },
    'connect-batch': { type: 'string', default: '200' },
    clients: { type: 'string', default: '2' },  // client threads sharing the subscribers
    client: { type: 'string', default: 'native' },
    'client-acks': { type: 'string', default: 'quick' },
    'load-client': { type: 'string', default: '' },
    'tcp-nodelay': { type: 'string', default: '' },  // true|false: the websocket setting; empty: its default  // the native client's binary (run.sh builds it)
  },
});
const url = process.env.REX_TEST_POSTGRES_URL;
if (!url) throw new Error('REX_TEST_POSTGRES_URL is not set');
const table = 'rex_bench_rt_items';
// ms on CLOCK_MONOTONIC (process.hrtime), the clock load_client.cpp reads too: one clock for all.
const now = () => Number(process.hrtime.bigint()) / 1e6;
// (Worker threads see no arguments: the checks are the main thread's.)
if (isMainThread && !['native', 'node'].includes(opt.client)) throw new Error(`--client must be native or node, not ${opt.client}`);
if (isMainThread && !['quick', 'delayed'].includes(opt['client-acks'])) throw new Error(`--client-acks must be quick or delayed, not ${opt['client-acks']}`);
if (isMainThread && opt['client-acks'] === 'delayed' && opt.client !== 'native') throw new Error('--client-acks delayed needs --client native');
if (isMainThread && opt.client === 'native' && !opt['load-client']) throw new Error('--client native needs --load-client <binary> (run.sh builds it)');

const pageSize = 4096;
function hostStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);  // utime + stime
  const rssPages = Number(fields[21]);
  return { cpuS: ticks / 100, userS: Number(fields[11]) / 100, rssBytes: rssPages * pageSize };
}

async function prepare() {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, sent_at double precision NOT NULL, payload text NOT NULL)`);
  await client.end();
  execFileSync(cliBinary, ['--url', url, 'realtime', 'enable', '--tables', table], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function websocketSettings(n) {
  const settings = { max_connections: n + 100 };
  if (opt['tcp-nodelay']) settings.tcp_nodelay = opt['tcp-nodelay'] === 'true';
  return settings;
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);

async function run(n, requestedRate, durationS) {
  const rate = Math.max(1, Math.min(requestedRate, Math.floor(Number(opt['max-deliveries']) / n)));
  const writes = Math.round(rate * durationS);
  // The first events after N subscribers connected meet cold caches and sockets that never sent:
  // they are written and delivered like the rest, but timed apart.
  const warmWrites = Math.round(rate * Number(opt.warmup));
  const expected = (warmWrites + writes) * n;
  const host = await startHost({
    url,
    config: { realtime: { capture: true }, settings: { websocket: websocketSettings(n) } },
    http: { threads: 2 },
  });
  try {
    const idle = hostStats(host.pid);
    const threads = opt.client === 'native' ? 1 : Math.max(1, Math.min(Number(opt.clients), n));
    const t0 = now();
    const groups = opt.client === 'native' ? [nativeGroup(host.base, n, expected)] : nodeGroups(host.base, n, threads, warmWrites + writes);
    await Promise.all(groups.map((g) => g.ready));
    const deliveredNow = () => groups.reduce((sum, g) => sum + g.delivered, 0);
    const connectS = (now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 1000));
    const connected = hostStats(host.pid);

    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    const loadAtStart = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    const warmStart = now();
    let start, measuredFrom, wallStart;
    let peakRss = connected.rssBytes;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, hostStats(host.pid).rssBytes);
    }, 250);
    // One autocommit INSERT per tick, on schedule (a late tick does not shift the later ones); the
    // warm-up's ticks come first, on the same schedule.
    for (let i = 0; i < warmWrites + writes; ++i) {
      const due = warmStart + (i * 1000) / rate;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (i === warmWrites) (start = hostStats(host.pid)), (wallStart = measuredFrom = now());
      await writer.query(`INSERT INTO ${table} (sent_at, payload) VALUES ($1, $2)`, [now(), `row ${i}`]);
    }
    const deadline = now() + 15000;
    while (deliveredNow() < expected && now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const end = hostStats(host.pid);
    const wallS = (now() - wallStart) / 1000;
    clearInterval(sampler);
    await writer.end();

    const finals = await Promise.all(groups.map((g) => g.report(measuredFrom)));
    const delivered = finals.reduce((sum, f) => sum + f.delivered, 0);
    const warmDelivered = finals.reduce((sum, f) => sum + f.warmup.length, 0);
    const warmSorted = new Float64Array(warmDelivered);
    offsetInto(warmSorted, finals.map((f) => f.warmup));
    warmSorted.sort();
    const all = new Float64Array(finals.reduce((sum, f) => sum + f.latencies.length, 0));
    offsetInto(all, finals.map((f) => f.latencies));
    const sorted = all.sort();
    const measuredDelivered = delivered - warmDelivered;
    const line = {
      bench: 'realtime',
      engine: 'postgres',
      transport: 'websocket /changes',
      subscribers: n,
      writes_per_s: rate,
      writes,
      expected,
      delivered,
      complete: delivered === expected,
      p50_ms: round(percentile(sorted, 50)),
      p99_ms: round(percentile(sorted, 99)),
      max_ms: round(sorted.at(-1) ?? null),
      warmup_s: Number(opt.warmup),
      warmup_writes: warmWrites,
      warmup_p99_ms: round(percentile(warmSorted, 99)),
      warmup_max_ms: round(warmSorted.at(-1) ?? null),
      host_cpu_pct: round(((end.cpuS - start.cpuS) / wallS) * 100),
      // CPU time per 1000 messages delivered: what the host's work costs, whatever else runs on the box.
      host_cpu_ms_per_1000_messages: measuredDelivered > 0 ? round(((end.cpuS - start.cpuS) * 1e6) / measuredDelivered) : null,
      // Its user-space part: rex-host's own work per message, without the kernel's TCP (which on
      // loopback includes the client's receive path).
      host_user_cpu_ms_per_1000_messages: measuredDelivered > 0 ? round(((end.userS - start.userS) * 1e6) / measuredDelivered) : null,
      host_rss_mib_before: round(idle.rssBytes / 2 ** 20),
      host_rss_mib_connected: round(connected.rssBytes / 2 ** 20),
      host_rss_mib_peak: round(Math.max(peakRss, end.rssBytes) / 2 ** 20),
      idle_kib_per_connection: round((connected.rssBytes - idle.rssBytes) / n / 1024),
      connect_s: round(connectS),
      client: opt.client,
      client_threads: threads,
      client_cpu_pct: finals.every((f) => f.clientCpuS !== undefined) ? round((finals.reduce((sum, f) => sum + f.clientCpuS, 0) / wallS) * 100) : null,
      subscribers_closed: finals.reduce((sum, f) => sum + (f.closed ?? 0), 0),
      tcp_nodelay: opt['tcp-nodelay'] || 'default',
      client_acks: opt['client-acks'],
      // Per event (native client): commit → its first subscriber, and first → last subscriber (the
      // host's fan-out of one event); with several client processes, the largest of theirs.
      ...(finals.every((f) => f.stages)
        ? Object.fromEntries(['first_p50_ms', 'first_p99_ms', 'spread_p50_ms', 'spread_p99_ms'].map((k) => [`event_${k}`, Math.max(...finals.map((f) => f.stages[k]))]))
        : {}),
      load_avg_1m: loadAtStart,  // of the machine when the writes began: a shared box skews every figure
    };
    console.log(JSON.stringify(line));
    await Promise.all(groups.map((g) => g.stop()));
  } finally {
    await host.stop();
  }
}

// The Node subscribers: `threads` worker threads running subscriberThread below.
function nodeGroups(base, n, threads, writes) {
  const groups = [];
  for (let w = 0; w < threads; ++w) {
    const count = Math.floor(n / threads) + (w < n % threads ? 1 : 0);
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { base, count, batch: Number(opt['connect-batch']), expected: writes * count },
    });
    const group = { delivered: 0 };
    let final;
    const finalSeen = new Promise((resolve) => (final = resolve));
    group.ready = new Promise((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (m) => {
        if (m.ready) resolve();
        if (m.delivered !== undefined) group.delivered = m.delivered;
        if (m.final) final(m);
      });
    });
    group.report = (from) => (worker.postMessage({ report: from }), finalSeen);
    group.stop = () => worker.terminate();
    groups.push(group);
  }
  return groups;
}

// The native subscribers: one load_client process (load_client.cpp), driven over its stdin/stdout;
// its latencies come back as a file of float64s.
function nativeGroup(base, n, expected) {
  const { hostname, port } = new URL(base);
  const file = `${tmpdir()}/rex-bench-rt-${process.pid}-${n}.f64`;
  const args = [hostname === 'localhost' ? '127.0.0.1' : hostname, port, String(n), String(expected), file];
  // One file per N when several are run: F.100, F.1000, …
  if (opt['events-file']) args.push(opt.subscribers.includes(',') ? `${opt['events-file']}.${n}` : opt['events-file']);
  const child = spawn(opt['load-client'], args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, REX_BENCH_CLIENT_ACKS: opt['client-acks'] },
  });
  const group = { delivered: 0 };
  let final;
  const finalSeen = new Promise((resolve) => (final = resolve));
  group.ready = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => code && reject(new Error(`load_client exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (text) => {
      const m = JSON.parse(text);
      if (m.ready) resolve();
      if (m.delivered !== undefined) group.delivered = m.delivered;
      if (m.final) {
        const take = (path) => {
          const bytes = readFileSync(path);
          unlinkSync(path);
          return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8).slice();
        };
        const latencies = take(file);
        final({ delivered: m.delivered, latencies, warmup: take(`${file}.warmup`), clientCpuS: m.client_cpu_s, closed: m.closed, stages: m });
      }
    });
  });
  group.report = (from) => (child.stdin.write(`report ${from}\n`), finalSeen);
  group.stop = () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.on('exit', resolve), child.stdin.end())));
  return group;
}

// A client thread: opens its share of the subscribers, then counts events and their latencies
// until told to report.
async function subscriberThread() {
  const { base, count, batch, expected } = workerData;
  const latencies = new Float64Array(expected);
  const sentAt = new Float64Array(expected);
  let delivered = 0;
  // Every message is read for its writer's clock, without decoding the whole frame into a string
  // (the client threads share the cores with rex-host: what they spend is taken from it).
  const marker = Buffer.from('"sent_at":');
  const sockets = [];
  const openOne = (i) =>
    new Promise((done, fail) => {
      // The frames come from rex-host over loopback: ws's UTF-8 check of each is skipped.
      const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/changes`, { perMessageDeflate: false, skipUTF8Validation: true });
      ws.on('error', fail);
      ws.on('close', (code, reason) => {
        if (!ws.benchClosing) console.error(`bench: subscriber ${i} closed: ${code} ${reason}`);
      });
      ws.on('message', (data) => {
        if (!ws.subscribed) {
          const text = data.toString();
          if (JSON.parse(text).type === 'subscribed') return (ws.subscribed = true), done();
          return fail(new Error(`subscriber ${i}: ${text}`));
        }
        const at = data.indexOf(marker);
        if (at < 0) return;
        const from = at + marker.length;
        const sent = parseFloat(data.latin1Slice(from, Math.min(data.length, from + 24)));
        if (delivered < expected) (latencies[delivered] = now() - sent), (sentAt[delivered] = sent);
        ++delivered;
      });
      ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 's', op: 'insert' })));
      sockets.push(ws);
    });
  for (let i = 0; i < count; i += batch) {
    const group = [];
    for (let j = i; j < Math.min(count, i + batch); ++j) group.push(openOne(j));
    await Promise.all(group);
  }
  parentPort.postMessage({ ready: true });
  const progress = setInterval(() => parentPort.postMessage({ delivered }), 50);
  parentPort.on('message', (m) => {
    if (m?.report === undefined) return;
    clearInterval(progress);
    for (const ws of sockets) (ws.benchClosing = true), ws.terminate();
    // Split at the first measured write's clock: the events before it are the warm-up.
    const kept = Math.min(delivered, expected);
    const measured = [], warm = [];
    for (let i = 0; i < kept; ++i) (sentAt[i] >= m.report ? measured : warm).push(latencies[i]);
    const out = { latencies: Float64Array.from(measured), warmup: Float64Array.from(warm) };
    parentPort.postMessage({ final: true, delivered, ...out }, [out.latencies.buffer, out.warmup.buffer]);
    parentPort.close();
  });
  await new Promise(() => {});
}

// Copies the arrays one after another into `target`.
function offsetInto(target, arrays) {
  let offset = 0;
  for (const a of arrays) target.set(a, offset), (offset += a.length);
}

const round = (x) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);

if (isMainThread) {
  await prepare();
  for (const n of opt.subscribers.split(',').map(Number)) await run(n, Number(opt.rate), Number(opt.duration));
  process.exit(0);
} else {
  await subscriberThread();
}

// N WebSocket subscribers on rex-host's /changes (PostgreSQL with change capture), writes through
// the database at a fixed rate, and what each subscriber sees: commit-to-client latency (from
// just before the writing transaction's COMMIT to the client's receipt; one clock, this process),
// delivered = expected, rex-host CPU and RSS (idle per connection too). One JSON line per N.
//   node bench.mjs [--subscribers 100,1000,10000] [--rate 100] [--duration 10]
//                  [--max-deliveries 150000]   (writes/s is lowered so N × rate stays under it:
//                                               the one-process client cannot read more)
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import WebSocket from 'ws';
import { cliBinary, startHost } from '../../tests/e2e/lib/host.mjs';

const { values: opt } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100,1000,10000' },
    rate: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    'max-deliveries': { type: 'string', default: '150000' },
    'connect-batch': { type: 'string', default: '200' },
  },
});
const url = process.env.REX_TEST_POSTGRES_URL;
if (!url) throw new Error('REX_TEST_POSTGRES_URL is not set');
const table = 'rex_bench_rt_items';
const now = () => performance.timeOrigin + performance.now();  // ms, sub-ms resolution

const pageSize = 4096;
function hostStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);  // utime + stime
  const rssPages = Number(fields[21]);
  return { cpuS: ticks / 100, rssBytes: rssPages * pageSize };
}

async function prepare() {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, sent_at double precision NOT NULL, payload text NOT NULL)`);
  await client.end();
  execFileSync(cliBinary, ['--url', url, 'realtime', 'enable', '--tables', table], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function connectAll(base, n, batch, onEvent) {
  const sockets = [];
  let opened = 0;
  return new Promise((resolve, reject) => {
    const openOne = (i) =>
      new Promise((done, fail) => {
        const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/changes`, { perMessageDeflate: false });
        ws.on('error', fail);
        ws.on('close', (code, reason) => {
          if (!ws.benchClosing) console.error(`bench: subscriber ${i} closed: ${code} ${reason}`);
        });
        ws.on('message', (data) => {
          const text = data.toString();
          if (!ws.subscribed) {
            const m = JSON.parse(text);
            if (m.type === 'subscribed') {
              ws.subscribed = true;
              return done();
            }
            return fail(new Error(`subscriber ${i}: ${text}`));
          }
          onEvent(text);
        });
        ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 's', op: 'insert' })));
        sockets.push(ws);
      });
    (async () => {
      for (let i = 0; i < n; i += batch) {
        const group = [];
        for (let j = i; j < Math.min(n, i + batch); ++j) group.push(openOne(j));
        await Promise.all(group);
        opened += group.length;
      }
      resolve(sockets);
    })().catch(reject);
  });
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);

async function run(n, requestedRate, durationS) {
  const rate = Math.max(1, Math.min(requestedRate, Math.floor(Number(opt['max-deliveries']) / n)));
  const writes = Math.round(rate * durationS);
  const expected = writes * n;
  const host = await startHost({
    url,
    config: { realtime: { capture: true }, settings: { websocket: { max_connections: n + 100 } } },
    http: { threads: 2 },
  });
  try {
    const idle = hostStats(host.pid);
    let delivered = 0;
    const latencies = new Float64Array(expected);
    const marker = '"sent_at":';
    const onEvent = (text) => {
      const at = text.indexOf(marker);
      if (at < 0) return;
      const sent = parseFloat(text.slice(at + marker.length, at + marker.length + 24));
      if (delivered < expected) latencies[delivered] = now() - sent;
      ++delivered;
    };
    const t0 = now();
    const sockets = await connectAll(host.base, n, Number(opt['connect-batch']), onEvent);
    const connectS = (now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 1000));
    const connected = hostStats(host.pid);

    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    const start = hostStats(host.pid);
    const wallStart = now();
    let peakRss = connected.rssBytes;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, hostStats(host.pid).rssBytes);
    }, 250);
    // One autocommit INSERT per tick, on schedule (a late tick does not shift the later ones).
    for (let i = 0; i < writes; ++i) {
      const due = wallStart + (i * 1000) / rate;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await writer.query(`INSERT INTO ${table} (sent_at, payload) VALUES ($1, $2)`, [now(), `row ${i}`]);
    }
    const deadline = now() + 15000;
    while (delivered < expected && now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const end = hostStats(host.pid);
    const wallS = (now() - wallStart) / 1000;
    clearInterval(sampler);
    await writer.end();

    const sorted = Array.from(latencies.subarray(0, Math.min(delivered, expected))).sort((a, b) => a - b);
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
      host_cpu_pct: round(((end.cpuS - start.cpuS) / wallS) * 100),
      host_rss_mib_before: round(idle.rssBytes / 2 ** 20),
      host_rss_mib_connected: round(connected.rssBytes / 2 ** 20),
      host_rss_mib_peak: round(Math.max(peakRss, end.rssBytes) / 2 ** 20),
      idle_kib_per_connection: round((connected.rssBytes - idle.rssBytes) / n / 1024),
      connect_s: round(connectS),
    };
    console.log(JSON.stringify(line));
    for (const ws of sockets) {
      ws.benchClosing = true;
      ws.terminate();
    }
  } finally {
    await host.stop();
  }
}

const round = (x) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);

await prepare();
for (const n of opt.subscribers.split(',').map(Number)) await run(n, Number(opt.rate), Number(opt.duration));
process.exit(0);

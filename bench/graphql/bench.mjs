// rex-host's GraphQL API against PostGraphile v4 on the same PostgreSQL Chinook, and Rex on SQLite
// and MariaDB, with autocannon. Each server answers its own equivalent of five queries; the
// servers run alternately, each warmed first. One JSON line per run on stdout, then a summary of
// the ratios. Started by bench/graphql/run.sh, which loads Chinook and installs the packages.
//   node bench.mjs [--duration S] [--warmup S] [--connections 16,64] [--queries a,b]
//                  [--engines postgres,sqlite,mysql] ("" for none) [--no-postgraphile] [--postgraphile-workers N]
//                  [--inline-integers] (Rex's opt-in graphql setting inline_integers)
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startHost } from '../../tests/e2e/lib/host.mjs';
import { render } from '../../tests/e2e/lib/names.mjs';

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16,64' },
    queries: { type: 'string', default: 'by_key,filtered_page,nested,aggregate,insert' },
    engines: { type: 'string', default: 'postgres,sqlite,mysql' },
    'no-postgraphile': { type: 'boolean', default: false },
    'postgraphile-workers': { type: 'string', default: '2' },
    'inline-integers': { type: 'boolean', default: false },
  },
});
const duration = Number(opt.duration);
const warmup = Number(opt.warmup);
const connectionCounts = opt.connections.split(',').map(Number);
const queryNames = opt.queries.split(',');
const urls = { postgres: process.env.REX_CHINOOK_POSTGRES_URL, sqlite: process.env.REX_CHINOOK_SQLITE_URL, mysql: process.env.REX_CHINOOK_MYSQL_URL };

// Inserted artists take keys far above Chinook's, a fresh range per run.
let nextKey = 1_000_000;

// Rex's names for Chinook with the default (as-is) naming and rex-host's introspection rules:
// PostgreSQL's Chinook spells track / genre_id, the others Track / GenreId; a has-many relation
// is the plural of the other table. Fixed here, so the benchmark measures no schema lookups.
function spelling(engine) {
  const snake = (name) => name.replace(/(?<=[a-z])([A-Z])/g, '_$1').toLowerCase();
  const name = (n) => (engine === 'postgres' ? snake(n) : n);
  const resolvers = {
    list: (t) => name(t),
    pk: (t) => `${name(t)}_by_pk`,
    agg: (t) => `${name(t)}_aggregate`,
    insertOne: (t) => `insert_${name(t)}_one`,
    col: (_, c) => name(c),
    rel: (_, target) => `${name(target)}s`,
  };
  // SQLite's INTEGER keys are 64-bit (the bigint scalar); the others' INT keys are Int.
  return { keyType: engine === 'sqlite' ? 'bigint' : 'Int', render: (template) => render(resolvers, template) };
}

// The five queries, as Rex spells them and as PostGraphile does. Both answer the same rows in
// the same shape.
const rexQueries = (n) => ({
  by_key: { query: n.render('{ {{pk Track}}({{col Track TrackId}}: 1234) { {{col Track Name}} {{col Track Milliseconds}} {{col Track UnitPrice}} } }') },
  filtered_page: {
    query: n.render(
      '{ {{list Track}}(where: {{{col Track GenreId}}: {_eq: 1}}, order_by: [{{{col Track TrackId}}: asc}], limit: 50, offset: 100) { {{col Track TrackId}} {{col Track Name}} {{col Track Milliseconds}} {{col Track UnitPrice}} } }',
    ),
  },
  nested: {
    query: n.render(
      '{ {{list Artist}}(order_by: [{{{col Artist ArtistId}}: asc}], limit: 20) { {{col Artist Name}} {{rel Artist Album}} { {{col Album Title}} {{rel Album Track}} { {{col Track Name}} {{col Track Milliseconds}} } } } }',
    ),
  },
  aggregate: { query: n.render('{ {{agg Track}}(where: {{{col Track GenreId}}: {_eq: 1}}) { aggregate { count } } }') },
  insert: {
    query: n.render(`mutation($id: ${n.keyType}!) { {{insertOne Artist}}(object: {{{col Artist ArtistId}}: $id, {{col Artist Name}}: "bench"}) { {{col Artist ArtistId}} {{col Artist Name}} } }`),
    keyed: true,
  },
});
const postgraphileQueries = {
  by_key: { query: '{ trackByTrackId(trackId: 1234) { name milliseconds unitPrice } }' },
  filtered_page: { query: '{ allTracksList(condition: {genreId: 1}, orderBy: TRACK_ID_ASC, first: 50, offset: 100) { trackId name milliseconds unitPrice } }' },
  nested: { query: '{ allArtistsList(orderBy: ARTIST_ID_ASC, first: 20) { name albumsByArtistIdList { title tracksByAlbumIdList { name milliseconds } } } }' },
  aggregate: { query: '{ allTracks(condition: {genreId: 1}) { totalCount } }' },
  insert: { query: 'mutation($id: Int!) { createArtist(input: {artist: {artistId: $id, name: "bench"}}) { artist { artistId name } } }', keyed: true },
};

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startPostgraphile(url) {
  const port = await freePort();
  const args = ['-c', url, '--host', '127.0.0.1', '--port', String(port), '--disable-query-log', '--disable-graphiql', '--simple-collections', 'both', '--no-setof-functions-contain-nulls'];
  if (Number(opt['postgraphile-workers']) > 1) args.push('--cluster-workers', opt['postgraphile-workers']);
  const child = spawn(join(dirname(fileURLToPath(import.meta.url)), 'node_modules', '.bin', 'postgraphile'), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  // Stopped with this process, Ctrl-C included (tests/e2e/lib/host.mjs exits on signals).
  process.on('exit', () => child.kill('SIGTERM'));
  let log = '';
  child.stdout.on('data', (c) => (log += c));
  child.stderr.on('data', (c) => (log += c));
  const graphqlUrl = `http://127.0.0.1:${port}/graphql`;
  for (let i = 0; i < 200; ++i) {
    await new Promise((r) => setTimeout(r, 100));
    if (child.exitCode !== null) throw new Error(`postgraphile exited: ${log}`);
    try {
      const r = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      if (r.ok) return { graphqlUrl, pid: child.pid, stop: () => child.kill('SIGTERM'), log: () => log };
    } catch {}
  }
  throw new Error(`postgraphile did not answer: ${log}`);
}

// Resident memory of a process and its children (PostGraphile's cluster workers), in MiB.
function rssMiB(pid) {
  let kb = 0;
  const visit = (p) => {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      for (const t of readdirSync(`/proc/${p}/task`))
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) visit(c);
    } catch {}
  };
  visit(pid);
  return Math.round(kb / 102.4) / 10;
}

// CPU time (user + system, children reaped included) of a process and its children, in ms: with
// the requests served it gives CPU per request, which other work on a shared machine disturbs far
// less than requests per second.
function cpuMs(pid) {
  let ticks = 0;
  const visit = (p) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      for (const t of readdirSync(`/proc/${p}/task`))
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) visit(c);
    } catch {}
  };
  visit(pid);
  return ticks * 10;  // USER_HZ is 100 on Linux
}

// The database server's process (tools/test-servers.sh's pid files), when it runs on this machine.
function databasePid(engine) {
  const dir = process.env.REX_TEST_SERVERS_DIR || '/tmp/rex-test-servers';
  const file = { postgres: 'pg/postmaster.pid', mysql: 'mysql-run/mysql.pid' }[engine];
  try {
    return Number(readFileSync(join(dir, file), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

function bodyOf(q) {
  return q.keyed ? undefined : JSON.stringify({ query: q.query });
}

// The answer must be data, not errors: a server that errs fast would look fast.
async function check(graphqlUrl, q) {
  const body = q.keyed ? JSON.stringify({ query: q.query, variables: { id: nextKey++ } }) : bodyOf(q);
  const r = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await r.text();
  if (!r.ok || JSON.parse(text).errors) throw new Error(`${graphqlUrl} answers ${r.status}: ${text.slice(0, 500)}\n${q.query}`);
  return text.length;
}

async function cannon(graphqlUrl, q, connections, seconds) {
  const request = { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' } };
  if (q.keyed) request.setupRequest = (req) => ({ ...req, body: JSON.stringify({ query: q.query, variables: { id: nextKey++ } }) });
  else request.body = bodyOf(q);
  return autocannon({ url: graphqlUrl, connections, duration: seconds, pipelining: 1, requests: [request] });
}

async function measure(server, name, connections) {
  const q = server.queries[name];
  const bytes = await check(server.graphqlUrl, q);
  if (warmup > 0) await cannon(server.graphqlUrl, q, connections, warmup);
  let rss = 0;
  const sampler = setInterval(() => (rss = Math.max(rss, rssMiB(server.pid))), 250);
  const db = databasePid(server.engine);
  const cpu0 = [cpuMs(server.pid), db ? cpuMs(db) : 0];
  const r = await cannon(server.graphqlUrl, q, connections, duration);
  const cpu1 = [cpuMs(server.pid), db ? cpuMs(db) : 0];
  clearInterval(sampler);
  const perRequest = (a, b) => (r.requests.total ? Math.round(((b - a) / r.requests.total) * 1000) / 1000 : undefined);
  const line = {
    server: server.label,
    engine: server.engine,
    query: name,
    connections,
    duration_s: duration,
    requests_per_s: r.requests.average,
    requests: r.requests.total,
    latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    response_bytes: bytes,
    errors: r.errors,
    timeouts: r.timeouts,
    non_2xx: r.non2xx,
    rss_mib_max: rss,
    server_cpu_ms_per_request: perRequest(cpu0[0], cpu1[0]),
    database_cpu_ms_per_request: db ? perRequest(cpu0[1], cpu1[1]) : undefined,
  };
  console.log(JSON.stringify(line));
  return line;
}

const servers = [];
const results = [];
try {
  for (const engine of opt.engines.split(',').filter(Boolean)) {
    if (!urls[engine]) {
      console.error(`bench: Rex on ${engine} skipped: REX_CHINOOK_${engine.toUpperCase()}_URL is not set`);
      continue;
    }
    const config = opt['inline-integers'] ? { settings: { graphql: { inline_integers: true } } } : undefined;
    const host = await startHost({ url: urls[engine], http: { threads: 0 }, config });
    servers.push({ label: 'rex', engine, graphqlUrl: host.graphqlUrl, pid: host.pid, stop: host.stop, queries: rexQueries(spelling(engine)) });
  }
  if (!opt['no-postgraphile'] && urls.postgres) {
    const pg = await startPostgraphile(urls.postgres);
    servers.push({ label: 'postgraphile', engine: 'postgres', ...pg, queries: postgraphileQueries });
  }
  // The PostgreSQL pair runs alternately per query and connection count, then Rex on the others.
  const pair = servers.filter((s) => s.engine === 'postgres');
  const rest = servers.filter((s) => s.engine !== 'postgres');
  for (const group of [pair, ...rest.map((s) => [s])])
    for (const name of queryNames) for (const c of connectionCounts) for (const s of group) results.push(await measure(s, name, c));
} finally {
  for (const s of servers) await s.stop();
}

// The summary: Rex against PostGraphile per query and connection count.
const find = (server, engine, q, c) => results.find((r) => r.server === server && r.engine === engine && r.query === q && r.connections === c);
const cpuTotal = (r) => (r?.server_cpu_ms_per_request === undefined ? undefined : Math.round((r.server_cpu_ms_per_request + (r.database_cpu_ms_per_request ?? 0)) * 1000) / 1000);
const rows = [];
for (const q of queryNames)
  for (const c of connectionCounts) {
    const rex = find('rex', 'postgres', q, c);
    const pg = find('postgraphile', 'postgres', q, c);
    const others = Object.fromEntries(['sqlite', 'mysql'].map((e) => [e, find('rex', e, q, c)?.requests_per_s]));
    rows.push({
      query: q,
      connections: c,
      rex_rps: rex?.requests_per_s,
      postgraphile_rps: pg?.requests_per_s,
      ratio: rex && pg ? Math.round((rex.requests_per_s / pg.requests_per_s) * 100) / 100 : undefined,
      rex_p99_ms: rex?.latency_ms.p99,
      postgraphile_p99_ms: pg?.latency_ms.p99,
      // CPU per request of the server and the database together (ms).
      rex_cpu_ms: cpuTotal(rex),
      postgraphile_cpu_ms: cpuTotal(pg),
      rex_rss_mib: rex?.rss_mib_max,
      postgraphile_rss_mib: pg?.rss_mib_max,
      rex_sqlite_rps: others.sqlite,
      rex_mysql_rps: others.mysql,
    });
  }
console.log(JSON.stringify({ summary: rows }));
console.error('\nquery          conns   rex r/s  postgraphile r/s  ratio  p99 rex/pg (ms)  rss rex/pg (MiB)  cpu ms/req rex/pg  rex sqlite r/s  rex mariadb r/s');
for (const r of rows) {
  const f = (v, w) => String(v ?? '-').padStart(w);
  console.error(
    `${r.query.padEnd(14)} ${f(r.connections, 5)} ${f(r.rex_rps, 9)} ${f(r.postgraphile_rps, 17)} ${f(r.ratio, 6)} ${f(`${r.rex_p99_ms ?? '-'}/${r.postgraphile_p99_ms ?? '-'}`, 16)} ${f(`${r.rex_rss_mib ?? '-'}/${r.postgraphile_rss_mib ?? '-'}`, 17)} ${f(`${r.rex_cpu_ms ?? '-'}/${r.postgraphile_cpu_ms ?? '-'}`, 18)} ${f(r.rex_sqlite_rps, 15)} ${f(r.rex_mysql_rps, 16)}`,
  );
}

// Live queries re-run by changes of a related entity (not in CI): N graphql-ws subscriptions, one
// per artist of the Chinook sample on PostgreSQL with change capture, each selecting the artist's
// albums; album inserts at a fixed rate, each for one of those artists. Run twice in one go:
//   keyed    `artist_by_pk(artist_id: i) { name albums { title } }` — an album change re-runs only
//            the live query of its artist (operations/read_entities.hpp);
//   unkeyed  `artist(where: {name: {_eq: …}}) { name albums { title } }` — every album change
//            re-runs every live query (how every shape behaved before 2026-12-06).
// Prints a JSON line per shape (database transactions and rex-host CPU per insert, updates
// delivered) and one with the ratios. Usage: node live_queries.mjs [--subscriptions N] [--inserts M] [--rate R]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { startHost } from '../../tests/e2e/lib/host.mjs';

const { values: opt } = parseArgs({
  options: { subscriptions: { type: 'string', default: '200' }, inserts: { type: 'string', default: '100' }, rate: { type: 'string', default: '20' } },
});
const url = process.env.REX_CHINOOK_POSTGRES_URL;
if (!url) throw new Error('REX_CHINOOK_POSTGRES_URL is not set (bench/realtime/run.sh live sets it from tools/chinook-db.sh)');
const n = Number(opt.subscriptions), inserts = Number(opt.inserts), rate = Number(opt.rate);
const perConnection = 50;  // the websocket plugin allows 100 operations per connection by default

const db = new pg.Client({ connectionString: url });
await db.connect();
const artists = (await db.query('SELECT artist_id, name FROM artist ORDER BY artist_id LIMIT $1', [n])).rows;
const transactions = async () => Number((await db.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0].xact_commit);

async function run(shape) {
  const host = await startHost({ url, config: { realtime: { capture: true } } });
  const cpuMs = () => {
    const f = readFileSync(`/proc/${host.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;  // utime + stime, in clock ticks of 10 ms
  };
  const clients = [];
  let updates = 0, ready = 0;
  for (const [i, a] of artists.entries()) {
    const k = Math.floor(i / perConnection);
    clients[k] ??= createClient({ url: host.base.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, lazy: false });
    const query = shape === 'keyed' ? `subscription { artist_by_pk(artist_id: ${a.artist_id}) { name albums { title } } }`
      : `subscription { artist(where: {name: {_eq: ${JSON.stringify(a.name)}}}) { name albums { title } } }`;
    let first = true;
    clients[k].subscribe({ query }, {
      next: () => (first ? ((first = false), ready++) : updates++),
      error: (e) => { throw new Error(`subscription failed: ${JSON.stringify(e)}`); },
      complete: () => {},
    });
  }
  while (ready < artists.length) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = await transactions(), c0 = cpuMs();
  for (let i = 0; i < inserts; i++) {
    await db.query("INSERT INTO album (album_id, title, artist_id) VALUES ((SELECT max(album_id) + 1 FROM album), 'rex-bench', $1)",
                   [artists[i % artists.length].artist_id]);
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  await new Promise((r) => setTimeout(r, 2000));  // the last re-runs
  // Minus the inserts and the two reads of the counter.
  const perInsert = (await transactions() - t0 - inserts - 1) / inserts;
  const cpu = (cpuMs() - c0) / inserts;
  for (const c of clients) await c.dispose();
  await host.stop();
  await db.query("DELETE FROM album WHERE title = 'rex-bench'");
  const line = { bench: 'live_queries', shape, live_queries: artists.length, inserts, rate, updates_delivered: updates,
                 db_transactions_per_insert: +perInsert.toFixed(2), host_cpu_ms_per_insert: +cpu.toFixed(2) };
  console.log(JSON.stringify(line));
  return line;
}

const keyed = await run('keyed');
const unkeyed = await run('unkeyed');
console.log(JSON.stringify({ bench: 'live_queries', ratio_unkeyed_to_keyed: {
  db_transactions: +(unkeyed.db_transactions_per_insert / keyed.db_transactions_per_insert).toFixed(1),
  host_cpu: +(unkeyed.host_cpu_ms_per_insert / Math.max(keyed.host_cpu_ms_per_insert, 0.01)).toFixed(1) } }));
await db.end();
process.exit(0);

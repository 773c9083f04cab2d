// Serving for real (issue 19) on the PostgreSQL Chinook: the GraphQL path through a real PgBouncer
// in transaction mode (tools/test-servers.sh starts one; the URL says prepared_statements=off)
// answers exactly as a direct connection does, and an exhausted pool answers 503 with
// Retry-After and extensions.code, counted in /metrics by operation.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { engines } from './lib/chinook.mjs';
import { post, query, startHost } from './lib/host.mjs';
import { introspect } from './lib/introspect.mjs';

const pg = engines().find((e) => e.engine === 'postgres');
const bouncer = process.env.REX_TEST_PGBOUNCER_URL;
const required = process.env.REX_REQUIRE_SERVERS === '1';
if (required && !bouncer) throw new Error('REX_TEST_PGBOUNCER_URL is not set but REX_REQUIRE_SERVERS=1');
const skip = pg.skip || (!bouncer && 'PgBouncer skipped: REX_TEST_PGBOUNCER_URL is not set (tools/test-servers.sh start)');

// The Chinook database through PgBouncer: its host and port, the same database and user, and no
// named prepared statements (PgBouncer 1.18 cannot keep them across transactions).
function throughBouncer(url) {
  const direct = new URL(url);
  const via = new URL(bouncer);
  direct.host = via.host;
  direct.searchParams.set('prepared_statements', 'off');
  return direct.toString();
}

const queries = [
  `{ artist(where: {artist_id: {_lte: 4}}, order_by: [{artist_id: asc}]) { artist_id name albums(order_by: [{album_id: asc}]) { title tracks(limit: 2, order_by: [{track_id: asc}]) { name milliseconds unit_price genre { name } } } } }`,
  `{ track_aggregate(where: {genre_id: {_eq: 1}}) { aggregate { count sum { milliseconds } max { unit_price } } } }`,
  `query ($id: Int!) { track_by_pk(track_id: $id) { name album { title artist { name } } } }`,
  `{ playlist_by_pk(playlist_id: 3) { name tracks(order_by: [{track_id: asc}], limit: 4) { track_id name } } }`,
];

describe('GraphQL through PgBouncer in transaction mode', { skip }, () => {
  let direct;
  let bounced;
  before(async () => {
    direct = await startHost({ url: pg.url });
    bounced = await startHost({ url: throughBouncer(pg.url), http: { workers: 6 } });
  });
  after(async () => {
    await direct?.stop();
    await bounced?.stop();
  });

  test('introspection answers the same schema', async () => {
    assert.deepEqual((await introspect(bounced)).result, (await introspect(direct)).result);
  });

  test('queries answer the same bytes, also 60 at once (server connections change between transactions)', async () => {
    for (const [i, text] of queries.entries()) {
      const body = { query: text, variables: { id: 2 + i } };
      const want = await post(direct, body);
      assert.equal(want.status, 200);
      assert.ok(!want.json.errors, want.text);
      const answers = await Promise.all(Array.from({ length: 15 }, () => post(bounced, body)));
      for (const got of answers) {
        assert.equal(got.status, 200);
        assert.equal(got.text, want.text);
      }
    }
  });

  test('a mutation request is one transaction: a failing field rolls back the others; a good one commits', async () => {
    const id = 900000 + (process.pid % 50000);
    const lookup = `{ artist_by_pk(artist_id: ${id}) { name } }`;
    await post(bounced, { query: `mutation { delete_artist_by_pk(artist_id: ${id}) { name } }` });
    const failed = await post(bounced, {
      query: `mutation { a: insert_artist(objects: [{artist_id: ${id}, name: "Bouncer"}]) { affected_rows }
                         b: insert_artist(objects: [{artist_id: ${id}, name: "Twice"}]) { affected_rows } }`,
    });
    assert.equal(failed.json.data, null, failed.text);
    assert.equal(failed.json.errors[0].extensions.code, 'constraint-violation');
    assert.deepEqual(await query(direct, lookup), { artist_by_pk: null });

    const ok = await query(bounced, `mutation { insert_artist_one(object: {artist_id: ${id}, name: "Bouncer"}) { artist_id name } }`);
    assert.deepEqual(ok, { insert_artist_one: { artist_id: id, name: 'Bouncer' } });
    assert.deepEqual(await query(direct, lookup), { artist_by_pk: { name: 'Bouncer' } });
    assert.deepEqual(await query(bounced, `mutation { delete_artist_by_pk(artist_id: ${id}) { name } }`), { delete_artist_by_pk: { name: 'Bouncer' } });
    assert.deepEqual(await query(direct, lookup), { artist_by_pk: null });
  });
});

describe('statement_timeout_ms through PgBouncer in transaction mode', { skip }, () => {
  // Server connections pass from client to client between transactions: the request's timeout
  // must end with its transaction (SET LOCAL), or another client of PgBouncer inherits it.
  test('is transaction-local: no server connection keeps it for other clients', async () => {
    const host = await startHost({ url: throughBouncer(pg.url), http: { workers: 6 }, config: { settings: { graphql: { statement_timeout_ms: 4321 } } } });
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, () => post(host, { query: queries[0] })));
      for (const a of answers) assert.ok(a.status === 200 && !a.json.errors, a.text);
    } finally {
      await host.stop();
    }
    // Eight psql clients at once through PgBouncer, each holding its server connection for a
    // moment, so they take the connections the host just used (PgBouncer reuses the newest first).
    const psqlUrl = new URL(throughBouncer(pg.url));
    psqlUrl.search = '';
    const show = () =>
      new Promise((resolve, reject) => {
        const child = spawn('psql', [psqlUrl.toString(), '-qAt', '-c', "SELECT current_setting('statement_timeout'), pg_sleep(0.3)"], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => (code === 0 ? resolve(out.trim().split('|')[0]) : reject(new Error(`psql failed: ${err}`))));
      });
    const seen = await Promise.all(Array.from({ length: 8 }, show));
    assert.deepEqual(seen, Array(8).fill('0'), `the settings other clients found: ${seen.join(', ')}`);
  });
});

describe('an exhausted pool', { skip: pg.skip }, () => {
  test('answers 503 with Retry-After and extensions.code after the acquire timeout; /metrics counts it', async () => {
    const host = await startHost({ url: pg.url, http: { workers: 4 }, config: { database: { url: pg.url, pool: { max_size: 1, acquire_timeout_ms: 300 } } } });
    try {
      // psql holds the artist table; the host's only connection then waits on it.
      const psql = spawn('psql', [pg.url, '-qAt', '-c', 'BEGIN; LOCK TABLE artist IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(2.5); COMMIT;'], { stdio: 'ignore' });
      const psqlDone = new Promise((resolve) => psql.on('exit', resolve));
      await sleep(400);
      const blocked = post(host, { query: '{ artist(limit: 1, order_by: [{artist_id: asc}]) { name } }' });
      await sleep(200);
      const started = Date.now();
      const refused = await post(host, { query: '{ genre(limit: 1) { name } }' });
      const waited = Date.now() - started;
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.json.errors[0].extensions.code, 'unavailable');
      assert.ok(waited >= 280 && waited < 2000, `answered after ${waited} ms`);
      const headers = await fetch(host.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ genre(limit: 1) { name } }' }) });
      assert.equal(headers.status, 503);
      assert.equal(headers.headers.get('retry-after'), '1');
      const waitedFor = await blocked;
      assert.equal(waitedFor.status, 200);
      assert.deepEqual(waitedFor.json, { data: { artist: [{ name: 'AC/DC' }] } });
      await psqlDone;

      const metrics = await (await fetch(`${host.base}/metrics`)).text();
      assert.match(metrics, /^rex_http_requests_total\{route="\/graphql",operation="query",method="POST",code="200"\} 1$/m);
      assert.match(metrics, /^rex_http_requests_total\{route="\/graphql",operation="query",method="POST",code="503"\} 2$/m);
      assert.match(metrics, /^rex_pool_max_size 1$/m);
    } finally {
      await host.stop();
    }
  });
});

// Permissions on GraphQL subscriptions and custom fields, on the three engines, with the clients
// users use: graphql-ws (WebSocket) and graphql-sse against a live rex-host with JWTs, while rows
// are written by the engine's own client (sqlite3, psql, mariadb) and reach the host through the
// capture pump. The rows of this file (the path × attempt table of permissions.test.mjs):
//
//   path \ attempt       | own rows | others' rows | row changing owner | forbidden column | no select rule
//   live query (ws, sse) |    ✓     |      ✓       |         ✓          |        ✓         |       ✓
//   stream subscription  |    ✓     |      ✓       |         ✓          |        ✓         |       ✓
//   custom resolver      |    ✓     |      —       |         —          |        —         |       ✓
//   introspection        |    ✓     |      —       |         —          |        ✓         |       ✓
//
// Table perm_note(id, owner_id, body, secret): role "user" reads id, owner_id, body of its own
// notes (owner_id = x-rex-user-id); role "stranger" has no rule on it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { buildDir, cliBinary, pluginDir, post, startHost } from './lib/host.mjs';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const NS = 'https://rex.dev/claims';
const ME = 1;
const OTHER = 2;

const b64 = (data) => Buffer.from(data).toString('base64url');
function token(claims) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify({ iss: 'rex-tests', aud: 'rex', iat: now, exp: now + 3600, [NS]: claims }))}`;
  return `${input}.${b64(createHmac('sha256', SECRET).update(input).digest())}`;
}
const userToken = (id) => token({ 'x-rex-default-role': 'user', 'x-rex-user-id': String(id) });
const strangerToken = () => token({ 'x-rex-default-role': 'stranger', 'x-rex-user-id': String(ME) });
// Signed with another secret: refused before anything runs.
const forgedToken = () => { const t = userToken(ME).split('.'); t[2] = b64(createHmac('sha256', 'another-secret-of-at-least-32-bytes').update(`${t[0]}.${t[1]}`).digest()); return t.join('.'); };

function psql(url, sql) {
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8', env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } });
}
function mariadb(url, sql) {
  const u = new URL(url);
  return execFileSync('mariadb', ['-h', u.hostname, '-P', u.port, '-u', decodeURIComponent(u.username), `-p${decodeURIComponent(u.password)}`, u.pathname.slice(1), '-e', sql], { encoding: 'utf8' });
}

// [{engine, skip, setup(): {url, write(sql), cleanup()}}]
function engines() {
  const servers = { postgres: process.env.REX_TEST_POSTGRES_URL, mysql: process.env.REX_TEST_MYSQL_URL };
  const table = {
    sqlite: 'CREATE TABLE perm_note (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, body TEXT NOT NULL, secret TEXT)',
    postgres: 'CREATE TABLE perm_note (id integer PRIMARY KEY, owner_id integer NOT NULL, body text NOT NULL, secret text)',
    mysql: 'CREATE TABLE perm_note (id INT PRIMARY KEY, owner_id INT NOT NULL, body VARCHAR(200) NOT NULL, secret VARCHAR(200))',
  };
  const seed = `INSERT INTO perm_note (id, owner_id, body, secret) VALUES (1, ${ME}, 'mine', 's1'), (2, ${OTHER}, 'theirs', 's2'), (3, ${ME}, 'mine too', 's3')`;
  const prepare = (url, write) => {
    write('DROP TABLE IF EXISTS perm_note');
    write(table[url.startsWith('sqlite') ? 'sqlite' : url.startsWith('postgres') ? 'postgres' : 'mysql']);
    write(seed);
    execFileSync(cliBinary, ['--url', url, 'realtime', 'enable', '--tables', 'perm_note'], { stdio: ['ignore', 'ignore', 'inherit'] });
    return { url, write, cleanup: () => { try { execFileSync(cliBinary, ['--url', url, 'realtime', 'disable', '--tables', 'perm_note'], { stdio: 'ignore' }); } catch {} write('DROP TABLE IF EXISTS perm_note'); } };
  };
  return [
    {
      engine: 'sqlite',
      skip: false,
      setup() {
        const dir = mkdtempSync(join(tmpdir(), 'rex-perm-rt-'));
        const file = join(dir, 'notes.db');
        const db = prepare(`sqlite://${file}`, (sql) => execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }));
        return { ...db, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
    ...['postgres', 'mysql'].map((engine) => {
      const url = servers[engine];
      const variable = engine === 'postgres' ? 'REX_TEST_POSTGRES_URL' : 'REX_TEST_MYSQL_URL';
      if (!url && process.env.REX_REQUIRE_SERVERS === '1') throw new Error(`${variable} is not set but REX_REQUIRE_SERVERS=1`);
      return {
        engine,
        skip: url ? false : `${engine} skipped: ${variable} is not set (tools/test-servers.sh)`,
        setup: () => prepare(url, engine === 'postgres' ? (sql) => psql(url, sql) : (sql) => mariadb(url, sql)),
      };
    }),
  ];
}

const within = (ms, promise, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))]);

// A subscription's results through either client; waitFor(pred) resolves with the first match.
// A refusal is an error (graphql-ws) or a result with errors and no data (graphql-sse's stream).
function collect(client, payload) {
  const results = [];
  const waiters = [];
  let failed;
  const failures = [];
  const dispose = client.subscribe(payload, {
    next: (r) => {
      if (r.errors && !r.data) {
        failed = r.errors;
        for (const f of failures) f(r.errors);
        return;
      }
      results.push(r);
      for (const w of [...waiters]) if (w.pred(r)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(r);
    },
    error: (e) => {
      failed = e;
      for (const f of failures) f(e);
    },
    complete: () => {},
  });
  return {
    results,
    dispose,
    waitFor(pred, what = 'a matching result', ms = 15000) {
      const hit = results.find(pred);
      if (hit) return Promise.resolve(hit);
      return within(ms, new Promise((resolve) => waiters.push({ pred, resolve })), what);
    },
    error(ms = 10000) {
      if (failed) return Promise.resolve(failed);
      return within(ms, new Promise((resolve) => failures.push(resolve)), 'an error');
    },
  };
}

const clients = {
  ws: (host, bearer) => createWsClient({ url: host.base.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0, lazy: true,
                                       connectionParams: bearer ? { Authorization: `Bearer ${bearer}` } : {} }),
  sse: (host, bearer) => createSseClient({ url: `${host.base}/graphql/stream`, retryAttempts: 0, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} }),
};

const ids = (rows) => rows.map((r) => r.id).sort((a, b) => a - b);
const rowsOf = (result, field) => result.data?.[field] ?? [];

for (const { engine, skip, setup } of engines()) {
  describe(`permissions on subscriptions and custom fields: ${engine}`, { skip }, () => {
    let db;
    let host;
    const open = [];
    const client = (kind, bearer) => {
      const c = clients[kind](host, bearer);
      open.push(c);
      return c;
    };

    before(async () => {
      db = setup();
      host = await startHost({
        url: db.url,
        config: {
          realtime: { capture: true },
          plugins: { paths: [pluginDir, join(buildDir, 'test-fixtures', 'role_resolvers')] },
          settings: { graphql: { live_debounce_ms: 10 } },
          auth: { jwt: { secret: SECRET, issuer: 'rex-tests', audience: 'rex', claims_namespace: NS } },
          permissions: {
            user: { perm_note: { select: { columns: ['id', 'owner_id', 'body'], filter: { owner_id: { _eq: 'x-rex-user-id' } } } } },
            stranger: {},
          },
        },
      });
    });
    after(async () => {
      for (const c of open) c.dispose();
      if (host) await host.stop();
      db?.cleanup();
    });

    for (const kind of ['ws', 'sse']) {
      test(`live query (${kind}) × own rows, others' rows, a row changing owner`, async () => {
        const mine = collect(client(kind, userToken(ME)), { query: 'subscription { perm_note(order_by: {id: asc}) { id owner_id body } }' });
        const theirs = collect(client(kind, userToken(OTHER)), { query: 'subscription { perm_note(order_by: {id: asc}) { id owner_id body } }' });
        await mine.waitFor((r) => ids(rowsOf(r, 'perm_note')).join() === '1,3', 'user 1: notes 1 and 3');
        await theirs.waitFor((r) => ids(rowsOf(r, 'perm_note')).join() === '2', 'user 2: note 2');
        const base = kind === 'ws' ? 100 : 200;
        db.write(`INSERT INTO perm_note (id, owner_id, body, secret) VALUES (${base + 1}, ${OTHER}, 'new of 2', 'x'), (${base + 2}, ${ME}, 'new of 1', 'y')`);
        await mine.waitFor((r) => ids(rowsOf(r, 'perm_note')).includes(base + 2), 'user 1 sees its new note');
        await theirs.waitFor((r) => ids(rowsOf(r, 'perm_note')).includes(base + 1), 'user 2 sees its new note');
        db.write(`UPDATE perm_note SET owner_id = ${OTHER} WHERE id = ${base + 2}`);  // changes owner
        await mine.waitFor((r) => !ids(rowsOf(r, 'perm_note')).includes(base + 2) && r !== mine.results[0], 'user 1 loses the note it gave away');
        await theirs.waitFor((r) => ids(rowsOf(r, 'perm_note')).includes(base + 2), 'user 2 gets it');
        for (const r of mine.results) for (const row of rowsOf(r, 'perm_note')) {
          assert.equal(row.owner_id, ME, `user 1 got another's row: ${JSON.stringify(r)}`);
          assert.ok(!('secret' in row));
        }
        for (const r of theirs.results) for (const row of rowsOf(r, 'perm_note')) assert.equal(row.owner_id, OTHER);
        db.write(`DELETE FROM perm_note WHERE id > 100`);
        mine.dispose();
        theirs.dispose();
      });

      test(`stream subscription (${kind}) × own rows, others' rows, a row changing owner`, async () => {
        const base = kind === 'ws' ? 300 : 400;
        const mine = collect(client(kind, userToken(ME)), { query: 'subscription { perm_note_stream(batch_size: 10, cursor: {initial_value: {id: 0}}) { id owner_id body } }' });
        await mine.waitFor((r) => ids(rowsOf(r, 'perm_note_stream')).join() === '1,3', 'the initial batch: notes 1 and 3');
        db.write(`INSERT INTO perm_note (id, owner_id, body, secret) VALUES (${base + 1}, ${OTHER}, 'of 2', 'x')`);
        db.write(`INSERT INTO perm_note (id, owner_id, body, secret) VALUES (${base + 2}, ${ME}, 'of 1', 'y')`);
        await mine.waitFor((r) => ids(rowsOf(r, 'perm_note_stream')).includes(base + 2), 'its new note');
        db.write(`UPDATE perm_note SET owner_id = ${ME} WHERE id = ${base + 1}`);   // another's row becomes its own
        await mine.waitFor((r) => ids(rowsOf(r, 'perm_note_stream')).includes(base + 1), 'the note given to it');
        db.write(`UPDATE perm_note SET owner_id = ${OTHER}, body = 'given away' WHERE id = ${base + 2}`);  // and away again
        db.write(`INSERT INTO perm_note (id, owner_id, body, secret) VALUES (${base + 3}, ${ME}, 'marker', 'z')`);
        await mine.waitFor((r) => ids(rowsOf(r, 'perm_note_stream')).includes(base + 3), 'the marker after the row left');
        const seen = mine.results.flatMap((r) => rowsOf(r, 'perm_note_stream'));
        for (const row of seen) {
          assert.equal(row.owner_id, ME, `the stream carried another's row: ${JSON.stringify(row)}`);
          assert.ok(!('secret' in row));
        }
        assert.ok(!seen.some((row) => row.body === 'given away'), 'the row that left was not sent after it left');
        db.write(`DELETE FROM perm_note WHERE id > 100`);
        mine.dispose();
      });

      test(`live query and stream (${kind}) × forbidden column, no select rule, wrongly signed token: refused`, async () => {
        for (const [bearer, q, name] of [
          [userToken(ME), 'subscription { perm_note { id secret } }', /secret/],
          [userToken(ME), 'subscription { perm_note_stream(batch_size: 1, cursor: {initial_value: {secret: "a"}}) { id } }', /secret/],
          [strangerToken(), 'subscription { perm_note { id } }', /subscription operation is not supported/],
          [strangerToken(), 'subscription { perm_note_stream(batch_size: 1, cursor: {initial_value: {id: 0}}) { id } }', /subscription operation is not supported/],
          [forgedToken(), 'subscription { perm_note { id } }', /signature|invalid-jwt|4401|4403/i],
        ]) {
          const s = collect(client(kind, bearer), { query: q });
          const e = await s.error();
          // graphql-ws hands a refused connection_init over as the socket's CloseEvent (4403).
          const text = e instanceof Error ? e.message : e && typeof e.code === 'number' ? `${e.code} ${e.reason}` : JSON.stringify(e);
          assert.match(text, name, `${q}: ${text}`);
          assert.equal(s.results.length, 0);
        }
      });
    }

    test('custom resolver × own role: it sees the role and session variables; a role it is not offered to gets a validation error', async () => {
      const r = await post(host, { query: '{ whoami }' }, { headers: { authorization: `Bearer ${userToken(ME)}` } });
      assert.equal(r.status, 200, r.text);
      assert.match(r.json.data.whoami, new RegExp(`^user .*x-rex-user-id=${ME}`));
      const ws = collect(client('ws', userToken(OTHER)), { query: '{ whoami }' });
      assert.match((await ws.waitFor(() => true, 'the answer')).data.whoami, new RegExp(`^user .*x-rex-user-id=${OTHER}`));
      const s = await post(host, { query: '{ whoami }' }, { headers: { authorization: `Bearer ${strangerToken()}` } });
      assert.match(s.json.errors[0].message, /whoami/);
      assert.equal(s.json.data ?? null, null);
    });

    test('introspection × own role, no select rule: the subscription root shows only what the role may use', async () => {
      const q = '{ __schema { subscriptionType { fields { name } } queryType { fields { name } } } c: __type(name: "perm_note_stream_cursor_value_input") { inputFields { name } } }';
      const r = await post(host, { query: q }, { headers: { authorization: `Bearer ${userToken(ME)}` } });
      assert.ok(!r.json.errors, r.text);
      assert.deepEqual(r.json.data.__schema.subscriptionType.fields.map((f) => f.name).sort(), ['perm_note', 'perm_note_by_pk', 'perm_note_stream']);
      assert.deepEqual(r.json.data.__schema.queryType.fields.map((f) => f.name).sort(), ['perm_note', 'perm_note_by_pk', 'whoami']);
      assert.deepEqual(r.json.data.c.inputFields.map((f) => f.name).sort(), ['body', 'id', 'owner_id']);
      const s = await post(host, { query: '{ __schema { subscriptionType { name } queryType { fields { name } } } }' }, { headers: { authorization: `Bearer ${strangerToken()}` } });
      assert.ok(!s.json.errors, s.text);
      assert.equal(s.json.data.__schema.subscriptionType, null);
      assert.deepEqual(s.json.data.__schema.queryType.fields.map((f) => f.name), []);
    });
  });
}

// The plain change stream under role rules (docs/permissions.md, "Change streams"), over real SSE
// (the `eventsource` client) and WebSocket (`ws`, and `graphql-ws` for 4403), on each engine with
// JWTs signed here: rows written with sqlite3 / psql / mariadb and through the host, captured
// (`rex realtime enable`), and what user A's stream carries compared with user B's. The "changes
// (SSE)" and "changes (WebSocket)" rows of permissions.test.mjs's path × attempt table are here:
//
//   path \ attempt      | own rows | others' rows | forbidden column | forged | expired | wrong key | alg none | injection | no rule
//   changes (SSE)       |    ✓     |      ✓       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |     ✓     |    ✓
//   changes (WebSocket) |    ✓     |      ✓       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |     ✓     |    ✓
//   graphql-ws init     |    —     |      —       |        —         |  4403  |  4403   |   4403    |   4403   |     —     |    —
//
// "own rows" and "others' rows" include updates (a row moving out of the role's filter arrives as
// a delete of its old row), deletes and cascaded deletes; "forbidden column" is a column absent
// from every event and refused in `where`; the token attempts are refused with 401 (SSE) or an
// error (WebSocket /changes); "no rule": an entity without a select rule is refused with 403.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { cliBinary, post, startHost } from './lib/host.mjs';

const ADMIN = 'operator-secret-for-the-stream-permission-tests';
const HS_SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const NS = 'https://rex.dev/claims';
const A = 1;
const B = 2;

const b64 = (data) => Buffer.from(data).toString('base64url');
function token({ alg = 'HS256', user = A, exp = 3600, key = HS_SECRET, raw } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iat: now, exp: now + exp, [NS]: { 'x-rex-default-role': 'user', 'x-rex-user-id': String(user) } };
  const input = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${raw ?? b64(createHmac('sha256', key).update(input).digest())}`;
}
const badTokens = {
  forged: () => {
    const t = token({ user: A }).split('.');
    t[1] = b64(JSON.stringify({ ...JSON.parse(Buffer.from(t[1], 'base64url')), [NS]: { 'x-rex-default-role': 'user', 'x-rex-user-id': String(B) } }));
    return t.join('.');
  },
  expired: () => token({ exp: -60 }),
  'wrong key': () => token({ key: 'another-secret-of-at-least-32-bytes-long!' }),
  'alg none': () => token({ alg: 'none', raw: '' }),
};

// The tables on each engine, written with its own client.
const sqlDialect = {
  sqlite: {
    notes: 'CREATE TABLE perm_notes (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, title TEXT NOT NULL, secret TEXT)',
    tags: 'CREATE TABLE perm_tags (id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL REFERENCES perm_notes(id) ON DELETE CASCADE, owner_id INTEGER NOT NULL, tag TEXT NOT NULL)',
  },
  postgres: {
    notes: 'CREATE TABLE perm_notes (id integer PRIMARY KEY, owner_id integer NOT NULL, title text NOT NULL, secret text)',
    tags: 'CREATE TABLE perm_tags (id integer PRIMARY KEY, note_id integer NOT NULL REFERENCES perm_notes(id) ON DELETE CASCADE, owner_id integer NOT NULL, tag text NOT NULL)',
  },
  mysql: {
    notes: 'CREATE TABLE perm_notes (id INT PRIMARY KEY, owner_id INT NOT NULL, title VARCHAR(200) NOT NULL, secret VARCHAR(200)) ENGINE=InnoDB',
    tags: 'CREATE TABLE perm_tags (id INT PRIMARY KEY, note_id INT NOT NULL, owner_id INT NOT NULL, tag VARCHAR(200) NOT NULL, FOREIGN KEY (note_id) REFERENCES perm_notes(id) ON DELETE CASCADE) ENGINE=InnoDB',
  },
};

function engines() {
  const out = [];
  const file = join(mkdtempSync(join(tmpdir(), 'rex-perm-streams-')), 'streams.db');
  // PRAGMA foreign_keys: the sqlite3 client enforces (and cascades) foreign keys only when asked.
  out.push({ engine: 'sqlite', url: `sqlite:${file}`, write: (sql) => execFileSync('sqlite3', [file, `PRAGMA foreign_keys=ON; ${sql}`], { encoding: 'utf8' }) });
  for (const [engine, variable] of [['postgres', 'REX_TEST_POSTGRES_URL'], ['mysql', 'REX_TEST_MYSQL_URL']]) {
    const url = process.env[variable];
    if (!url) {
      if (process.env.REX_REQUIRE_SERVERS === '1') throw new Error(`${variable} is not set but REX_REQUIRE_SERVERS=1`);
      out.push({ engine, skip: `${engine} skipped: ${variable} is not set (tools/test-servers.sh)` });
      continue;
    }
    const u = new URL(url);
    const write = engine === 'postgres'
      ? (sql) => execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' })
      : (sql) => execFileSync('mariadb', ['-h', u.hostname, '-P', u.port, '-u', decodeURIComponent(u.username), `-p${decodeURIComponent(u.password)}`, u.pathname.slice(1), '-e', sql], { encoding: 'utf8' });
    out.push({ engine, url, write });
  }
  return out;
}

// user: its own notes (without `secret`) and tags; relational: tags through their note (a filter
// the stream refuses); nobody: no rule at all.
const permissions = {
  user: {
    perm_notes: { select: { columns: ['id', 'owner_id', 'title'], filter: { owner_id: { _eq: 'x-rex-user-id' } } } },
    perm_tags: { select: { columns: '*', filter: { owner_id: { _eq: 'x-rex-user-id' } } } },
  },
  relational: { perm_tags: { select: { columns: '*', filter: { note: { owner_id: { _eq: 'x-rex-user-id' } } } } } },
};

async function until(predicate, ms, what) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const changesUrl = (host, params = {}) => `${host.base}/changes?${new URLSearchParams(params)}`;
const wsChanges = (host) => `${host.base.replace(/^http/, 'ws')}/changes`;

// An EventSource with the Authorization header (through its fetch option).
function sse(host, authorization, params = {}) {
  const got = [];
  const source = new EventSource(changesUrl(host, params), {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization } }),
  });
  source.onmessage = (e) => got.push({ raw: e.data, ...JSON.parse(e.data) });
  const opened = new Promise((resolve, reject) => {
    source.onopen = resolve;
    source.onerror = (e) => reject(new Error(`EventSource error ${e.code ?? ''}: ${e.message ?? ''}`));
  });
  return { got, opened, close: () => source.close() };
}

// A /changes socket; the token in the upgrade's headers or in the subscribe's params.
async function socket(host, { headers = {} } = {}) {
  const ws = new WebSocket(wsChanges(host), { headers });
  const inbox = [];
  ws.on('message', (data) => inbox.push({ raw: data.toString(), ...JSON.parse(data.toString()) }));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    inbox,
    subscribe: (message) => ws.send(JSON.stringify({ type: 'subscribe', ...message })),
    async reply(id) {
      await until(() => inbox.some((m) => m.id === id && (m.type === 'subscribed' || m.type === 'error')), 5000, `the answer to subscribe ${id}`);
      return inbox.find((m) => m.id === id && (m.type === 'subscribed' || m.type === 'error'));
    },
    events: (id) => inbox.filter((m) => m.id === id && m.event),
    close: () => ws.close(),
  };
}

// What a stream's events come to: "model event id title-or-tag", in order.
const summary = (events) => events.map((e) => `${e.model} ${e.event} ${e.data.id} ${e.data.title ?? e.data.tag}${e.old ? ` (was ${e.old.title})` : ''}`);

// The writes both users' streams see, with the engine's client and through the host.
async function writeScenario(write, host) {
  write("INSERT INTO perm_notes (id, owner_id, title, secret) VALUES (101, 1, 'A-one', 's-A')");
  write("INSERT INTO perm_notes (id, owner_id, title, secret) VALUES (201, 2, 'B-one', 's-B')");
  write("UPDATE perm_notes SET title = 'A-two' WHERE id = 101");
  write("UPDATE perm_notes SET title = 'B-two' WHERE id = 201");
  write("UPDATE perm_notes SET owner_id = 1, title = 'B-moved-in' WHERE id = 201");  // B's row becomes A's
  write("UPDATE perm_notes SET owner_id = 2, title = 'A-moved-out' WHERE id = 101"); // A's row becomes B's
  write("INSERT INTO perm_notes (id, owner_id, title) VALUES (102, 1, 'A-parent'), (202, 2, 'B-parent')");
  write("INSERT INTO perm_tags (id, note_id, owner_id, tag) VALUES (1002, 102, 1, 'A-tag'), (2002, 202, 2, 'B-tag')");
  write('DELETE FROM perm_notes WHERE id IN (102, 202)');  // the tags go by cascade
  const r = await post(host, { query: 'mutation { a: insert_perm_notes_one(object: {id: 103, owner_id: 1, title: "A-host", secret: "s-A"}) { id } b: insert_perm_notes_one(object: {id: 203, owner_id: 2, title: "B-host", secret: "s-B"}) { id } }' }, { headers: { 'x-rex-admin-secret': ADMIN } });
  assert.equal(r.status, 200, r.text);
  assert.ok(!r.json.errors, r.text);
  write('DELETE FROM perm_notes WHERE id IN (101, 201)');
  write("INSERT INTO perm_notes (id, owner_id, title) VALUES (199, 1, 'A-end'), (299, 2, 'B-end')");
}

const expected = {
  [A]: [
    'perm_notes insert 101 A-one',
    'perm_notes update 101 A-two (was A-one)',
    'perm_notes update 201 B-moved-in',           // entered A's rows: no old row (it was B's)
    'perm_notes delete 101 A-two',                // left A's rows: a delete of what A saw
    'perm_notes insert 102 A-parent',
    'perm_tags insert 1002 A-tag',
    'perm_tags delete 1002 A-tag',                // the cascade
    'perm_notes delete 102 A-parent',
    'perm_notes insert 103 A-host',
    'perm_notes delete 201 B-moved-in',
    'perm_notes insert 199 A-end',
  ],
  [B]: [
    'perm_notes insert 201 B-one',
    'perm_notes update 201 B-two (was B-one)',
    'perm_notes delete 201 B-two',
    'perm_notes update 101 A-moved-out',
    'perm_notes insert 202 B-parent',
    'perm_tags insert 2002 B-tag',
    'perm_tags delete 2002 B-tag',
    'perm_notes delete 202 B-parent',
    'perm_notes insert 203 B-host',
    'perm_notes delete 101 A-moved-out',
    'perm_notes insert 299 B-end',
  ],
};
// Texts of the other user's rows (and the hidden column) that must never reach a user's stream.
const forbidden = { [A]: ['B-one', 'B-two', 'A-moved-out', 'B-parent', 'B-tag', 'B-host', 'B-end', 's-A', 's-B', 'secret'], [B]: ['A-one', 'A-two', 'B-moved-in', 'A-parent', 'A-tag', 'A-host', 'A-end', 's-A', 's-B', 'secret'] };

function checkStream(user, events, label) {
  // The cascade's two deletes may come in either order (the child's trigger runs inside the parent's delete).
  const sorted = (list) => [...list.slice(0, 6), ...list.slice(6, 8).sort(), ...list.slice(8)];
  assert.deepEqual(sorted(summary(events)), sorted(expected[user]), `${label}: user ${user}'s events`);
  for (const e of events) {
    for (const text of forbidden[user]) assert.ok(!e.raw.includes(text), `${label}: user ${user}'s stream carried '${text}': ${e.raw}`);
    if (e.model === 'perm_notes') assert.deepEqual(Object.keys(e.data).sort(), ['id', 'owner_id', 'title'], `${label}: columns of ${e.raw}`);
  }
  for (let i = 1; i < events.length; ++i) assert.ok(events[i].seq > events[i - 1].seq, `${label}: sequence order`);
}

for (const { engine, url, write, skip } of engines()) {
  describe(`change streams under roles on ${engine}`, { skip }, () => {
    let host;
    before(async () => {
      write('DROP TABLE IF EXISTS perm_tags');
      write('DROP TABLE IF EXISTS perm_notes');
      write(sqlDialect[engine].notes);
      write(sqlDialect[engine].tags);
      execFileSync(cliBinary, ['--url', url, 'realtime', 'enable', '--tables', 'perm_notes,perm_tags'], { stdio: ['ignore', 'ignore', 'inherit'] });
      host = await startHost({
        url,
        http: { admin_secret: ADMIN },
        config: { realtime: { capture: true }, auth: { jwt: { secret: HS_SECRET, claims_namespace: NS } }, permissions },
      });
    });
    after(() => host?.stop());
    const clean = () => write('DELETE FROM perm_notes');

    test('changes (SSE) and changes (WebSocket) × own rows and others\' rows: inserts, updates, deletes and cascades', async () => {
      clean();
      const bearer = (user) => `Bearer ${token({ user })}`;
      const sseA = sse(host, bearer(A));
      const sseB = sse(host, bearer(B));
      await Promise.all([sseA.opened, sseB.opened]);
      const wsA = await socket(host, { headers: { authorization: bearer(A) } });  // the upgrade's header
      const wsB = await socket(host);                                               // the subscribe's params
      wsA.subscribe({ id: 'a' });
      wsB.subscribe({ id: 'b', params: { Authorization: bearer(B) } });
      assert.equal((await wsA.reply('a')).type, 'subscribed');
      assert.equal((await wsB.reply('b')).type, 'subscribed');
      await writeScenario(write, host);
      const done = (events, title) => events.some((e) => e.data?.title === title);
      await until(() => done(sseA.got, 'A-end') && done(sseB.got, 'B-end') && done(wsA.events('a'), 'A-end') && done(wsB.events('b'), 'B-end'), 20000, 'the last rows');
      await new Promise((r) => setTimeout(r, 200));  // and nothing after them
      for (const s of [sseA, sseB, wsA, wsB]) s.close();
      checkStream(A, sseA.got, 'SSE');
      checkStream(B, sseB.got, 'SSE');
      checkStream(A, wsA.events('a'), 'WebSocket');
      checkStream(B, wsB.events('b'), 'WebSocket');
    });

    test('changes × forbidden column, no rule, a relation filter and the client\'s where ANDed with the role\'s', async () => {
      clean();
      const authorization = `Bearer ${token({ user: A })}`;
      const refusedSse = async (params, status, pattern, auth = authorization) => {
        const r = await fetch(changesUrl(host, params), { headers: { accept: 'text/event-stream', authorization: auth } });
        const text = await r.text();
        assert.equal(r.status, status, text);
        assert.match(JSON.parse(text).error.message, pattern);
        assert.equal(text.trim().split('\n').length, 1, 'one line');
      };
      await refusedSse({ entity: 'perm_notes', where: JSON.stringify({ secret: { _eq: 's-B' } }) }, 403, /where: secret: the requester's role may not read perm_notes\.secret/);
      const ws = await socket(host, { headers: { authorization } });
      ws.subscribe({ id: 'col', entity: 'perm_notes', where: { secret: { _like: 's%' } } });
      assert.match((await ws.reply('col')).message, /may not read perm_notes\.secret/);
      // No rule, for a role without one.
      const relational = (user) => {
        const now = Math.floor(Date.now() / 1000);
        const input = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify({ exp: now + 600, [NS]: { 'x-rex-default-role': 'relational', 'x-rex-user-id': String(user) } }))}`;
        return `Bearer ${input}.${b64(createHmac('sha256', HS_SECRET).update(input).digest())}`;
      };
      await refusedSse({ entity: 'perm_notes' }, 403, /the role 'relational' may not read perm_notes \(it has no select rule\)/, relational(A));
      // A filter through a relation cannot be checked on an event: refused, never passed.
      await refusedSse({ entity: 'perm_tags' }, 400, /follows a relation, which the change stream cannot check/, relational(A));
      await refusedSse({}, 403, /may read none of the entities/, relational(A));
      // The client's where narrows the role's rows; it never widens them.
      const narrow = sse(host, authorization, { entity: 'perm_notes', where: JSON.stringify({ _or: [{ title: { _like: '%keep%' } }, { owner_id: { _eq: B } }] }) });
      await narrow.opened;
      ws.subscribe({ id: 'narrow', entity: 'perm_notes', where: { _or: [{ title: { _like: '%keep%' } }, { owner_id: { _eq: B } }] } });
      assert.equal((await ws.reply('narrow')).type, 'subscribed');
      write("INSERT INTO perm_notes (id, owner_id, title) VALUES (301, 2, 'B-keep'), (302, 1, 'A-drop'), (303, 1, 'A-keep')");
      await until(() => narrow.got.length >= 1 && ws.events('narrow').length >= 1, 10000, 'the narrowed event');
      await new Promise((r) => setTimeout(r, 300));
      narrow.close();
      ws.close();
      assert.deepEqual(summary(narrow.got), ['perm_notes insert 303 A-keep']);
      assert.deepEqual(summary(ws.events('narrow')), ['perm_notes insert 303 A-keep']);
    });

    test('changes × forged, expired, wrong-key and alg:none tokens, no token, and injection in session variables', async () => {
      const ws = await socket(host);
      for (const [attempt, make] of Object.entries(badTokens)) {
        const r = await fetch(changesUrl(host, { entity: 'perm_notes' }), { headers: { accept: 'text/event-stream', authorization: `Bearer ${make()}` } });
        const text = await r.text();
        assert.equal(r.status, 401, `SSE × ${attempt}: ${text}`);
        assert.match(JSON.parse(text).error.message, /^identity refused: /, `SSE × ${attempt}`);
        ws.subscribe({ id: attempt, entity: 'perm_notes', params: { Authorization: `Bearer ${make()}` } });
        const reply = await ws.reply(attempt);
        assert.equal(reply.type, 'error', `WebSocket × ${attempt}: ${reply.raw}`);
        assert.match(reply.message, /^identity refused: /, `WebSocket × ${attempt}`);
        // The upgrade's header too.
        const viaHeader = await socket(host, { headers: { authorization: `Bearer ${make()}` } });
        viaHeader.subscribe({ id: 'h' });
        assert.equal((await viaHeader.reply('h')).type, 'error', `WebSocket header × ${attempt}`);
        viaHeader.close();
      }
      const none = await fetch(changesUrl(host), { headers: { accept: 'text/event-stream' } });
      assert.equal(none.status, 401);
      assert.match((await none.json()).error.message, /authentication required/);
      // Session variables stay values: text for an integer column is refused, never spliced.
      const injected = `Bearer ${token({ user: '1 OR 1=1' })}`;
      const r = await fetch(changesUrl(host, { entity: 'perm_notes' }), { headers: { accept: 'text/event-stream', authorization: injected } });
      assert.equal(r.status, 403, await r.clone().text());
      assert.match((await r.json()).error.message, /does not fit this requester's session variables/);
      ws.subscribe({ id: 'inj', entity: 'perm_notes', params: { Authorization: injected } });
      assert.match((await ws.reply('inj')).message, /does not fit this requester's session variables/);
      ws.close();
    });

    test('graphql-transport-ws × bad tokens: 4403 Forbidden; the legacy graphql-ws: connection_error', async () => {
      const graphqlWs = `${host.base.replace(/^http/, 'ws')}/graphql`;
      for (const [attempt, make] of Object.entries(badTokens)) {
        const closed = await new Promise((resolve) => {
          let client;
          const timer = setTimeout(() => {
            client.dispose();
            resolve({ code: 'none within 5 s', reason: '' });
          }, 5000);
          client = createClient({
            url: graphqlWs,
            webSocketImpl: WebSocket,
            retryAttempts: 0,
            lazy: false,
            connectionParams: { Authorization: `Bearer ${make()}` },
            on: { closed: (e) => { clearTimeout(timer); resolve(e); } },
            onNonLazyError: () => {},
          });
        });
        assert.equal(closed.code, 4403, `graphql-ws × ${attempt}: ${closed.code} ${closed.reason}`);
        assert.match(closed.reason, /^Forbidden: /);
      }
      // A good token is acknowledged.
      const ok = await new Promise((resolve) => {
        const client = createClient({ url: graphqlWs, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { Authorization: `Bearer ${token()}` },
          on: { connected: () => { resolve('connected'); client.dispose(); }, closed: (e) => resolve(`closed ${e.code}`) }, onNonLazyError: () => {} });
      });
      assert.equal(ok, 'connected');
      // The legacy subprotocol answers connection_error.
      const legacy = new WebSocket(graphqlWs, 'graphql-ws');
      const messages = [];
      legacy.on('message', (d) => messages.push(JSON.parse(d.toString())));
      const legacyClosed = new Promise((resolve) => legacy.on('close', (code) => resolve(code)));
      await new Promise((resolve, reject) => { legacy.once('open', resolve); legacy.once('error', reject); });
      legacy.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${badTokens.expired()}` } }));
      await until(() => messages.length > 0, 5000, 'connection_error');
      assert.equal(messages[0].type, 'connection_error');
      assert.match(messages[0].payload.message, /^Forbidden: .*expired/);
      assert.equal(await legacyClosed, 1011);  // as subscriptions-transport-ws's server closes
    });
  });
}

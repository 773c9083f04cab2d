// The real clients against live hosts on each engine: graphql-ws (queries, mutations,
// subscriptions, complete, reconnect and resume, close codes), subscriptions-transport-ws, and the
// plain change stream on /changes — with the changes written by sqlite3 / psql / mariadb while
// subscribed. Parts the host does not offer yet (GraphQL operations over sockets, the change
// stream, capture) are skipped with the reason.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import pkg from 'subscriptions-transport-ws';
import WebSocket from 'ws';
import { engines } from './engines.mjs';
import { rawSocket, startHost, within, wsUrl } from './lib.mjs';

const { SubscriptionClient } = pkg;

// What the host offers over sockets: {operations, changeStreams} (booleans).
async function offers(host) {
  const g = await rawSocket(wsUrl(host, '/graphql'), 'graphql-transport-ws');
  g.send({ type: 'connection_init' });
  await g.next();
  g.send({ id: 'probe', type: 'subscribe', payload: { query: '{ __typename }' } });
  const answer = await g.next();
  g.close();
  const c = await rawSocket(wsUrl(host, '/changes'));
  c.send({ type: 'subscribe', id: 'probe' });
  const subscribed = await c.next();
  c.close();
  return {
    operations: !(answer.type === 'error' && /serves no GraphQL executor/.test(answer.payload[0].message)),
    changeStreams: !(subscribed.type === 'error' && /offers no change stream/.test(subscribed.message)),
  };
}

async function startCaptureHost(url, settings = {}) {
  try {
    return await startHost({ url, config: { realtime: { capture: true }, settings: { websocket: settings } } });
  } catch (e) {
    if (/realtime/.test(e.message)) return { unsupported: `this rex-host does not run change capture yet (${e.message.split('\n').find((l) => /realtime/.test(l))})` };
    throw e;
  }
}

// Collects a graphql-ws subscription's results; `waitFor(pred)` resolves with the first that matches.
function collect(client, payload) {
  const results = [];
  const waiters = [];
  let error;
  const dispose = client.subscribe(payload, {
    next: (r) => {
      results.push(r);
      for (const w of [...waiters]) if (w.pred(r)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(r);
    },
    error: (e) => {
      error = e;
    },
    complete: () => {},
  });
  return {
    results,
    dispose,
    error: () => error,
    waitFor(pred, ms = 10000, what = 'a matching result') {
      const hit = results.find(pred);
      if (hit) return Promise.resolve(hit);
      return within(ms, new Promise((resolve) => waiters.push({ pred, resolve })), what);
    },
  };
}

for (const { engine, skip, setup } of engines()) {
  describe(`${engine}: changes written by the engine's own client arrive`, { skip }, () => {
    let db;
    let host;
    let offered = {};
    let why;
    before(async () => {
      db = setup();
      host = await startCaptureHost(db.url);
      if (host.unsupported) {
        why = host.unsupported;
        host = undefined;
        return;
      }
      offered = await offers(host);
    });
    after(() => host?.stop());

    test('/changes: inserts, updates and deletes, filtered by op and where', async (t) => {
      if (why || !offered.changeStreams) return t.skip(why ?? 'the host offers no change stream yet');
      const all = await rawSocket(wsUrl(host, '/changes'));
      all.send({ type: 'subscribe', id: 'all' });
      assert.deepEqual(await all.next(), { type: 'subscribed', id: 'all' });
      const deletesOfB = await rawSocket(wsUrl(host, '/changes'));
      deletesOfB.send({ type: 'subscribe', id: 'd', op: 'delete', where: { name: { _eq: 'b' } } });
      assert.deepEqual(await deletesOfB.next(), { type: 'subscribed', id: 'd' });
      db.write("INSERT INTO items (name, n) VALUES ('a', 1)");
      db.write("INSERT INTO items (name, n) VALUES ('b', 2)");
      db.write("UPDATE items SET n = 3 WHERE name = 'a'");
      db.write("DELETE FROM items WHERE name = 'a'");
      db.write("DELETE FROM items WHERE name = 'b'");
      const got = [];
      for (let i = 0; i < 5; ++i) got.push(await all.next(10000));
      assert.deepEqual(got.map((e) => [e.event, e.data.name]), [['insert', 'a'], ['insert', 'b'], ['update', 'a'], ['delete', 'a'], ['delete', 'b']]);
      assert.ok(got.every((e, i) => e.id === 'all' && typeof e.seq === 'number' && (i === 0 || e.seq > got[i - 1].seq)));
      const onlyB = await deletesOfB.next(10000);
      assert.equal(onlyB.event, 'delete');
      assert.equal(onlyB.data.name, 'b');
      // Resume: a new connection after the second event gets the rest, in order, once.
      const resumed = await rawSocket(wsUrl(host, '/changes'));
      resumed.send({ type: 'subscribe', id: 'r', after: got[1].seq });
      assert.deepEqual(await resumed.next(), { type: 'subscribed', id: 'r' });
      const rest = [await resumed.next(), await resumed.next(), await resumed.next()];
      assert.deepEqual(rest.map((e) => e.seq), got.slice(2).map((e) => e.seq));
      for (const s of [all, deletesOfB, resumed]) s.close();
    });

    test('graphql-ws client: query, mutation, subscription with changes from the engine client, complete', async (t) => {
      if (why || !offered.operations) return t.skip(why ?? 'the host runs no GraphQL operations over sockets yet');
      const client = createClient({ url: wsUrl(host, '/graphql'), webSocketImpl: WebSocket, retryAttempts: 0 });
      try {
        const q = collect(client, { query: '{ items { id } }' });
        await q.waitFor((r) => r.data && Array.isArray(r.data.items), 5000, 'the query result');
        const m = collect(client, { query: 'mutation { insert_items_one(object: {name: "via-rex", n: 5}) { name } }' });
        assert.deepEqual((await m.waitFor(() => true, 5000, 'the mutation result')).data, { insert_items_one: { name: 'via-rex' } });
        const s = collect(client, { query: 'subscription { items(where: {n: {_gte: 100}}) { name n } }' });
        await s.waitFor((r) => r.data && Array.isArray(r.data.items), 5000, 'the first subscription result');
        db.write("INSERT INTO items (name, n) VALUES ('from-cli', 100)");
        await s.waitFor((r) => r.data?.items?.some((i) => i.name === 'from-cli'), 10000, 'the row written by the engine client');
        s.dispose();
      } finally {
        await client.dispose();
      }
    });

    test('graphql-ws client: reconnects after the socket drops and resumes with what was written meanwhile', async (t) => {
      if (why || !offered.operations) return t.skip(why ?? 'the host runs no GraphQL operations over sockets yet');
      let socket;
      let connects = 0;
      const client = createClient({
        url: wsUrl(host, '/graphql'),
        webSocketImpl: WebSocket,
        retryAttempts: 5,
        retryWait: () => new Promise((r) => setTimeout(r, 100)),
        shouldRetry: () => true,
        on: { connected: (s) => ((socket = s), ++connects) },
      });
      try {
        const s = collect(client, { query: 'subscription { items(where: {n: {_gte: 200}}) { name } }' });
        await s.waitFor((r) => r.data && Array.isArray(r.data.items), 5000, 'the first result');
        socket.terminate();
        db.write("INSERT INTO items (name, n) VALUES ('while-away', 200)");
        await s.waitFor((r) => r.data?.items?.some((i) => i.name === 'while-away'), 10000, 'the row written while disconnected');
        assert.ok(connects >= 2);
        s.dispose();
      } finally {
        await client.dispose();
      }
    });

    test("a GraphQL mutation's change arrives once: the capture publishes it, the executor does not", async (t) => {
      if (why || !offered.operations || !offered.changeStreams) return t.skip(why ?? 'the host offers no operations or change stream yet');
      const c = await rawSocket(wsUrl(host, '/changes'));
      c.send({ type: 'subscribe', id: 'once', op: 'insert' });
      assert.deepEqual(await c.next(), { type: 'subscribed', id: 'once' });
      const client = createClient({ url: wsUrl(host, '/graphql'), webSocketImpl: WebSocket, retryAttempts: 0 });
      try {
        const m = collect(client, { query: 'mutation { insert_items_one(object: {name: "once", n: 500}) { name } }' });
        await m.waitFor(() => true, 5000, 'the mutation result');
      } finally {
        await client.dispose();
      }
      db.write("INSERT INTO items (name, n) VALUES ('after-once', 501)");
      const first = await c.next(10000);
      const second = await c.next(10000);
      assert.deepEqual([first.data.name, second.data.name], ['once', 'after-once']);
      c.close();
    });

    test('4409 when a running subscription id is used again', async (t) => {
      if (why || !offered.operations) return t.skip(why ?? 'the host runs no GraphQL operations over sockets yet');
      const s = await rawSocket(wsUrl(host, '/graphql'), 'graphql-transport-ws');
      s.send({ type: 'connection_init' });
      await s.next();
      const sub = { id: 'x', type: 'subscribe', payload: { query: 'subscription { items { id } }' } };
      s.send(sub);
      assert.equal((await s.next()).type, 'next');
      s.send(sub);
      const { code, reason } = await s.closed;
      assert.equal(code, 4409);
      assert.equal(reason, 'Subscriber for x already exists');
    });

    test('subscriptions-transport-ws client: query and subscription over the legacy graphql-ws protocol', async (t) => {
      if (why || !offered.operations) return t.skip(why ?? 'the host runs no GraphQL operations over sockets yet');
      const client = new SubscriptionClient(wsUrl(host, '/graphql'), { reconnect: false }, WebSocket);
      try {
        const once = (request) =>
          within(
            5000,
            new Promise((resolve, reject) => {
              const sub = client.request(request).subscribe({ next: (r) => (sub.unsubscribe(), resolve(r)), error: reject });
            }),
            'legacy result',
          );
        assert.ok(Array.isArray((await once({ query: '{ items { id } }' })).data.items));
        const seen = [];
        const arrived = new Promise((resolve, reject) => {
          client.request({ query: 'subscription { items(where: {n: {_gte: 300}}) { name } }' }).subscribe({
            next: (r) => {
              seen.push(r);
              if (r.data?.items?.some((i) => i.name === 'legacy')) resolve();
            },
            error: reject,
          });
        });
        while (!seen.length) await new Promise((r) => setTimeout(r, 20));
        db.write("INSERT INTO items (name, n) VALUES ('legacy', 300)");
        await within(10000, arrived, 'the row over graphql-ws (legacy)');
      } finally {
        client.close();
      }
    });
  });
}

// Without capture the host's own GraphQL mutations are what its subscribers can see: the executor
// publishes the rows they wrote once the request committed.
for (const { engine, skip, setup } of engines()) {
  describe(`${engine}: without capture, GraphQL mutations reach live queries and change streams`, { skip }, () => {
    let db;
    let host;
    before(async () => {
      db = setup();
      host = await startHost({ url: db.url });
    });
    after(() => host?.stop());

    test('insert, update and delete through mutations: the live query follows, /changes gets each row', async () => {
      const changes = await rawSocket(wsUrl(host, '/changes'));
      changes.send({ type: 'subscribe', id: 'm', where: { n: { _gte: 600 } } });
      assert.deepEqual(await changes.next(), { type: 'subscribed', id: 'm' });
      const client = createClient({ url: wsUrl(host, '/graphql'), webSocketImpl: WebSocket, retryAttempts: 0 });
      const mutate = async (query) => (await collect(client, { query }).waitFor(() => true, 5000, 'the mutation result')).data;
      try {
        const live = collect(client, { query: 'subscription { items(where: {n: {_gte: 600}}, order_by: {n: asc}) { name n } }' });
        await live.waitFor((r) => Array.isArray(r.data?.items), 5000, 'the first result');
        await mutate('mutation { insert_items(objects: [{name: "m1", n: 600}, {name: "m2", n: 601}]) { affected_rows } }');
        await live.waitFor((r) => r.data?.items?.length === 2, 10000, 'the inserted rows');
        await mutate('mutation { update_items(where: {name: {_eq: "m1"}}, _set: {n: 602}) { affected_rows } }');
        await live.waitFor((r) => r.data?.items?.map((i) => i.name).join() === 'm2,m1', 10000, 'the updated row');
        await mutate('mutation { delete_items(where: {name: {_eq: "m2"}}) { affected_rows } }');
        await live.waitFor((r) => r.data?.items?.map((i) => i.name).join() === 'm1', 10000, 'the deleted row gone');
        live.dispose();
      } finally {
        await client.dispose();
      }
      const got = [];
      for (let i = 0; i < 4; ++i) got.push(await changes.next(10000));
      assert.deepEqual(
        got.map((e) => [e.event, e.data.name, e.data.n, e.old?.n]),
        [['insert', 'm1', 600, undefined], ['insert', 'm2', 601, undefined], ['update', 'm1', 602, 600], ['delete', 'm2', 601, undefined]],
      );
      assert.ok(got.every((e, i) => i === 0 || e.seq > got[i - 1].seq));
      changes.close();
    });
  });
}

test('settings.websocket.tcp_nodelay: off (Nagle), events still arrive; a value that is not a boolean is refused by name', async (t) => {
  const db = engines()[0].setup();  // sqlite
  const host = await startCaptureHost(db.url, { tcp_nodelay: false });
  if (host.unsupported) return t.skip(host.unsupported);
  try {
    const c = await rawSocket(wsUrl(host, '/changes'));
    c.send({ type: 'subscribe', id: 'n', op: 'insert' });
    assert.deepEqual(await c.next(), { type: 'subscribed', id: 'n' });
    db.write("INSERT INTO items (name, n) VALUES ('nodelay', 1)");
    const e = await c.next(10000);
    assert.deepEqual([e.id, e.event, e.data.name], ['n', 'insert', 'nodelay']);
    c.close();
  } finally {
    await host.stop();
  }
  // The host either refuses to start or starts without the transport; either way one line names the key.
  let stderr;
  try {
    const bad = await startCaptureHost(db.url, { tcp_nodelay: 'yes' });
    await new Promise((r) => setTimeout(r, 200));
    stderr = bad.stderr();
    await bad.stop();
  } catch (e) {
    stderr = e.message;
  }
  assert.match(stderr, /tcp_nodelay.*expected true or false/);
});

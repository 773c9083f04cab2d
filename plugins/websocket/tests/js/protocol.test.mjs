// The protocols on the wire with a raw `ws` socket: handshake, subprotocol choice, ping/pong,
// every close code a violation gives, limits, and the close at host stop. No database writes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rawSocket, sqliteDatabase, startHost, untilConnections, wsUrl } from './lib.mjs';

const settings = { websocket: { connection_init_timeout_ms: 400, max_connections: 8 } };

describe('graphql-transport-ws on /graphql', () => {
  let host;
  before(async () => {
    host = await startHost({ url: sqliteDatabase().url, config: { settings } });
  });
  after(() => host?.stop());

  const open = () => rawSocket(wsUrl(host, '/graphql'), 'graphql-transport-ws');
  const init = async () => {
    const s = await open();
    s.send({ type: 'connection_init', payload: { token: 'x' } });
    assert.deepEqual(await s.next(), { type: 'connection_ack' });
    return s;
  };

  test('the subprotocol is chosen and connection_init is acknowledged; ping gets pong with its payload', async () => {
    const s = await init();
    assert.equal(s.protocol, 'graphql-transport-ws');
    s.send({ type: 'ping', payload: { t: 1 } });
    assert.deepEqual(await s.next(), { type: 'pong', payload: { t: 1 } });
    s.send({ type: 'pong' });  // an unsolicited pong is fine
    s.send({ type: 'ping' });
    assert.deepEqual(await s.next(), { type: 'pong' });
    s.close();
  });

  test('plain HTTP on /graphql still reaches the executor', async () => {
    const r = await fetch(host.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    assert.equal(r.status, 200);
    assert.equal(typeof (await r.json()).data.__typename, 'string');
  });

  test('4408 when connection_init does not come in time', async () => {
    const s = await open();
    const { code, reason } = await s.closed;
    assert.equal(code, 4408);
    assert.match(reason, /initialisation timeout/);
  });

  test('4429 on a second connection_init', async () => {
    const s = await init();
    s.send({ type: 'connection_init' });
    assert.equal((await s.closed).code, 4429);
  });

  test('4401 on subscribe before connection_ack', async () => {
    const s = await open();
    s.send({ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } });
    assert.equal((await s.closed).code, 4401);
  });

  for (const [what, message] of [
    ['text that is not JSON', '{nope'],
    ['a message without type', { id: '1' }],
    ['an unknown type', { type: 'hello' }],
    ['a server-only type', { type: 'next', id: '1', payload: {} }],
    ['subscribe without id', { type: 'subscribe', payload: { query: '{ __typename }' } }],
    ['subscribe without query', { type: 'subscribe', id: '1', payload: {} }],
    ['subscribe with variables that are not an object', { type: 'subscribe', id: '1', payload: { query: '{ a }', variables: [1] } }],
    ['complete with a numeric id', { type: 'complete', id: 7 }],
    ['connection_init with a string payload', { type: 'connection_init', payload: 'x' }],
  ]) {
    test(`4400 on ${what}`, async () => {
      const s = what.startsWith('connection_init') ? await open() : await init();
      s.send(message);
      const { code, reason } = await s.closed;
      assert.equal(code, 4400, reason);
      assert.match(reason, /^Invalid message/);
    });
  }

  test('a query and a mutation-less error over the socket: next then complete, or an error list', async () => {
    const s = await init();
    try {
      s.send({ id: 'q', type: 'subscribe', payload: { query: '{ __typename }' } });
      assert.deepEqual(await s.next(), { id: 'q', type: 'next', payload: { data: { __typename: 'query_root' } } });
      assert.deepEqual(await s.next(), { id: 'q', type: 'complete' });
      s.send({ id: 'bad', type: 'subscribe', payload: { query: '{ no_such_field }' } });
      const refused = await s.next();
      assert.equal(refused.type, 'error');
      assert.equal(refused.id, 'bad');
      assert.ok(Array.isArray(refused.payload) && refused.payload[0].message, JSON.stringify(refused));
      // The id of a finished operation may be used again.
      s.send({ id: 'q', type: 'subscribe', payload: { query: '{ __typename }' } });
      assert.equal((await s.next()).type, 'next');
    } finally {
      s.close();
    }
  });
});

describe('subprotocols and limits', () => {
  let host;
  before(async () => {
    host = await startHost({ url: sqliteDatabase().url, config: { settings: { websocket: { max_connections: 3 } } } });
  });
  after(() => host?.stop());

  test('4406 without a GraphQL subprotocol, or with an unknown one', async () => {
    for (const protocols of [undefined, 'graphql-unknown']) {
      const s = await rawSocket(wsUrl(host, '/graphql'), protocols);
      assert.equal(s.protocol, protocols ?? '');
      const { code, reason } = await s.closed;
      assert.equal(code, 4406);
      assert.equal(reason, 'Subprotocol not acceptable');
    }
    // Refused sockets are let go with the close handshake, not when close_timeout (10 s) cuts them.
    await untilConnections(host, 0, 3000);
  });

  test('the legacy graphql-ws subprotocol: connection_ack then ka; bad messages get error messages', async () => {
    const s = await rawSocket(wsUrl(host, '/graphql'), 'graphql-ws');
    assert.equal(s.protocol, 'graphql-ws');
    s.send({ type: 'start', id: '1', payload: { query: '{ __typename }' } });
    const early = await s.next();
    assert.equal(early.type, 'error');
    assert.match(early.payload.message, /connection_init first/);
    s.send({ type: 'connection_init', payload: {} });
    assert.deepEqual(await s.next(), { type: 'connection_ack' });
    assert.deepEqual(await s.next(), { type: 'ka' });
    s.send({ type: 'bogus', id: '9' });
    assert.deepEqual(await s.next(), { type: 'error', id: '9', payload: { message: 'Invalid message type!' } });
    s.send('not json');
    assert.equal((await s.next()).type, 'error');
    s.send({ type: 'connection_terminate' });
    assert.equal((await s.closed).code, 1000);
  });

  test('graphql-transport-ws is preferred when a client offers both', async () => {
    const s = await rawSocket(wsUrl(host, '/graphql'), ['graphql-ws', 'graphql-transport-ws']);
    assert.equal(s.protocol, 'graphql-transport-ws');
    s.close();
    await s.closed;
  });

  test('beyond max_connections a connection is closed with 1013 and a reason; others go on', async () => {
    await untilConnections(host, 0);  // the earlier tests' sockets would take slots
    const held = [];
    for (let i = 0; i < 3; ++i) held.push(await rawSocket(wsUrl(host, '/changes')));
    const extra = await rawSocket(wsUrl(host, '/changes'));
    const { code, reason } = await extra.closed;
    assert.equal(code, 1013);
    assert.match(reason, /too many connections \(3\)/);
    held[0].send({ type: 'ping' });
    assert.deepEqual(await held[0].next(), { type: 'pong' });
    for (const s of held) s.close();
    await Promise.all(held.map((s) => s.closed));
    // Their slots are free again (the server lets a slot go just after the close handshake).
    let answered = false;
    for (let attempt = 0; attempt < 40 && !answered; ++attempt) {
      const again = await rawSocket(wsUrl(host, '/changes'));
      again.send({ type: 'ping' });
      answered = await again.next(500).then((m) => m.type === 'pong', () => false);
      again.close();
      await again.closed;
      if (!answered) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(answered, 'no slot came free after the others closed');
  });
});

describe('/changes protocol', () => {
  let host;
  before(async () => {
    host = await startHost({ url: sqliteDatabase().url });
  });
  after(() => host?.stop());

  test('a malformed subscribe is refused with one line; protocol violations close with 4400', async () => {
    const s = await rawSocket(wsUrl(host, '/changes'));
    s.send({ type: 'subscribe', id: 'a', entity: 'Item', op: 'upsert' });
    const refused = await s.next();
    assert.equal(refused.type, 'error');
    assert.equal(refused.id, 'a');
    assert.match(refused.message, /op|change stream/);
    s.send({ type: 'subscribe', entity: 'Item' });
    const { code, reason } = await s.closed;
    assert.equal(code, 4400);
    assert.match(reason, /"id" must be a non-empty string/);
  });

  test('a GET /changes without an upgrade stays with the other route of the path (SSE, when loaded)', async () => {
    const controller = new AbortController();
    const r = await fetch(`${host.base}/changes`, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
    assert.notEqual(r.status, 101);
    if (r.status === 200) assert.match(r.headers.get('content-type'), /text\/event-stream/);
    controller.abort();
  });
});

describe('host stop', () => {
  test('open connections are closed with 1001', async () => {
    const host = await startHost({ url: sqliteDatabase().url });
    const s = await rawSocket(wsUrl(host, '/changes'));
    s.send({ type: 'ping' });
    await s.next();
    const stopped = host.stop();
    const { code } = await s.closed;
    await stopped;
    assert.equal(code, 1001);
  });
});

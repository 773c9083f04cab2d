// The transport writes data frames itself (straight from the fan-out thread when nothing is
// pending, else batched from the strand, the rest of a half-written frame first) while Beast
// writes the pongs to the client's pings and its close frames on the same socket. Here large
// events fill the sockets' buffers (partial writes, queueing) while the clients read in bursts and
// keep sending WebSocket pings and protocol pings: every client must still see a valid stream
// (`ws` closes with 1002 on a corrupt frame), every event once and in order, every pong; a
// subscriber that stops reading meanwhile gets the same stream intact once it reads again (the
// cut-off of one that never does is slow.test.mjs's).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { engines } from './engines.mjs';
import { rawSocket, startHost, within, wsUrl } from './lib.mjs';

const sqliteAsync = (file, sql) => promisify(execFile)('sqlite3', ['-cmd', '.timeout 5000', file, sql]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('data frames, pongs and close frames never interleave; order holds per connection under load', async (t) => {
  const db = engines()[0].setup();  // sqlite
  const file = db.url.slice('sqlite:'.length);
  let host;
  try {
    host = await startHost({
      url: db.url,
      config: { realtime: { capture: true }, settings: { websocket: { queue_messages: 4096, queue_bytes: 64 << 20 } } },
    });
  } catch (e) {
    if (/realtime/.test(e.message)) return t.skip('this rex-host does not run change capture yet');
    throw e;
  }
  const timers = [];
  try {
    const clients = [];
    for (let i = 0; i < 6; ++i) {
      const c = await rawSocket(wsUrl(host, '/changes'));
      c.send({ type: 'subscribe', id: 's', op: 'insert' });
      const first = await c.next();
      if (first.type === 'error' && /offers no change stream/.test(first.message)) return t.skip('the host offers no change stream yet');
      assert.deepEqual(first, { type: 'subscribed', id: 's' });
      c.events = [];
      c.pings = 0;
      c.pongs = 0;
      c.jsonPings = 0;
      c.jsonPongs = 0;
      c.errors = [];
      c.socket.on('pong', () => ++c.pongs);
      c.socket.on('error', (e) => c.errors.push(e.message));
      c.socket.on('message', (data) => {
        const m = JSON.parse(data.toString());
        if (m.type === 'pong') ++c.jsonPongs;
        else if (m.seq) c.events.push(m);
      });
      // Pings of both kinds all along; reads paused and resumed in bursts, so the server's
      // socket buffer fills and its frames are written in pieces.
      timers.push(setInterval(() => (c.socket.ping(), ++c.pings), 3));
      timers.push(setInterval(() => (c.send({ type: 'ping' }), ++c.jsonPings), 5));
      if (i % 2 === 0) {
        timers.push(
          setInterval(() => {
            c.socket._socket.pause();
            setTimeout(() => c.socket._socket.resume(), 15);
          }, 40),
        );
      }
      clients.push(c);
    }
    // One subscriber stops reading until the end: its frames wait in the queue and the socket.
    const stuck = await rawSocket(wsUrl(host, '/changes'));
    stuck.send({ type: 'subscribe', id: 's', op: 'insert' });
    assert.deepEqual(await stuck.next(), { type: 'subscribed', id: 's' });
    stuck.socket._socket.pause();

    // 240 rows of 64 KiB in four transactions, small rows between them.
    const rows = 240;
    for (let b = 0; b < 4; ++b) {
      await sqliteAsync(
        file,
        `WITH RECURSIVE k(i) AS (SELECT ${b * 60 + 1} UNION ALL SELECT i + 1 FROM k WHERE i < ${b * 60 + 60}) ` +
          `INSERT INTO items (name, n, body) SELECT 'row' || i, i, CASE WHEN i % 3 = 0 THEN 'small' ELSE hex(randomblob(32768)) END FROM k`,
      );
    }
    for (const c of clients) {
      const all = async () => {
        while (c.events.length < rows) {
          // A corrupt frame makes `ws` fail the connection (1002): no point waiting.
          if (c.errors.length || c.socket.readyState !== 1) throw new Error(`client closed after ${c.events.length} events: ${c.errors.join('; ')}`);
          await sleep(20);
        }
      };
      await within(60000, all(), `all ${rows} events on every client`);
    }
    for (const t of timers) clearInterval(t);
    await sleep(300);  // the last pongs
    for (const [k, c] of clients.entries()) {
      assert.deepEqual(c.errors, [], `client ${k}: a protocol error`);
      assert.equal(c.events.length, rows, `client ${k}: every event once`);
      c.events.forEach((e, i) => {
        assert.equal(e.id, 's');
        assert.equal(e.data.n, i + 1, `client ${k}: event ${i} in order`);
        assert.equal(e.data.body.length, (i + 1) % 3 === 0 ? 5 : 65536);
        if (i) assert.ok(e.seq > c.events[i - 1].seq);
      });
      assert.equal(c.pongs, c.pings, `client ${k}: a pong for every ping`);
      assert.equal(c.jsonPongs, c.jsonPings, `client ${k}: a {"type":"pong"} for every ping message`);
      assert.equal(c.socket.readyState, 1, `client ${k}: still open`);
    }
    // The stuck one: its queue (64 MiB) holds everything here, so it is not cut, and once it reads
    // again it gets the same stream intact.
    stuck.socket._socket.resume();
    const got = [];
    for (;;) {
      const m = await stuck.next(5000).catch(() => null);
      if (!m) break;
      got.push(m);
      if (got.length === rows) break;
    }
    assert.deepEqual(got.map((m) => m.data.n), Array.from({ length: rows }, (_, i) => i + 1));
    for (const c of [...clients, stuck]) c.close();
    await within(5000, Promise.all(clients.map((c) => c.closed)), 'the closes');
  } finally {
    for (const t of timers) clearInterval(t);
    await host.stop();
  }
});

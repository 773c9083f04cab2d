// Backpressure: a subscriber that stops reading is cut off (1013, with the reason) once its write
// queue is full, and resumes from its last sequence number; meanwhile 100 other subscribers keep
// receiving on time. SQLite with capture; rows written with the sqlite3 CLI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { engines } from './engines.mjs';
import { rawSocket, startHost, within, wsUrl } from './lib.mjs';

const now = () => performance.timeOrigin + performance.now();
// The sqlite3 CLI without blocking this process: the subscribers' messages are timed as they come.
const sqliteAsync = (file, sql) => promisify(execFile)('sqlite3', ['-cmd', '.timeout 5000', file, sql]);

test('a slow consumer is cut off while 100 others keep receiving on time', async (t) => {
  const db = engines()[0].setup();  // sqlite
  const file = db.url.slice('sqlite:'.length);
  let host;
  try {
    host = await startHost({ url: db.url, config: { realtime: { capture: true }, settings: { websocket: { queue_messages: 32, close_timeout_ms: 60000 } } } });
  } catch (e) {
    if (/realtime/.test(e.message)) return t.skip('this rex-host does not run change capture yet');
    throw e;
  }
  try {
    const slow = await rawSocket(wsUrl(host, '/changes'));
    slow.send({ type: 'subscribe', id: 'big', where: { n: { _eq: 1 } } });
    const first = await slow.next();
    if (first.type === 'error' && /offers no change stream/.test(first.message)) return t.skip('the host offers no change stream yet');
    assert.deepEqual(first, { type: 'subscribed', id: 'big' });
    const fast = [];
    for (let i = 0; i < 100; ++i) {
      const s = await rawSocket(wsUrl(host, '/changes'));
      s.send({ type: 'subscribe', id: 'small', where: { n: { _eq: 0 } } });
      assert.deepEqual(await s.next(), { type: 'subscribed', id: 'small' });
      s.arrived = new Map();  // row name → when it arrived (rawSocket's queue keeps the events too)
      s.socket.on('message', (data) => {
        const m = JSON.parse(data.toString());
        if (m.data) s.arrived.set(m.data.name, now());
      });
      fast.push(s);
    }
    slow.socket._socket.pause();  // reads nothing more: the server's queue for it fills

    const smallRows = 60;
    const written = [];
    for (let i = 0; i < smallRows; ++i) {
      // A big row (256 KiB; 15 MiB in all, more than the sockets' buffers hold) for the slow one, then a small one for the others.
      await sqliteAsync(file, `INSERT INTO items (name, n, body) VALUES ('big${i}', 1, hex(randomblob(131072)))`);
      written.push(now());  // just before the small row's write
      await sqliteAsync(file, `INSERT INTO items (name, n) VALUES ('small${i}', 0)`);
    }
    // Every fast subscriber gets every small row, in order, soon after it was written.
    let worst = 0;
    for (const s of fast) {
      for (let i = 0; i < smallRows; ++i) {
        const e = await s.next(10000);
        assert.equal(e.data.name, `small${i}`);
        worst = Math.max(worst, s.arrived.get(e.data.name) - written[i]);
      }
    }
    assert.ok(worst < 1000, `a fast subscriber waited ${worst} ms for a row`);

    console.error(`fast subscribers: worst delay ${Math.round(worst)} ms`);
    slow.socket._socket.resume();
    const { code, reason } = await within(20000, slow.closed, 'the slow consumer cut off');
    assert.equal(code, 1013);
    assert.match(reason, /client too slow/);
    // Counted on /metrics as a slow consumer cut off (exactly one: the 100 others kept up).
    const metrics = await (await fetch(`${host.base}/metrics`)).text();
    assert.match(metrics, /^rex_realtime_slow_consumers_total\{transport="websocket"\} 1$/m);
    // It resumes after the last event it got.
    const seen = [];
    for (;;) {
      const e = await slow.next(100).catch(() => null);
      if (!e) break;
      if (e.seq) seen.push(e);
    }
    const last = seen.length ? seen.at(-1).seq : 0;
    console.error(`slow consumer: got ${seen.length} of ${smallRows} big rows before the cut (${reason})`);
    const again = await rawSocket(wsUrl(host, '/changes'));
    again.send({ type: 'subscribe', id: 'big', where: { n: { _eq: 1 } }, after: last });
    assert.deepEqual(await again.next(), { type: 'subscribed', id: 'big' });
    const next = await again.next(10000);
    assert.ok(next.seq > last && next.data.name === `big${seen.length}`, JSON.stringify({ last, seen: seen.length, got: next.data?.name }));
    for (const s of [...fast, again]) s.close();
  } finally {
    await host.stop();
  }
});

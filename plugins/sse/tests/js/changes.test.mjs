// GET /changes with the `eventsource` client and raw fetch: filters (entity, op, where; deletes
// on their old row), Last-Event-ID resume and refetch, sqlite3 writes through the capture pump, one-line refusals, heartbeats, the
// connection limit, a clean end at shutdown, and a slow consumer cut off while 100 other clients
// keep receiving on time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { execFileSync } from 'node:child_process';
import { changesUrl, openRaw, publish, startSseHost } from './lib/sse.mjs';

// Collects the messages of an EventSource; resolves `opened` or rejects on the first error.
function listen(url, init) {
  const source = new EventSource(url, init);
  const got = [];
  const ends = [];
  source.onmessage = (e) => got.push({ id: e.lastEventId, ...JSON.parse(e.data) });
  source.addEventListener('end', (e) => ends.push(JSON.parse(e.data)));
  const opened = new Promise((resolve, reject) => {
    source.onopen = resolve;
    source.onerror = (e) => reject(Object.assign(new Error(`EventSource error: ${e.message ?? ''} (status ${e.code ?? '?'})`), { event: e }));
  });
  return { source, got, ends, opened };
}

async function until(predicate, ms = 5000, what = 'a condition') {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GET /changes', () => {
  let host;
  before(async () => {
    host = await startSseHost({ sse: { heartbeat_ms: 300 } });
  });
  after(() => host?.stop());

  test('EventSource receives the changes of its entity, operations and where, deletes included', async () => {
    const where = JSON.stringify({ ArtistId: { _eq: 1 } });
    const l = listen(changesUrl(host, { entity: 'Album', op: 'insert,delete', where }));
    await l.opened;
    const first = (await publish(host, { count: 6 })) - 5; // ArtistId = row % 3: rows 1 and 4 match
    await publish(host, { kind: 'update', count: 3 }); // not asked for
    await publish(host, { entity: 'Track', count: 2 }); // another entity
    const deletes = await publish(host, { kind: 'delete', count: 3 }); // row 1 matches, on its old row
    await until(() => l.got.length >= 3, 5000, 'three events');
    await new Promise((r) => setTimeout(r, 200)); // and nothing more
    l.source.close();
    assert.deepEqual(
      l.got.map((e) => [e.id, e.event, e.model, e.data.AlbumId, e.seq]),
      [
        [String(first), 'insert', 'Album', 1, first],
        [String(first + 3), 'insert', 'Album', 4, first + 3],
        [String(deletes - 2), 'delete', 'Album', 1, deletes - 2],
      ],
    );
    assert.deepEqual(l.got[0].data, { AlbumId: 1, Title: 'insert 1', ArtistId: 1 });
  });

  test('Last-Event-ID resumes after the last event; lastEventId in the URL too; refetch when it cannot', async () => {
    const last = await publish(host, { count: 5, from: 100 });
    // EventSource sends Last-Event-ID itself when it reconnects; here a fetch wrapper sends it on
    // the first connection, as a client that stored the id would.
    const l = listen(changesUrl(host, { entity: 'Album' }), {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, 'Last-Event-ID': String(last - 2) } }),
    });
    await l.opened;
    await until(() => l.got.length >= 2, 5000, 'the backlog');
    const next = await publish(host, { count: 1, from: 200 });
    await until(() => l.got.length >= 3, 5000, 'a new event');
    l.source.close();
    assert.deepEqual(
      l.got.map((e) => Number(e.id)),
      [last - 1, last, next],
    );

    const raw = await openRaw(changesUrl(host, { entity: 'Album', lastEventId: String(last - 1) }));
    await raw.waitFor(() => raw.events().length >= 2, 5000, 'the backlog after lastEventId');
    raw.close();
    assert.deepEqual(
      raw.events().map((e) => [e.id, e.seq]),
      [
        [String(last), last],
        [String(next), next],
      ],
    );

    // A position the bus no longer holds (it keeps the newest 4096; without capture there is no
    // log to read back): refetch.
    const newest = await publish(host, { count: 4200, from: 1000 });
    const gone = await openRaw(changesUrl(host), { 'Last-Event-ID': String(last) });
    await gone.waitFor(() => gone.ended(), 5000, 'the end of the stream');
    const end = gone.messages.find((m) => m.event === 'end');
    assert.ok(end, 'an end event');
    assert.deepEqual(JSON.parse(end.data), {
      reason: `resume position ${last} is no longer retained (the oldest kept is ${newest - 4095}); refetch and open a new stream`,
      refetch: true,
    });
    assert.equal(gone.events().length, 0);
  });

  test('bad requests are refused with one line, and EventSource does not retry them', async () => {
    const cases = [
      [{ entity: 'Albm' }, /^entity: no entity named 'Albm' \(entities: Album, Track\)$/],
      [{ op: 'upsert' }, /^op: unknown operation 'upsert' \(use insert, update or delete\)$/],
      [{ where: '{"AlbumId":{"_eq":' }, /^where: not valid JSON: /],
      [{ entity: 'Album', where: '{"Nope":{"_eq":1}}' }, /^where: Nope: entity Album has no field 'Nope'/],
      [{ entity: 'Album', where: '{"AlbumId":{"_like":"1%"}}' }, /^where: AlbumId._like: pattern operators apply to text fields/],
      [{ lastEventId: 'x' }, /^lastEventId: expected a sequence number/],
      [{ entities: 'Album' }, /^unknown parameter 'entities' \(known: entity, op, where, lastEventId\)$/],
    ];
    for (const [params, message] of cases) {
      const r = await fetch(changesUrl(host, params), { headers: { accept: 'text/event-stream' } });
      assert.equal(r.status, 400, JSON.stringify(params));
      const body = await r.json();
      assert.match(body.error.message, message);
      assert.ok(!body.error.message.includes('\n'));
    }
    const l = listen(changesUrl(host, { entity: 'Albm' }));
    await assert.rejects(l.opened, /EventSource error/);
    assert.equal(l.source.readyState, EventSource.CLOSED);
  });

  test('an idle stream gets a heartbeat comment', async () => {
    const raw = await openRaw(changesUrl(host, { entity: 'Track' }));
    assert.equal(raw.res.status, 200);
    assert.match(raw.res.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(raw.res.headers.get('cache-control'), 'no-cache');
    await raw.waitFor(() => raw.messages.some((m) => m.comment !== undefined), 2000, 'a heartbeat');
    raw.close();
  });

  test('other methods are refused', async () => {
    const r = await fetch(changesUrl(host), { method: 'POST', body: '{}' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET');
  });
});

describe('GET /changes with the capture pump', () => {
  test('writes by the sqlite3 client arrive, filtered, deletes and old rows included; a reconnect resumes', async () => {
    const host = await startSseHost({ capture: true });
    try {
      const where = JSON.stringify({ ArtistId: { _eq: 1 } });
      const l = listen(changesUrl(host, { entity: 'Album', where }));
      await l.opened;
      const sql = (text) => execFileSync('sqlite3', ['-bail', '-cmd', '.timeout 10000', host.dbFile, text]);
      sql("INSERT INTO Album VALUES (1, 'Rock', 1); INSERT INTO Album VALUES (2, 'Jazz', 2);");
      sql("UPDATE Album SET Title = 'Soul' WHERE AlbumId = 1; UPDATE Album SET Title = 'Blues' WHERE AlbumId = 2;");
      sql('DELETE FROM Album WHERE AlbumId = 2; DELETE FROM Album WHERE AlbumId = 1;');
      await until(() => l.got.length >= 3, 20000, 'three changes');
      await new Promise((r) => setTimeout(r, 300)); // and none of album 2
      l.source.close();
      assert.deepEqual(
        l.got.map(({ event, data, old }) => ({ event, data, old })),
        [
          { event: 'insert', data: { AlbumId: 1, Title: 'Rock', ArtistId: 1 }, old: undefined },
          { event: 'update', data: { AlbumId: 1, Title: 'Soul', ArtistId: 1 }, old: { AlbumId: 1, Title: 'Rock', ArtistId: 1 } },
          { event: 'delete', data: { AlbumId: 1, Title: 'Soul', ArtistId: 1 }, old: undefined },
        ],
      );
      for (const e of l.got) assert.equal(e.id, String(e.seq));
      // A client that saw the insert resumes after it and gets the rest.
      const resumed = await openRaw(changesUrl(host, { entity: 'Album', where }), { 'Last-Event-ID': l.got[0].id });
      await resumed.waitFor(() => resumed.events().length >= 2, 10000, 'the resumed changes');
      resumed.close();
      assert.deepEqual(
        resumed.events().map((e) => e.seq),
        [l.got[1].seq, l.got[2].seq],
      );
    } finally {
      await host.stop();
    }
  });
});

describe('limits and shutdown', () => {
  test('the connection limit answers 503', async () => {
    const host = await startSseHost({ sse: { max_connections: 2 } });
    try {
      const a = await openRaw(changesUrl(host));
      const b = await openRaw(changesUrl(host));
      const c = await fetch(changesUrl(host));
      assert.equal(c.status, 503);
      assert.match((await c.json()).error.message, /at most 2 at once/);
      a.close();
      await a.waitFor(() => a.ended());
      // A closed stream frees its place.
      let d;
      for (let i = 0; i < 50; ++i) {
        d = await fetch(changesUrl(host));
        if (d.status === 200) break;
        await d.text();
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(d.status, 200);
      await d.body.cancel();
      b.close();
    } finally {
      await host.stop();
    }
  });

  test('stopping the host ends every stream with a reason', async () => {
    const host = await startSseHost();
    const streams = await Promise.all([openRaw(changesUrl(host)), openRaw(changesUrl(host, { entity: 'Album' }))]);
    // retry: sent: the stream runs (one still being opened at the stop is only closed)
    for (const s of streams) await s.waitFor(() => s.messages.length >= 1);
    const result = await host.stop();
    assert.equal(result.code, 0);
    for (const s of streams) {
      await s.waitFor(() => s.ended(), 5000, 'the end of the stream');
      const end = s.messages.find((m) => m.event === 'end');
      assert.deepEqual(JSON.parse(end.data), { reason: 'the server is shutting down', refetch: false });
    }
  });

  test('stopping the host while a write waits for its client: the queued events, then the end', async () => {
    const host = await startSseHost({ sse: { queue_bytes: 64 << 20 } });
    // A client that reads nothing yet: 20 MB of Track rows fill the sockets' buffers and leave a
    // write waiting, the rest queued, when the host is told to stop.
    const slow = net.connect(Number(new URL(host.base).port), '127.0.0.1');
    await new Promise((r) => slow.once('connect', r));
    slow.pause();
    slow.write('GET /changes?entity=Track HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n');
    await new Promise((r) => setTimeout(r, 200));
    await publish(host, { entity: 'Track', count: 200, from: 1, titleBytes: 100000 });
    await new Promise((r) => setTimeout(r, 200));
    let text = '';
    slow.setEncoding('utf8');
    slow.on('data', (chunk) => {
      text += chunk;
    });
    const stopped = host.stop();
    await new Promise((r) => setTimeout(r, 300));
    slow.resume();
    await new Promise((resolve, reject) => {
      slow.once('end', resolve);
      slow.once('error', reject);
      setTimeout(() => reject(new Error(`the stream did not end; got ${text.length} bytes`)), 10000);
    });
    assert.equal((await stopped).code, 0);
    assert.equal([...text.matchAll(/^id: (\d+)$/gm)].length, 200, 'every queued event');
    assert.match(text, /\n\nevent: end\ndata: \{"reason":"the server is shutting down","refetch":false\}\n\n$/);
    slow.destroy();
  });

  test('a slow consumer is cut off while 100 other clients keep receiving on time', async () => {
    const host = await startSseHost({ sse: { queue_events: 64 } });
    const fast = [];
    try {
      for (let i = 0; i < 100; ++i) fast.push(listen(changesUrl(host, { entity: 'Album' })));
      await Promise.all(fast.map((l) => l.opened));
      // The slow client asks for big Track rows and never reads.
      const slow = net.connect(Number(new URL(host.base).port), '127.0.0.1');
      await new Promise((r) => slow.once('connect', r));
      slow.pause();
      slow.write('GET /changes?entity=Track HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n');
      await new Promise((r) => setTimeout(r, 200));

      const rounds = 30;
      const latencies = [];
      for (let round = 0; round < rounds; ++round) {
        await publish(host, { entity: 'Track', count: 100, from: round * 100 + 1, titleBytes: 8000 }); // 800 kB for the slow one
        const sent = Date.now();
        const seq = await publish(host, { entity: 'Album', from: round + 1 });
        await until(() => fast.every((l) => l.got.some((e) => e.seq === seq)), 10000, `round ${round} at every fast client`);
        latencies.push(Date.now() - sent);
      }
      for (const l of fast) assert.equal(l.got.length, rounds);
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1];
      console.log(`fast clients: all ${rounds} events at all 100; latency p50 ${latencies[latencies.length >> 1]} ms, max ${p99} ms`);
      assert.ok(p99 < 2000, `the fast clients waited ${p99} ms`);

      // The slow client now reads what was sent before it was cut off: it ends with the reason.
      let text = '';
      slow.setEncoding('utf8');
      slow.on('data', (chunk) => {
        text += chunk;
      });
      slow.resume();
      await new Promise((resolve, reject) => {
        slow.once('end', resolve);
        slow.once('error', reject);
        setTimeout(() => reject(new Error(`the slow stream did not end; got ${text.length} bytes`)), 20000);
      });
      const ids = [...text.matchAll(/^id: (\d+)$/gm)].length;
      assert.match(text, /event: end\ndata: \{"reason":"the client fell behind \(more than 64 events or \d+ bytes waited for it\); reconnect with Last-Event-ID to resume","refetch":false\}\n\n$/);
      assert.ok(ids < rounds * 100, `the slow client got ${ids} of ${rounds * 100} events before it was cut off`);
      slow.destroy();
    } finally {
      for (const l of fast) l.source.close();
      await host.stop();
    }
  });

  test('memory per idle stream', async () => {
    const host = await startSseHost();
    const sockets = [];
    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${host.pid}/status`, 'utf8'))[1]) * 1024;
    try {
      const port = Number(new URL(host.base).port);
      const open = async (n) => {
        const batch = [];
        for (let i = 0; i < n; ++i) {
          batch.push(
            new Promise((resolve, reject) => {
              const s = net.connect(port, '127.0.0.1', () => s.write('GET /changes HTTP/1.1\r\nHost: test\r\n\r\n'));
              s.once('data', () => resolve(s));
              s.once('error', reject);
              sockets.push(s);
            }),
          );
        }
        await Promise.all(batch);
      };
      await open(100); // warm up: threads, buffers
      const before = rss();
      await open(1000);
      await new Promise((r) => setTimeout(r, 200));
      const perStream = (rss() - before) / 1000;
      console.log(`memory per idle stream: ${Math.round(perStream)} bytes (rex-host RSS growth over 1000 streams)`);
      assert.ok(perStream < 64 * 1024, `${perStream} bytes per idle stream`);
    } finally {
      for (const s of sockets) s.destroy();
      await host.stop();
    }
  });
});


// Scale-out and its faults (issue 19, items 4 and 6): three rex-host processes on one PostgreSQL
// with realtime.capture and the websocket and sse plugins. Every host has three subscribers —
// SSE GET /changes (eventsource), the plain WebSocket /changes (ws) and a graphql-ws stream
// subscription — while writes go through host A's GraphQL mutations and through psql.
//  1. Every subscriber on every host receives every change, in the same order with the same
//     sequence numbers.
//  2. Host C is killed (SIGKILL) while it streams and the writes go on; its clients reconnect to
//     the other hosts and resume (SSE Last-Event-ID, /changes `after`, the stream's
//     after_sequence) — nothing lost, nothing doubled.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { EventSource } from 'eventsource';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { cliBinary, post, startHost } from '../e2e/lib/host.mjs';

const url = process.env.REX_TEST_POSTGRES_URL;
if (!url && process.env.REX_REQUIRE_SERVERS === '1') throw new Error('REX_TEST_POSTGRES_URL is not set but REX_REQUIRE_SERVERS=1');
const skip = url ? false : 'PostgreSQL skipped: REX_TEST_POSTGRES_URL is not set (tools/test-servers.sh start)';

const table = 'scale_items';
const seeds = 20;  // rows updated and deleted by psql; the stream's `where` leaves them out
const psql = (sql) => execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
const psqlAsync = (sql) =>
  new Promise((resolve, reject) => {
    const child = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql: ${err}`))));
  });

const until = async (predicate, ms, what) => {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
};

// A "balancer" for the clients: the hosts still alive, the next one each time.
const hosts = [];
let turn = 0;
const alive = () => hosts.filter((h) => !h.killed);
const pick = (not) => {
  const candidates = alive().filter((h) => h !== not);
  return candidates[turn++ % candidates.length];
};

// SSE: EventSource reconnects by itself, sending Last-Event-ID; its fetch goes to a live host
// (the one it was on while that lives).
function sseSubscriber(first) {
  const s = { kind: 'sse', host: first, got: [], connects: 0 };
  s.source = new EventSource(`${first.base}/changes?entity=${table}`, {
    fetch: (input, init) => {
      if (s.host.killed) s.host = pick(s.host);
      s.connects++;
      return fetch(`${s.host.base}${new URL(input).pathname}${new URL(input).search}`, init);
    },
  });
  s.source.onmessage = (e) => {
    const change = JSON.parse(e.data);
    s.got.push({ seq: change.seq, event: change.event, id: change.data.id, n: change.data.n, name: change.data.name });
  };
  s.close = () => s.source.close();
  return s;
}

// The plain WebSocket /changes: on a close, the client subscribes on a live host after its last seq.
function wsSubscriber(first) {
  const s = { kind: 'ws', host: first, got: [], connects: 0, closing: false };
  const connect = () => {
    s.connects++;
    const socket = new WebSocket(`${s.host.base.replace(/^http/, 'ws')}/changes`);
    s.socket = socket;
    socket.on('open', () => {
      const last = s.got.at(-1)?.seq;
      socket.send(JSON.stringify({ type: 'subscribe', id: 's', entity: table, ...(last ? { after: last } : {}) }));
    });
    socket.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'subscribed') s.subscribed = true;
      else if (m.seq !== undefined) s.got.push({ seq: m.seq, event: m.event, id: m.data.id, n: m.data.n, name: m.data.name });
      else if (m.type === 'error' || m.type === 'end') s.problem = m;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (s.closing) return;
      if (s.host.killed) s.host = pick(s.host);
      setTimeout(connect, 100);
    });
  };
  connect();
  s.close = () => {
    s.closing = true;
    s.socket.close();
  };
  return s;
}

// graphql-ws: the stream of the rows inserted (not the seeds), in the bus's order. A connection
// lost ends the subscription (no automatic retry: it would resend the first cursor); the client
// subscribes again on a live host with after_sequence = the last message's sequence.
function streamSubscriber(first) {
  const s = { kind: 'graphql-ws', host: first, rows: [], sequences: [], connects: 0, closing: false };
  const subscribe = () => {
    s.connects++;
    const last = s.sequences.at(-1);
    const cursor = last ? `{initial_value: {id: 0}, after_sequence: ${last}}` : '{initial_value: {id: 0}, ordering: ASC}';
    s.client = createClient({ url: `${s.host.base.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    s.client.subscribe(
      { query: `subscription { ${table}_stream(batch_size: 50, cursor: ${cursor}, where: {name: {_nlike: "seed%"}}) { id name } }` },
      {
        next: (r) => {
          if (r.errors) {
            s.problem = r.errors;
            return;
          }
          s.started = true;
          for (const row of r.data[`${table}_stream`]) s.rows.push(row.id);
          s.sequences.push(r.extensions?.rex?.sequence);
        },
        error: (e) => {
          if (s.closing) return;
          if (Array.isArray(e)) {
            // A host whose pump is a moment behind the one the client came from refuses a
            // sequence it has not reached yet: ask again shortly.
            if (e.some((x) => /ahead of this server/.test(x.message))) setTimeout(subscribe, 200);
            else s.problem = e;
            return;
          }
          if (s.host.killed) s.host = pick(s.host);
          setTimeout(subscribe, 100);
        },
        complete: () => {},
      },
    );
  };
  subscribe();
  s.close = () => {
    s.closing = true;
    s.client.dispose();
  };
  return s;
}

// Writes in the background: GraphQL mutations on host A, psql inserts, a psql transaction of three
// inserts, psql updates and deletes of the seeds. Counts the row changes committed (`changes`) and
// the rows inserted that are not seeds (`inserted`).
function writer(hostA) {
  const w = { running: true, changes: 0, inserted: 0, errors: [] };
  let k = 0;
  w.done = (async () => {
    while (w.running) {
      k++;
      try {
        switch (k % 4) {
          case 0: {
            const r = await post(hostA, { query: `mutation { insert_${table}_one(object: {name: "gql-${k}", n: ${k}}) { id } }` });
            if (r.status !== 200 || r.json?.errors) throw new Error(r.text);
            w.changes += 1;
            w.inserted += 1;
            break;
          }
          case 1:
            await psqlAsync(`INSERT INTO ${table} (name, n) VALUES ('psql-${k}', ${k})`);
            w.changes += 1;
            w.inserted += 1;
            break;
          case 2:
            await psqlAsync(`BEGIN; INSERT INTO ${table} (name, n) VALUES ('tx-${k}-a', ${k}), ('tx-${k}-b', ${k}); INSERT INTO ${table} (name, n) VALUES ('tx-${k}-c', ${k}); COMMIT`);
            w.changes += 3;
            w.inserted += 3;
            break;
          default: {
            const seed = 1 + ((k >> 2) % seeds);
            if (k % 8 === 3) {
              await psqlAsync(`UPDATE ${table} SET n = n + 1 WHERE name = 'seed-${seed}'`);
              w.changes += 1;
            } else {
              // a delete and a re-insert of the seed, in one transaction
              await psqlAsync(`BEGIN; DELETE FROM ${table} WHERE name = 'seed-${seed}'; INSERT INTO ${table} (name, n) VALUES ('seed-${seed}', 0); COMMIT`);
              w.changes += 2;
            }
          }
        }
      } catch (e) {
        w.errors.push(String(e).slice(0, 300));
      }
    }
  })();
  w.stop = async () => {
    w.running = false;
    await w.done;
  };
  return w;
}

const key = (c) => `${c.seq}:${c.event}:${c.id}:${c.name}:${c.n}`;
// The rows a stream carries: the inserts of rows that are not seeds, in sequence order.
const streamed = (events) => events.filter((e) => e.event === 'insert' && !e.name.startsWith('seed')).map((e) => e.id);

let dir;
before(async () => {
  if (skip) return;
  psql(`SET client_min_messages = warning; DROP TABLE IF EXISTS ${table}`);
  psql(`CREATE TABLE ${table} (id serial PRIMARY KEY, name text NOT NULL, n integer NOT NULL DEFAULT 0)`);
  psql(`INSERT INTO ${table} (name) SELECT 'seed-' || i FROM generate_series(1, ${seeds}) i`);
  execFileSync(cliBinary, ['--url', url, 'realtime', 'enable', '--tables', table], { stdio: ['ignore', 'ignore', 'inherit'] });
  dir = mkdtempSync(join(tmpdir(), 'rex-scale-'));
  for (const name of ['a', 'b', 'c']) {
    const host = await startHost({ url, http: { workers: 4 }, config: { realtime: { capture: true, state_file: join(dir, `${name}.position`) } } });
    hosts.push(Object.assign(host, { name, killed: false }));
  }
});
after(async () => {
  for (const h of hosts) await h.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('three hosts: every subscriber on every host gets every change in the same order; kill -9 of a host loses nothing', { skip }, async () => {
  const [a, b, c] = hosts;
  const subscribers = hosts.flatMap((h) => [sseSubscriber(h), wsSubscriber(h), streamSubscriber(h)]);
  try {
    await until(() => subscribers.every((s) => (s.kind === 'sse' ? s.source.readyState === 1 : s.kind === 'ws' ? s.subscribed : s.started)), 15000, 'every subscriber to start');

    // 1. Writes through host A and psql; every subscriber on every host sees every change.
    let w = writer(a);
    await sleep(3000);
    await w.stop();
    const phase1 = w.changes;
    const reference = () => subscribers[0].got;  // SSE on host A
    await until(() => reference().length >= phase1, 15000, `host A's SSE subscriber to see ${phase1} changes`);
    await until(() => subscribers.every((s) => (s.kind === 'graphql-ws' ? s.rows.length >= w.inserted : s.got.length >= phase1)), 15000, 'every subscriber to catch up');
    assert.deepEqual(w.errors, [], 'every write committed');
    const want = reference().map(key);
    assert.equal(want.length, phase1, 'one event per committed row change');
    for (let i = 1; i < want.length; i++) assert.ok(reference()[i].seq > reference()[i - 1].seq, 'sequence numbers increase');
    for (const s of subscribers.filter((x) => x.kind !== 'graphql-ws')) assert.deepEqual(s.got.map(key), want, `${s.kind} on host ${s.host.name}`);
    const streams = subscribers.filter((s) => s.kind === 'graphql-ws');
    for (const s of streams) assert.deepEqual(s.rows, streamed(reference()), `the stream on host ${s.host.name}: every inserted row once, in sequence order`);
    const inserted1 = streamed(reference()).length;
    console.log(`phase 1: ${phase1} changes (${w.inserted} inserts) reached ${subscribers.length} subscribers on 3 hosts`);

    // 2. Host C killed while it streams, writes going on: its clients move to A and B.
    const connectsBefore = subscribers.map((s) => s.connects);
    w = writer(a);
    await sleep(1000);
    process.kill(c.pid, 'SIGKILL');
    c.killed = true;
    await c.exited;
    await sleep(2500);
    await w.stop();
    const total = phase1 + w.changes;
    const insertedTotal = inserted1 + w.inserted;
    assert.deepEqual(w.errors, [], 'every write committed');
    await until(() => reference().length >= total, 15000, `host A's SSE subscriber to see ${total} changes`);
    await until(
      () => subscribers.every((s) => (s.kind === 'graphql-ws' ? s.rows.length >= insertedTotal : s.got.length >= total)),
      20000,
      `every subscriber to catch up (${subscribers.map((s) => `${s.kind}@${s.host.name}: ${s.kind === 'graphql-ws' ? s.rows.length : s.got.length}`).join(', ')})`,
    );
    await sleep(500);  // anything doubled would arrive now
    const all = reference().map(key);
    assert.equal(all.length, total);
    for (const [i, s] of subscribers.entries()) {
      const moved = i >= 6;
      if (moved) assert.ok(s.connects > connectsBefore[i] && s.host !== c, `${s.kind} from host C reconnected to another host`);
      assert.equal(s.problem, undefined, `${s.kind}: ${JSON.stringify(s.problem)}`);
      if (s.kind === 'graphql-ws') {
        assert.deepEqual(s.rows, streamed(reference()), `the stream ${moved ? 'from host C' : `on host ${s.host.name}`}: every inserted row once, in order`);
      } else {
        assert.deepEqual(s.got.map(key), all, `${s.kind} ${moved ? `from host C (now on ${s.host.name})` : `on host ${s.host.name}`}: nothing lost, nothing doubled`);
      }
    }
    console.log(`phase 2: ${w.changes} more changes; host C's subscribers resumed on ${subscribers.slice(6).map((s) => s.host.name).join(', ')}`);
  } finally {
    for (const s of subscribers) s.close();
  }
});

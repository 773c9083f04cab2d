// The realtime transports' figures on GET /metrics (issue 19): open connections, active
// subscriptions, queued messages, slow consumers cut off and the newest sequence sent, per
// transport, read with Prometheus's own parser (python3-prometheus-client). SQLite with capture;
// a WebSocket and an SSE subscriber on /changes, a row written with the sqlite3 CLI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { engines } from './engines.mjs';
import { rawSocket, startHost, within, wsUrl } from './lib.mjs';

// Debian's interpreter, where python3-prometheus-client is installed (a python3 earlier on PATH may lack it).
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const parser = `
import sys, json
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append({'name': s.name, 'labels': s.labels, 'value': s.value})
print(json.dumps(out))
`;

function havePrometheusParser() {
  try {
    execFileSync(python, ['-c', 'import prometheus_client.parser'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function scrape(host) {
  const text = await (await fetch(`${host.base}/metrics`)).text();
  const samples = JSON.parse(execFileSync(python, ['-c', parser], { input: text, encoding: 'utf8' }));
  return (name, labels = {}) => {
    const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    assert.ok(s, `no sample ${name} ${JSON.stringify(labels)} in\n${text}`);
    return s.value;
  };
}

// Polls until `check(sample)` holds (gauges move when the sockets' handlers have run).
async function eventually(host, check, what) {
  let last;
  for (let i = 0; i < 100; ++i) {
    const sample = await scrape(host);
    try {
      return check(sample);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: ${last?.message}`);
}

test('/metrics: connections, subscriptions, queue depth and the sequence sent move with WebSocket and SSE clients', async (t) => {
  if (!havePrometheusParser()) return t.skip('python3 with prometheus_client is needed (Debian python3-prometheus-client)');
  const db = engines()[0].setup();  // sqlite
  const host = await startHost({ url: db.url, config: { realtime: { capture: true } } });
  try {
    const ws = { transport: 'websocket' }, sse = { transport: 'sse' };
    let m = await scrape(host);
    for (const labels of [ws, sse]) {
      assert.equal(m('rex_realtime_connections', labels), 0);
      assert.equal(m('rex_realtime_subscriptions', labels), 0);
      assert.equal(m('rex_realtime_queued_messages', labels), 0);
      assert.equal(m('rex_realtime_slow_consumers_total', labels), 0);
    }

    const socket = await rawSocket(wsUrl(host, '/changes'));
    socket.send({ type: 'subscribe', id: 'a', entity: 'items' });
    assert.deepEqual(await socket.next(), { type: 'subscribed', id: 'a' });
    const stream = new AbortController();
    const response = await fetch(`${host.base}/changes?entity=items`, { signal: stream.signal, headers: { Accept: 'text/event-stream' } });
    assert.equal(response.status, 200);
    const reader = response.body.getReader();
    await eventually(host, (s) => {
      assert.equal(s('rex_realtime_connections', ws), 1);
      assert.equal(s('rex_realtime_subscriptions', ws), 1);
      assert.equal(s('rex_realtime_connections', sse), 1);
      assert.equal(s('rex_realtime_subscriptions', sse), 1);
    }, 'one subscriber on each transport');

    db.write("INSERT INTO items (name, n) VALUES ('m', 1)");
    const event = await socket.next(10000);
    assert.equal(event.data.name, 'm');
    let text = '';
    await within(10000, (async () => {
      while (!text.includes(`id: ${event.seq}\n`)) text += new TextDecoder().decode((await reader.read()).value);
    })(), 'the SSE event');
    await eventually(host, (s) => {
      // Written to both clients: nothing queued, and no lag behind the change bus.
      assert.equal(s('rex_realtime_sent_sequence', ws), event.seq);
      assert.equal(s('rex_realtime_sent_sequence', sse), event.seq);
      assert.equal(s('rex_changes_last_sequence'), event.seq);
      assert.equal(s('rex_realtime_queued_messages', ws), 0);
      assert.equal(s('rex_realtime_queued_messages', sse), 0);
    }, 'the event sent');

    socket.send({ type: 'unsubscribe', id: 'a' });
    await eventually(host, (s) => {
      assert.equal(s('rex_realtime_subscriptions', ws), 0);
      assert.equal(s('rex_realtime_connections', ws), 1);
    }, 'unsubscribed');
    socket.close();
    await socket.closed;
    stream.abort();
    await eventually(host, (s) => {
      for (const labels of [ws, sse]) {
        assert.equal(s('rex_realtime_connections', labels), 0);
        assert.equal(s('rex_realtime_subscriptions', labels), 0);
      }
    }, 'both clients gone');
  } finally {
    await host.stop();
  }
});

// Helpers of the SSE tests: a host on a fresh SQLite database with rex-sse.so and the publisher
// fixture, a raw event-stream reader (fetch, to see comments, ids and the end of the stream), and
// publishing change events through the fixture.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDir, cliBinary, pluginDir, startHost } from '../../../../../tests/e2e/lib/host.mjs';

export const fixtureDir = join(buildDir, 'test-plugins', 'sse');

// `sql` seeds the database (run by the sqlite3 client); host.dbFile is its path. `capture`: the
// host runs the capture pump (after `rex realtime enable`), so writes by any client arrive.
export async function startSseHost({ sse = {}, config = {}, sql = '', capture = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rex-sse-'));
  const file = join(dir, 'music.db');
  execFileSync('sqlite3', [
    file,
    'CREATE TABLE Album(AlbumId INTEGER PRIMARY KEY, Title TEXT, ArtistId INTEGER NOT NULL);' +
      'CREATE TABLE Track(TrackId INTEGER PRIMARY KEY, Name TEXT);' +
      sql,
  ]);
  const extra = { ...config };
  if (capture) {
    execFileSync(cliBinary, ['--plugin-dir', pluginDir, '--url', `sqlite:${file}`, 'realtime', 'enable']);
    extra.realtime = { capture: true, state_file: join(dir, 'capture.position') };
  }
  const host = await startHost({
    url: `sqlite://${file}`,
    config: { plugins: { paths: [pluginDir, fixtureDir] }, settings: { sse }, ...extra },
  });
  return Object.assign(host, { dbFile: file });
}

// Publishes `count` events of `entity` (rows from, from+1, …; ArtistId = row % 3) to the host's
// change bus; answers the last sequence number.
export async function publish(host, { entity = 'Album', kind = 'insert', from = 1, count = 1, titleBytes = 0 } = {}) {
  const r = await fetch(`${host.base}/test/publish?entity=${entity}&kind=${kind}&from=${from}&count=${count}&title_bytes=${titleBytes}`, {
    method: 'POST',
  });
  if (r.status !== 200) throw new Error(`publish failed: ${r.status} ${await r.text()}`);
  return (await r.json()).last;
}

export function changesUrl(host, params = {}) {
  const q = new URLSearchParams(params).toString();
  return `${host.base}/changes${q ? `?${q}` : ''}`;
}

function parseBlock(block) {
  const m = { data: undefined };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) m.comment = line.slice(1);
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') m.data = m.data === undefined ? value : `${m.data}\n${value}`;
    else m[field] = value;
  }
  return m;
}

// Reads an event stream with fetch: every message (comments included) in order.
export async function openRaw(url, headers = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const messages = [];
  let ended = false;
  let wake = () => {};
  const changed = () => wake();
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    (async () => {
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          for (let i; (i = buffer.indexOf('\n\n')) >= 0; ) {
            messages.push(parseBlock(buffer.slice(0, i)));
            buffer = buffer.slice(i + 2);
          }
          changed();
        }
      } catch {
        // aborted
      }
      ended = true;
      changed();
    })();
  }
  return {
    res,
    messages,
    events: () => messages.filter((m) => m.data !== undefined && !m.event).map((m) => ({ id: m.id, ...JSON.parse(m.data) })),
    ended: () => ended,
    async waitFor(predicate, ms = 5000, what = 'a condition') {
      const deadline = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; messages: ${JSON.stringify(messages).slice(0, 2000)}`);
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => controller.abort(),
  };
}

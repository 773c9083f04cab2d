// Shared by the WebSocket suites: hosts from the e2e helper (the real build/bin/rex-host and
// build/plugins), a SQLite database made with the sqlite3 CLI, and a raw `ws` socket that records
// what it receives.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export { startHost, cliBinary, sourceDir } from '../../../../tests/e2e/lib/host.mjs';

// A fresh SQLite file with one table: items(id, name, n, body).
export function sqliteDatabase() {
  const file = join(mkdtempSync(join(tmpdir(), 'rex-ws-')), 'ws.db');
  sqlite(file, 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0, body TEXT);');
  return { file, url: `sqlite:${file}` };
}

export function sqlite(file, sql) {
  return execFileSync('sqlite3', [file, sql], { encoding: 'utf8' });
}

export const wsUrl = (host, path) => host.base.replace(/^http/, 'ws') + path;

// A raw socket: `next()` waits for the next message (parsed JSON), `closed` resolves with
// {code, reason}.
export async function rawSocket(url, protocols, options = {}) {
  const socket = new WebSocket(url, protocols, options);
  const inbox = [];
  const waiters = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    const w = waiters.shift();
    if (w) w(message);
    else inbox.push(message);
  });
  const closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} instead of an upgrade`)));
  });
  return {
    socket,
    closed,
    protocol: socket.protocol,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next(timeoutMs = 5000) {
      if (inbox.length) return Promise.resolve(inbox.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    },
    close: () => socket.close(),
  };
}

// Rejects when `promise` takes longer than `ms`.
export function within(ms, promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// Resolves once GET /metrics counts `count` open WebSocket connections; rejects after `ms`. The
// host lets a connection's slot go when its close handshake ends, which a busy machine may delay
// past the client's `closed`.
export async function untilConnections(host, count, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await (await fetch(`${host.base}/metrics`)).text();
    const m = /^rex_realtime_connections\{transport="websocket"\} (\S+)$/m.exec(text);
    if (m && Number(m[1]) === count) return;
    if (Date.now() > deadline) throw new Error(`${m ? m[1] : 'no rex_realtime_connections sample'} connections open after ${ms} ms, not ${count}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

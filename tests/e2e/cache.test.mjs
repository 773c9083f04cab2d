// The GraphQL response cache through rex-host on Chinook (SQLite copy): a write through GraphQL is
// never followed by a stale answer, and a write by the sqlite3 shell is served once the host's
// capture pump delivered it (docs/graphql.md#response-cache: a few ms on SQLite, 1 s asserted).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { engines } from './lib/chinook.mjs';
import { cliBinary, query, startHost } from './lib/host.mjs';

const sqlite = engines().find((e) => e.engine === 'sqlite');
const dir = mkdtempSync(join(tmpdir(), 'rex-e2e-cache-'));
const file = join(dir, 'chinook.db');
copyFileSync(sqlite.url.replace(/^sqlite:/, ''), file);
const url = `sqlite:${file}`;
after(() => rmSync(dir, { recursive: true, force: true }));

const settings = { graphql: { naming: 'camel', cache: { max_entries: 100, ttl_ms: 600000 } } };
const nameOf = async (host) => (await query(host, '{ artistByPk(artistId: 1) { name } }')).artistByPk.name;

test('a write through GraphQL is never followed by a stale cached answer', async () => {
  const host = await startHost({ url, config: { settings } });
  try {
    for (let i = 0; i < 20; i++) {
      assert.equal(await nameOf(host), i ? `AC/DC ${i - 1}` : 'AC/DC');
      assert.equal(await nameOf(host), i ? `AC/DC ${i - 1}` : 'AC/DC');  // a hit
      await query(host, `mutation { updateArtistByPk(pkColumns: {artistId: 1}, _set: {name: "AC/DC ${i}"}) { artistId } }`);
    }
    await query(host, 'mutation { updateArtistByPk(pkColumns: {artistId: 1}, _set: {name: "AC/DC"}) { artistId } }');
    assert.equal(await nameOf(host), 'AC/DC');
  } finally {
    await host.stop();
  }
});

test('a write by the sqlite3 shell is served once the capture pump delivered it, and never the old answer after', async (t) => {
  execFileSync(cliBinary, ['--url', url, 'realtime', 'enable', '--tables', 'Artist'], { stdio: ['ignore', 'ignore', 'inherit'] });
  let host;
  try {
    host = await startHost({ url, config: { settings, realtime: { capture: true } } });
  } catch (e) {
    if (/realtime/.test(e.message) && /unknown key/.test(e.message)) return t.skip('this rex-host has no realtime.capture yet');
    throw e;
  }
  try {
    for (let round = 0; round < 5; round++) {
      const before = await nameOf(host);
      assert.equal(await nameOf(host), before);  // cached
      const name = `shell ${round}`;
      const written = performance.now();
      execFileSync('sqlite3', [file, `UPDATE Artist SET Name = '${name}' WHERE ArtistId = 1`]);
      let delay;
      for (;;) {
        if ((await nameOf(host)) === name) { delay = performance.now() - written; break; }
        assert.ok(performance.now() - written < 1000, `still the old answer ${Math.round(performance.now() - written)} ms after the write`);
        await new Promise((r) => setTimeout(r, 2));
      }
      t.diagnostic(`round ${round}: the new answer after ${delay.toFixed(1)} ms`);
      for (let i = 0; i < 10; i++) assert.equal(await nameOf(host), name);
    }
  } finally {
    execFileSync('sqlite3', [file, "UPDATE Artist SET Name = 'AC/DC' WHERE ArtistId = 1"]);
    await host.stop();
  }
});

// A full disk under a SQLite database (issue 19, item 6): writes through GraphQL fail with a clean
// GraphQL error, reads go on, every committed row is still there, the file passes
// PRAGMA integrity_check, and writes succeed again once space is freed. The disk is a 384 KiB
// tmpfs, so the test needs the right to mount (root in a container that allows it); else skipped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { post, query, startHost } from './lib/host.mjs';

const dir = mkdtempSync(join(tmpdir(), 'rex-e2e-disk-'));
let mounted = false;
let skip = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=384k', 'tmpfs', dir], { stdio: 'pipe' });
  mounted = true;
} catch (e) {
  skip = `skipped: cannot mount a small tmpfs here (${String(e.stderr || e.message).trim().split('\n')[0]})`;
}
if (!skip) {
  try {
    execFileSync('sqlite3', ['-version'], { stdio: 'pipe' });
  } catch {
    skip = 'skipped: the sqlite3 command is not installed';
  }
}

const sql = (file, text) => execFileSync('sqlite3', [file, text], { encoding: 'utf8' }).trim();

test('SQLite on a full disk: clean errors, no lost commit, no corruption, writes again after space is freed', { skip }, async () => {
  const file = join(dir, 'full.db');
  sql(file, 'PRAGMA journal_mode = WAL; CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL);');
  // Most of the disk taken by something else, so a few dozen rows fill the rest.
  const filler = join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(200 * 1024));
  const host = await startHost({ url: `sqlite:${file}` });
  try {
    const body = 'x'.repeat(3000);
    let committed = 0;
    let failure;
    for (let id = 1; id <= 400 && !failure; ++id) {
      const r = await post(host, { query: `mutation ($id: bigint!, $b: String!) { insert_note_one(object: {id: $id, body: $b}) { id } }`, variables: { id, b: body } });
      assert.equal(r.status, 200, r.text);
      if (r.json.errors) failure = r.json;
      else committed = id;
    }
    assert.ok(failure, 'the disk never filled up');
    assert.ok(committed > 5, `only ${committed} rows fitted`);
    assert.equal(failure.data, null);
    assert.equal(failure.errors[0].extensions.code, 'database-error');
    assert.equal(failure.errors[0].message, 'A database error occurred');  // the details go to the log

    // Reads go on and see exactly the committed rows.
    const read = await query(host, '{ note_aggregate { aggregate { count max { id } } } }');
    assert.deepEqual(read.note_aggregate.aggregate, { count: committed, max: { id: committed } });

    // Space comes back: writes succeed again, and the file is whole.
    unlinkSync(filler);
    const again = await query(host, `mutation { insert_note_one(object: {id: 100000, body: "after"}) { id } }`);
    assert.deepEqual(again, { insert_note_one: { id: 100000 } });
    await host.stop();
    assert.equal(sql(file, 'PRAGMA integrity_check;'), 'ok');
    assert.equal(sql(file, 'SELECT count(*) FROM note;'), String(committed + 1));
  } finally {
    await host.stop();
  }
});

test('cleanup', () => {
  if (mounted) execFileSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
});

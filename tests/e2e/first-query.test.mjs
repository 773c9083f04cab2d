// The README's first query: rex-host configured as tools/run.sh does (the demo bookshop migration
// applied on first start, introspected into a snapshot) answers the README's curl request, and a
// second start serves the same from the snapshot.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sourceDir, startHost } from './lib/host.mjs';

// The request as the README shows it, read from there so the two cannot drift apart.
const readme = readFileSync(join(sourceDir, 'README.md'), 'utf8');
const curl = /```sh\n(curl [^`]*?\/graphql[^`]*?)\n```/.exec(readme)?.[1];
const expected = /```json\n(\{"data"[^`]*?)\n```/.exec(readme)?.[1];

const dir = mkdtempSync(join(tmpdir(), 'rex-e2e-demo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = {
  migrations: { path: join(sourceDir, 'apps', 'rex-host', 'demo', 'migrations'), apply_on_start: true },
  catalog: { snapshot: join(dir, 'catalog.json') },
};

test('the README shows a curl request to /graphql and its answer', () => {
  assert.ok(curl, 'no ```sh block with a curl request to /graphql in README.md');
  assert.ok(expected, 'no ```json block with the {"data": ...} answer in README.md');
});

for (const start of ['first start (migration applied, database introspected)', 'second start (from the snapshot)']) {
  test(`the README's curl request answers its data on the ${start}`, async () => {
    const host = await startHost({ url: `sqlite:${join(dir, 'rex.db')}`, config });
    try {
      // The same curl command line, aimed at this host's port.
      const command = curl.replace(/\\\n\s*/g, ' ').replace(/http:\/\/(127\.0\.0\.1|localhost):8080/g, host.base);
      const out = execFileSync('bash', ['-c', command], { encoding: 'utf8' });
      assert.deepEqual(JSON.parse(out), JSON.parse(expected));
    } finally {
      await host.stop();
    }
  });
}

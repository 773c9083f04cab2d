// graphql-js accepts Rex's introspection of Chinook on every engine, and the schema served is the
// one `rex schema export` prints (after sorting both).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildSchema, lexicographicSortSchema, printSchema, validateSchema } from 'graphql';
import { engines } from './lib/chinook.mjs';
import { cliBinary, pluginDir, startHost } from './lib/host.mjs';
import { introspect } from './lib/introspect.mjs';
import { namesOf } from './lib/names.mjs';

const tables = ['Album', 'Artist', 'Customer', 'Employee', 'Genre', 'Invoice', 'InvoiceLine', 'MediaType', 'Playlist', 'PlaylistTrack', 'Track'];

function cli(args) {
  return execFileSync(cliBinary, ['--plugin-dir', pluginDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// The SDL `rex schema export` prints for the catalog rex-host serves: the database introspected
// into a snapshot (`rex schema snapshot`, the config's catalog.snapshot), then exported. When the
// CLI cannot do that, the models of `rex generate models` stand in, and the failure says so.
function exportedSdl(url) {
  const dir = mkdtempSync(join(tmpdir(), 'rex-e2e-export-'));
  const config = join(dir, 'rex.json');
  writeFileSync(config, JSON.stringify({ database: { url }, catalog: { snapshot: 'catalog.json' } }));
  const failures = [];
  const hasChinook = (sdl) => /\btype (Artist|artist)\b/.test(sdl);
  try {
    try {
      cli(['--config', config, 'schema', 'snapshot']);
      const sdl = cli(['--config', config, 'schema', 'export', '--format', 'graphql-sdl']);
      if (hasChinook(sdl)) return { sdl, route: 'rex schema snapshot + export' };
      failures.push('rex schema export after rex schema snapshot printed no Chinook types');
    } catch (e) {
      failures.push(`snapshot + export: ${e.stderr?.trim()}`);
    }
    try {
      cli(['--url', url, 'generate', 'models', '--out', dir, '--name', 'models']);
      const sdl = cli(['--url', url, 'schema', 'export', '--format', 'graphql-sdl', '--models', join(dir, 'models.json')]);
      if (hasChinook(sdl)) return { sdl, route: `rex generate models + export (${failures.join('; ')})` };
      failures.push('rex schema export of the generated models printed no Chinook types');
    } catch (e) {
      failures.push(`generated models + export: ${e.stderr?.trim()}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`rex schema export printed no GraphQL SDL of Chinook:\n${failures.join('\n')}`);
}

const sorted = (schema) => printSchema(lexicographicSortSchema(schema));

for (const { engine, url, skip } of engines()) {
  describe(`schema on ${engine}`, { skip }, () => {
    let host;
    let served;
    before(async () => {
      host = await startHost({ url });
      served = await introspect(host);
    });
    after(async () => {
      await host?.stop();
    });

    test('graphql-js builds and validates the introspected schema', () => {
      assert.deepEqual(validateSchema(served.schema).map((e) => e.message), []);
      assert.ok(served.schema.getQueryType(), 'a query root');
      assert.ok(served.schema.getMutationType(), 'a mutation root');
    });

    test('every Chinook table is served with its list, by-key and aggregate fields', () => {
      const names = namesOf(served.schema);
      for (const table of tables) {
        names.entityType(table);
        names.list(table);
        names.agg(table);
        names.pk(table);
      }
      // Relations both ways, and the many-to-many of playlist_track.
      names.rel('Album', 'Artist');
      names.rel('Artist', 'Album');
      names.rel('Track', 'Album');
      names.rel('Album', 'Track');
      names.rel('Playlist', 'Track');
      names.rel('Track', 'Playlist');
    });

    test('printSchema of the introspection equals rex schema export (order normalised)', () => {
      const { sdl, route } = exportedSdl(url);
      assert.equal(sorted(served.schema), sorted(buildSchema(sdl)), `exported through ${route}`);
    });
  });
}

// graphql-js accepts Rex's introspection of Chinook on every engine, and the schema served is the
// one `rex schema export` prints (after sorting both).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
// into a catalog snapshot by `rex schema snapshot` (what rex-host writes and reads), exported by
// `rex schema export`, directly from the config's catalog.snapshot when the CLI reads it, else
// as a model file (the snapshot is one, plus its header).
function exportedSdl(url) {
  const dir = mkdtempSync(join(tmpdir(), 'rex-e2e-export-'));
  const config = join(dir, 'rex.json');
  writeFileSync(config, JSON.stringify({ database: { url }, catalog: { snapshot: 'catalog.json' } }));
  try {
    cli(['--config', config, 'schema', 'snapshot']);
    try {
      return cli(['--config', config, 'schema', 'export', '--format', 'graphql-sdl']);
    } catch (e) {
      if (!/no model files/.test(e.stderr)) throw e;
    }
    const { rex_catalog_snapshot: _, ...models } = JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8'));
    writeFileSync(join(dir, 'models.json'), JSON.stringify(models));
    return cli(['schema', 'export', '--format', 'graphql-sdl', '--models', join(dir, 'models.json')]);
  } catch (e) {
    throw new Error(`rex schema snapshot / export failed: ${e.stderr ?? e.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
      assert.equal(sorted(served.schema), sorted(buildSchema(exportedSdl(url))));
    });
  });
}

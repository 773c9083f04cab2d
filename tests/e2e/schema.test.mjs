// graphql-js accepts Rex's introspection of Chinook on every engine, and the schema served is the
// one `rex schema export` prints (after sorting both).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

// The SDL `rex schema export` prints for the database: the exporter's format is "graphql-sdl"
// (the issue) or "graphql"; the models come from the database itself when the CLI introspects,
// else from `rex generate models`.
function exportedSdl(url) {
  const failures = [];
  for (const format of ['graphql-sdl', 'graphql']) {
    try {
      return cli(['--url', url, 'schema', 'export', '--format', format]);
    } catch (e) {
      failures.push(`${format}: ${e.stderr?.trim()}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'rex-e2e-models-'));
    try {
      cli(['--url', url, 'generate', 'models', '--out', dir]);
      const models = readdirSync(dir).filter((f) => f.endsWith('.json'));
      return cli(['--url', url, 'schema', 'export', '--format', format, ...models.flatMap((m) => ['--models', join(dir, m)])]);
    } catch (e) {
      failures.push(`${format} with generated models: ${e.stderr?.trim()}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  throw new Error(`rex schema export printed no GraphQL SDL:\n${failures.join('\n')}`);
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
      const exported = buildSchema(exportedSdl(url));
      assert.equal(sorted(served.schema), sorted(exported));
    });
  });
}

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
import { cliBinary, pluginDir, post, startHost } from './lib/host.mjs';
import { introspect } from './lib/introspect.mjs';
import { namesOf } from './lib/names.mjs';

const tables = ['Album', 'Artist', 'Customer', 'Employee', 'Genre', 'Invoice', 'InvoiceLine', 'MediaType', 'Playlist', 'PlaylistTrack', 'Track'];

function cli(args) {
  return execFileSync(cliBinary, ['--plugin-dir', pluginDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// The SDL `rex schema export` prints for the catalog rex-host serves: the database introspected
// into a catalog snapshot by `rex schema snapshot` (what rex-host writes and reads), exported by
// `rex schema export` from the config's catalog.snapshot, with the config's graphql settings.
function exportedSdl(url, settings = undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'rex-e2e-export-'));
  const config = join(dir, 'rex.json');
  writeFileSync(config, JSON.stringify({ database: { url }, catalog: { snapshot: 'catalog.json' }, ...(settings ? { settings } : {}) }));
  try {
    cli(['--config', config, 'schema', 'snapshot']);
    return cli(['--config', config, 'schema', 'export', '--format', 'graphql-sdl']);
  } catch (e) {
    throw new Error(`rex schema snapshot / export failed: ${e.stderr ?? e.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Config SQL queries as root fields (docs/graphql.md, "Custom resolvers"): an entity list and a
// scalar, in each engine's spelling of Chinook.
function customQueries(engine) {
  const q = (name) => (engine === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const [genre, id] = engine === 'postgres' ? ['genre', 'genre_id'] : ['Genre', 'GenreId'];
  return {
    graphql: {
      queries: {
        first_genres: { sql: `SELECT * FROM ${q(genre)} WHERE ${q(id)} <= :max ORDER BY ${q(id)}`, args: { max: 'Int!' }, returns: '[Genre!]!', description: 'genres up to an id' },
        genre_total: { sql: `SELECT count(*) FROM ${q(genre)}`, returns: 'Int!' },
      },
    },
  };
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

for (const { engine, url, skip } of engines()) {
  describe(`custom root fields on ${engine}`, { skip }, () => {
    let host;
    let served;
    const settings = customQueries(engine);
    before(async () => {
      host = await startHost({ url, config: { settings } });
      served = await introspect(host);
    });
    after(async () => {
      await host?.stop();
    });

    test('graphql-js validates the schema with the custom fields, which answer', async () => {
      assert.deepEqual(validateSchema(served.schema).map((e) => e.message), []);
      const fields = served.schema.getQueryType().getFields();
      assert.equal(String(fields.first_genres.type), `[${namesOf(served.schema).entityType('Genre')}!]!`);
      assert.equal(fields.first_genres.description, 'genres up to an id');
      assert.equal(String(fields.genre_total.type), 'Int!');
      const name = namesOf(served.schema).col('Genre', 'Name');
      const r = await post(host, { query: `{ first_genres(max: 2) { ${name} } genre_total }` });
      assert.deepEqual(r.json, { data: { first_genres: [{ [name]: 'Rock' }, { [name]: 'Jazz' }], genre_total: 25 } });
    });

    test('rex schema export prints the same schema, custom fields included', () => {
      assert.equal(sorted(served.schema), sorted(buildSchema(exportedSdl(url, settings))));
    });
  });
}

// Nested queries, filters, ordering and aggregates on the Chinook of every engine: the response
// bytes are the same on SQLite, PostgreSQL and MariaDB. With the default (as-is) names the
// queries alias every field, since the engines spell the tables differently; with the `camel`
// naming (settings.graphql.naming = camel), where every engine gets the same schema, they use the
// schema's own names.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engines } from './lib/chinook.mjs';
import { post, startHost } from './lib/host.mjs';
import { introspect } from './lib/introspect.mjs';
import { namesOf } from './lib/names.mjs';

// Orders are total (ending on a key) and text filters avoid case and accents, where the engines'
// collations differ (MariaDB's utf8mb4_unicode_ci, PostgreSQL's C, SQLite's BINARY).
export const queries = {
  nested: `{ @artists: {{list Artist}}(where: {{{col Artist ArtistId}}: {_lte: 6}}, {{arg order_by}}: [{{{col Artist ArtistId}}: asc}]) {
    @id: {{col Artist ArtistId}} @name: {{col Artist Name}}
    @albums: {{rel Artist Album}}({{arg order_by}}: [{{{col Album AlbumId}}: desc}]) {
      @id: {{col Album AlbumId}} @title: {{col Album Title}}
      @tracks: {{rel Album Track}}({{arg order_by}}: [{{{col Track TrackId}}: asc}], limit: 3, offset: 1) {
        @id: {{col Track TrackId}} @name: {{col Track Name}} @composer: {{col Track Composer}}
        @ms: {{col Track Milliseconds}} @bytes: {{col Track Bytes}} @price: {{col Track UnitPrice}}
        @genre: {{rel Track Genre}} { @name: {{col Genre Name}} }
      }
    }
  } }`,
  filters: `{
    @inList: {{list Track}}(where: {{{col Track TrackId}}: {_in: [5, 1, 3000, 99999]}}, {{arg order_by}}: [{{{col Track TrackId}}: asc}]) { @id: {{col Track TrackId}} }
    @range: {{list Track}}(where: {_and: [{{{col Track Milliseconds}}: {_gt: 1000000}}, {{{col Track Milliseconds}}: {_lte: 1500000}}, {{{col Track GenreId}}: {_nin: [19, 20]}}]}, {{arg order_by}}: [{{{col Track Milliseconds}}: desc}, {{{col Track TrackId}}: asc}], limit: 5) { @id: {{col Track TrackId}} @ms: {{col Track Milliseconds}} }
    @either: {{list Artist}}(where: {_or: [{{{col Artist ArtistId}}: {_eq: 90}}, {{{col Artist Name}}: {_eq: "AC/DC"}}], _not: {{{col Artist ArtistId}}: {_neq: 1}}}) { @id: {{col Artist ArtistId}} @name: {{col Artist Name}} }
    @startsWithA: {{list Artist}}(where: {{{col Artist Name}}: {_like: "A%"}}, {{arg order_by}}: [{{{col Artist ArtistId}}: asc}], limit: 4) { @name: {{col Artist Name}} }
    @noComposer: {{list Track}}(where: {{{col Track Composer}}: {_is_null: true}, {{col Track AlbumId}}: {_lt: 10}}, {{arg order_by}}: [{{{col Track TrackId}}: asc}], limit: 3) { @id: {{col Track TrackId}} @composer: {{col Track Composer}} }
    @throughRelation: {{list Track}}(where: {{{rel Track Album}}: {{{rel Album Artist}}: {{{col Artist Name}}: {_eq: "Aerosmith"}}}}, {{arg order_by}}: [{{{col Track TrackId}}: asc}], limit: 3) { @id: {{col Track TrackId}} @album: {{rel Track Album}} { @title: {{col Album Title}} @artist: {{rel Album Artist}} { @name: {{col Artist Name}} } } }
  }`,
  aggregates: `{
    @tracks: {{agg Track}} { @aggregate: aggregate { @count: count @sum: sum { @ms: {{col Track Milliseconds}} } @min: min { @price: {{col Track UnitPrice}} @ms: {{col Track Milliseconds}} } @max: max { @price: {{col Track UnitPrice}} } } }
    @rockTracks: {{agg Track}}(where: {{{col Track GenreId}}: {_eq: 1}}) { @aggregate: aggregate { @count: count } }
    @artists: {{list Artist}}(where: {{{col Artist ArtistId}}: {_in: [1, 2, 22]}}, {{arg order_by}}: [{{{col Artist ArtistId}}: asc}]) { @name: {{col Artist Name}} @albums: {{relagg Artist Album}}({{arg order_by}}: [{{{col Album AlbumId}}: asc}]) { @aggregate: aggregate { @count: count } @nodes: nodes { @title: {{col Album Title}} } } }
  }`,
  // Floats: an average is a double on every engine; it must print the same digits.
  average: `{ @tracks: {{agg Track}} { @aggregate: aggregate { @avg: avg { @ms: {{col Track Milliseconds}} @price: {{col Track UnitPrice}} } } } }`,
  byKey: `{ @track: {{pk Track}}({{col Track TrackId}}: 2) { @name: {{col Track Name}} @album: {{rel Track Album}} { @title: {{col Album Title}} @artist: {{rel Album Artist}} { @name: {{col Artist Name}} } } @media: {{rel Track MediaType}} { @name: {{col MediaType Name}} } }
    @missing: {{pk Track}}({{col Track TrackId}}: 999999) { @name: {{col Track Name}} } }`,
  manyToMany: `{ @playlist: {{pk Playlist}}({{col Playlist PlaylistId}}: 3) { @name: {{col Playlist Name}} @tracks: {{rel Playlist Track}}({{arg order_by}}: [{{{col Track TrackId}}: asc}], limit: 4) { @id: {{col Track TrackId}} @name: {{col Track Name}} } } }`,
  values: `{ @invoices: {{list Invoice}}(where: {{{col Invoice InvoiceId}}: {_in: [1, 98, 412]}}, {{arg order_by}}: [{{{col Invoice InvoiceId}}: asc}]) { @id: {{col Invoice InvoiceId}} @date: {{col Invoice InvoiceDate}} @total: {{col Invoice Total}} @country: {{col Invoice BillingCountry}} @state: {{col Invoice BillingState}} } }`,
};

const available = engines().filter((e) => !e.skip);
const unaliased = new Set(['nested', 'manyToMany', 'values', 'average']);

// engine -> { host, names } for one naming.
// The hosts are stored before their schemas are asked for, so that `after` stops them all.
async function servers(into, graphql) {
  for (const { engine, url } of available) into[engine] = { host: await startHost({ url, config: graphql ? { settings: { graphql } } : {} }) };
  for (const server of Object.values(into)) server.names = namesOf((await introspect(server.host)).schema);
  return into;
}

async function answer(server, template, options) {
  const text = server.names.render(template, options);
  const r = await post(server.host, { query: text });
  assert.equal(r.status, 200, `HTTP ${r.status}: ${r.text.slice(0, 1000)}`);
  assert.equal(r.json?.errors, undefined, `errors: ${r.text.slice(0, 1000)}\nquery: ${text}`);
  return { text, body: r.text, json: r.json };
}

describe('the same answers on every engine (as-is names, aliased)', { skip: available.length < 2 && 'only one engine available' }, () => {
  const s = {};
  before(async () => {
    await servers(s);
  });
  after(async () => {
    for (const { host } of Object.values(s)) await host.stop();
  });
  for (const [name, template] of Object.entries(queries)) {
    test(name, async () => {
      const answers = {};
      for (const engine of Object.keys(s)) answers[engine] = await answer(s[engine], template);
      const [first, ...rest] = Object.keys(answers);
      for (const engine of rest) {
        assert.deepEqual(answers[engine].json, answers[first].json, `${engine} and ${first} answer different data`);
        assert.equal(answers[engine].body, answers[first].body, `${engine} and ${first} answer different bytes`);
      }
    });
  }
});

describe('known answers on SQLite', () => {
  const s = {};
  before(async () => {
    const { url } = available.find((e) => e.engine === 'sqlite');
    s.host = await startHost({ url });
    s.names = namesOf((await introspect(s.host)).schema);
  });
  after(async () => {
    await s.host?.stop();
  });
  test('artists, their albums and tracks', async () => {
    const { json } = await answer(s, queries.nested);
    const acdc = json.data.artists[0];
    assert.equal(acdc.name, 'AC/DC');
    assert.deepEqual(acdc.albums.map((a) => a.id), [4, 1]);
    assert.deepEqual(acdc.albums[1].tracks.map((t) => t.id), [6, 7, 8]);
    assert.equal(json.data.artists.length, 6);
  });
  test('aggregates', async () => {
    const { json } = await answer(s, queries.aggregates);
    assert.equal(json.data.tracks.aggregate.count, 3503);
    assert.equal(json.data.rockTracks.aggregate.count, 1297);
    assert.equal(json.data.artists[0].albums.aggregate.count, 2);
  });
  test('filters', async () => {
    const { json } = await answer(s, queries.filters);
    assert.deepEqual(json.data.inList.map((t) => t.id), [1, 5, 3000]);
    assert.deepEqual(json.data.either, [{ id: 1, name: 'AC/DC' }]);
    assert.ok(json.data.throughRelation.every((t) => t.album.artist.name === 'Aerosmith'));
  });
});

describe('camel naming: the same schema and byte-identical answers on every engine', { skip: available.length < 2 && 'only one engine available' }, () => {
  const s = {};
  before(async () => {
    await servers(s, { naming: 'camel' });
  });
  after(async () => {
    for (const { host } of Object.values(s)) await host.stop();
  });
  for (const [name, template] of Object.entries(queries)) {
    test(name, async () => {
      const answers = {};
      // The schema's own names where the query asks no field twice (two fields of one name with
      // different arguments need aliases).
      const aliases = !unaliased.has(name);
      for (const engine of Object.keys(s)) answers[engine] = await answer(s[engine], template, { aliases });
      const [first, ...rest] = Object.keys(answers);
      for (const engine of rest) {
        assert.equal(answers[engine].text, answers[first].text, `${engine} and ${first} name things differently`);
        assert.equal(answers[engine].body, answers[first].body, `${engine} and ${first} answer different bytes`);
      }
    });
  }
});

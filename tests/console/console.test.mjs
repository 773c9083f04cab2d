// The console page at / in headless Chromium (Debian's chromium, driven over the DevTools pipe):
// it loads without errors, shows the schema from introspection, runs a query with variables on
// Chinook and shows the answer; with the websocket plugin and change capture, a subscription shows
// a change made with the sqlite3 shell live.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliBinary, pluginDir, startHost } from '../e2e/lib/host.mjs';
import { launch } from './cdp.mjs';

const source = process.env.REX_CHINOOK_SQLITE_URL?.replace(/^sqlite:/, '');
const chromium = process.env.REX_CHROMIUM;
if (!source || !chromium) throw new Error('run through tests/console/run.sh (REX_CHINOOK_SQLITE_URL and REX_CHROMIUM)');

const dir = mkdtempSync(join(tmpdir(), 'rex-console-'));
const file = join(dir, 'chinook.db');
copyFileSync(source, file);  // the subscription case writes to it
const url = `sqlite:${file}`;
let host;
let browser;

before(async () => {
  // Change capture on the copy, so that the host's pump sees what the sqlite3 shell writes.
  execFileSync(cliBinary, ['--url', url, 'realtime', 'enable', '--tables', 'Artist'], { stdio: ['ignore', 'ignore', 'inherit'] });
  host = await startHost({ url, config: { settings: { graphql: { naming: 'camel' } } } });
  browser = await launch(chromium);
});
after(async () => {
  await browser?.close();
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('/ and a browser\'s GET /graphql answer the page; GraphQL clients still get JSON', async () => {
  const page = await fetch(`${host.base}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html; charset=utf-8/);
  assert.match(page.headers.get('content-security-policy'), /connect-src 'self'/);
  const html = await page.text();
  assert.match(html, /<title>Rex console<\/title>/);
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, 'the page loads nothing from the internet');

  const browserGet = await fetch(host.graphqlUrl, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  assert.match(browserGet.headers.get('content-type'), /^text\/html/);
  const client = await fetch(`${host.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'text/html, application/json' } });
  assert.deepEqual(await client.json(), { data: { __typename: 'query_root' } });
  const post = await fetch(`${host.base}/`, { method: 'POST', body: '{}' });
  assert.equal(post.status, 405);
});

test('the page shows the schema and runs a query with variables on Chinook', async () => {
  const page = await browser.open(`${host.base}/`);
  await page.waitFor("document.querySelectorAll('#schema details').length > 10", 'the schema list');
  // Root types first; a type's fields are shown when it is opened.
  assert.equal(await page.evaluate("document.querySelector('#schema details').dataset.name"), 'query_root');
  const fields = await page.evaluate(`(() => {
    const d = document.querySelector('#schema details[data-name="Artist"]');
    d.open = true;
    return new Promise((r) => setTimeout(() => r(d.querySelector('ul')?.textContent ?? ''), 50));
  })()`);
  assert.match(fields, /artistId: bigint!/);  // SQLite INTEGER keys are 64-bit
  assert.match(fields, /albums\(.*\): \[Album!\]!/);
  // The filter hides other types.
  await page.evaluate("document.querySelector('#schema-filter').value = 'genre'; document.querySelector('#schema-filter').dispatchEvent(new Event('input'))");
  assert.equal(await page.evaluate("[...document.querySelectorAll('#schema details')].filter((d) => !d.hidden).every((d) => /genre/i.test(d.dataset.name))"), true);
  // The editor starts with an example built from the schema.
  assert.match(await page.evaluate("document.querySelector('#query').value"), /^query \{\n {2}\w+\(limit: 10\) \{/);

  await page.evaluate(`
    document.querySelector('#query').value = 'query Artist($id: bigint!) { artistByPk(artistId: $id) { name albums(orderBy: {albumId: asc}) { title } } }';
    document.querySelector('#variables').value = '{"id": 1}';
    document.querySelector('#run').click();`);
  const result = JSON.parse(await page.waitFor("document.querySelector('#result').textContent.includes('AC/DC') && document.querySelector('#result').textContent", 'the answer'));
  assert.deepEqual(result, { data: { artistByPk: { name: 'AC/DC', albums: [{ title: 'For Those About To Rock We Salute You' }, { title: 'Let There Be Rock' }] } } });
  assert.match(await page.evaluate("document.querySelector('#status').textContent"), /^HTTP 200 · \d+ ms$/);

  // Bad variables are reported in the page, and nothing is sent.
  await page.evaluate("document.querySelector('#variables').value = '{nope'; document.querySelector('#run').click()");
  assert.match(await page.evaluate("document.querySelector('#status').textContent"), /^Variables: /);
  assert.deepEqual(page.problems, []);
  // GraphQL errors are shown as the server answered them (a 400 with graphql-response+json, which
  // the browser logs as a failed resource).
  await page.evaluate("document.querySelector('#variables').value = ''; document.querySelector('#query').value = '{ artist { nope } }'; document.querySelector('#run').click()");
  await page.waitFor("document.querySelector('#result').textContent.includes('nope')", 'the error');
  assert.match(await page.evaluate("document.querySelector('#result').textContent"), /"errors"/);
  assert.match(await page.evaluate("document.querySelector('#status').textContent"), /^HTTP 400/);
  assert.deepEqual(page.problems.filter((p) => !/status of 400/.test(p)), []);
});

const websocket = existsSync(join(pluginDir, 'rex-websocket.so'));
test('without the websocket plugin a subscription says it cannot connect', async () => {
  const plain = await startHost({ url, config: { plugins: { paths: [pluginDir], load: ['sqlite', 'graphql'] }, settings: { graphql: { naming: 'camel' } } } });
  try {
    const page = await browser.open(`${plain.base}/`);
    await page.evaluate("document.querySelector('#query').value = 'subscription { artist { name } }'; document.querySelector('#run').click()");
    await page.waitFor("document.querySelector('#status').textContent.startsWith('Connection closed (1006')", 'the refusal');
    assert.equal(await page.evaluate("document.querySelector('#stop').disabled"), true);
  } finally {
    await plain.stop();
  }
});

test('a subscription shows a change made with the sqlite3 shell live', { skip: !websocket && 'the websocket plugin is not built yet (rex-websocket.so)' }, async () => {
  const live = await startHost({ url, config: { settings: { graphql: { naming: 'camel' } }, realtime: { capture: true } } });
  try {
    const page = await browser.open(`${live.base}/`);
    await page.waitFor("document.querySelectorAll('#schema details').length > 10", 'the schema list');
    await page.evaluate(`
      document.querySelector('#query').value = 'subscription { artist(where: {artistId: {_eq: 1}}) { name } }';
      document.querySelector('#run').click();`);
    await page.waitFor("document.querySelectorAll('#events li').length >= 1", 'the first result', 15000);
    assert.match(await page.evaluate("document.querySelector('#events').textContent"), /AC\/DC/);
    execFileSync('sqlite3', [file, "UPDATE Artist SET Name = 'AC/DC live' WHERE ArtistId = 1"]);
    await page.waitFor("document.querySelector('#events li pre')?.textContent.includes('AC/DC live')", 'the change', 15000);
    assert.match(await page.evaluate("document.querySelector('#status').textContent"), /^Subscribed: \d+ updates?$/);
    await page.evaluate("document.querySelector('#stop').click()");
    assert.equal(await page.evaluate("document.querySelector('#status').textContent"), 'Stopped');
    assert.deepEqual(page.problems, []);
  } finally {
    execFileSync('sqlite3', [file, "UPDATE Artist SET Name = 'AC/DC' WHERE ArtistId = 1"]);
    await live.stop();
  }
});

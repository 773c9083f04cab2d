// graphql-sse on /graphql/stream with the graphql-sse client: queries and subscriptions in the
// distinct connections mode and the single connection mode. Needs a host whose GraphQL executor
// offers operations (TransportContext::operations()); without one the route answers 404 and the
// tests are skipped with that reason.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-sse';
import { publish, startSseHost } from './lib/sse.mjs';

// Every result of one operation, until it completes.
function run(client, request, { until = () => false } = {}) {
  return new Promise((resolve, reject) => {
    const results = [];
    let dispose = () => {};
    dispose = client.subscribe(request, {
      next: (r) => {
        results.push(r);
        if (until(results)) {
          dispose();
          resolve(results);
        }
      },
      error: reject,
      complete: () => resolve(results),
    });
  });
}

describe('graphql-sse on /graphql/stream', () => {
  let host;
  let skip;
  before(async () => {
    host = await startSseHost({ sql: "INSERT INTO Album VALUES (1, 'For Those About To Rock', 1), (2, 'Balls to the Wall', 2);" });
    const probe = await fetch(`${host.base}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    if (probe.status === 404) skip = `this host's GraphQL executor offers no operations yet: ${(await probe.json()).error.message}`;
    else await probe.body?.cancel();
  });
  after(() => host?.stop());

  for (const singleConnection of [false, true]) {
    const mode = singleConnection ? 'single connection' : 'distinct connections';

    test(`${mode}: a query gives one result, then completes`, async (t) => {
      if (skip) return t.skip(skip);
      const client = createClient({ url: `${host.base}/graphql/stream`, singleConnection, retryAttempts: 0 });
      try {
        const results = await run(client, { query: '{ Album(where: {AlbumId: {_lte: 2}}, order_by: [{AlbumId: asc}]) { AlbumId Title } }' });
        assert.deepEqual(results, [
          {
            data: {
              Album: [
                { AlbumId: 1, Title: 'For Those About To Rock' },
                { AlbumId: 2, Title: 'Balls to the Wall' },
              ],
            },
          },
        ]);
      } finally {
        client.dispose();
      }
    });

    test(`${mode}: an invalid query gives its errors, then completes`, async (t) => {
      if (skip) return t.skip(skip);
      const client = createClient({ url: `${host.base}/graphql/stream`, singleConnection, retryAttempts: 0 });
      try {
        const results = await run(client, { query: '{ Album { Nope } }' });
        assert.equal(results.length, 1);
        assert.ok(results[0].errors?.length, JSON.stringify(results));
        assert.match(results[0].errors[0].message, /Nope/);
      } finally {
        client.dispose();
      }
    });

    test(`${mode}: a subscription gives the current rows, then new ones written by sqlite3`, async (t) => {
      if (skip) return t.skip(skip);
      const client = createClient({ url: `${host.base}/graphql/stream`, singleConnection, retryAttempts: 0 });
      const id = singleConnection ? 11 : 10;
      try {
        const first = new Promise((resolve) => setTimeout(resolve, 500));
        const results = run(client, { query: `subscription { Album(where: {AlbumId: {_eq: ${id}}}) { AlbumId Title } }` }, {
          until: (r) => r.some((x) => x.data?.Album?.length === 1),
        });
        await first;
        execFileSync('sqlite3', [host.dbFile, `INSERT INTO Album VALUES (${id}, 'Live', 1);`]);
        // Until the host runs the capture pump, the change reaches its bus through the fixture.
        await publish(host, { from: id });
        const all = await results;
        assert.deepEqual(all[0].data, { Album: [] });
        assert.deepEqual(all.at(-1).data, { Album: [{ AlbumId: id, Title: 'Live' }] });
      } finally {
        client.dispose();
      }
    });
  }

  test('a request that is not a GraphQL request is refused with 400', async (t) => {
    if (skip) return t.skip(skip);
    for (const body of ['{', '[]', '{"variables":{}}', '{"query":1}', '{"query":"{ __typename }","variables":[]}']) {
      const r = await fetch(`${host.base}/graphql/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body,
      });
      assert.equal(r.status, 400, body);
      const json = await r.json();
      assert.equal(json.errors.length, 1);
    }
  });
});

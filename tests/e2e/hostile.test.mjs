// Hostile input over HTTP: each gets a clean GraphQL error in the spec's shape (no stack, no SQL,
// no crash), the data stays intact and the host still answers /health afterwards.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { engines } from './lib/chinook.mjs';
import { health, post, query, startHost } from './lib/host.mjs';
import { introspect } from './lib/introspect.mjs';
import { namesOf } from './lib/names.mjs';

// A request error per the GraphQL-over-HTTP spec: JSON with a non-empty `errors` list of
// { message, locations?, path?, extensions? } and no data (or null data for a field error).
function assertGraphqlError(r, what) {
  assert.ok(r.json, `${what}: the answer is not JSON (HTTP ${r.status}): ${r.text.slice(0, 300)}`);
  assert.ok([200, 400, 413, 422].includes(r.status), `${what}: HTTP ${r.status}`);
  assert.ok(/json/.test(r.type), `${what}: content type ${r.type}`);
  const { errors } = r.json;
  assert.ok(Array.isArray(errors) && errors.length > 0, `${what}: no errors list: ${r.text.slice(0, 300)}`);
  for (const e of errors) {
    assert.equal(typeof e.message, 'string', `${what}: an error without a message`);
    assert.ok(e.message.length > 0 && e.message.length < 2000, `${what}: message of ${e.message.length} characters`);
    if (e.locations !== undefined) {
      assert.ok(Array.isArray(e.locations), `${what}: locations is not a list`);
      for (const l of e.locations) assert.ok(Number.isInteger(l.line) && l.line > 0 && Number.isInteger(l.column) && l.column > 0, `${what}: bad location ${JSON.stringify(l)}`);
    }
    if (e.path !== undefined) assert.ok(Array.isArray(e.path), `${what}: path is not a list`);
    if (e.extensions !== undefined) assert.equal(typeof e.extensions, 'object', `${what}: extensions is not an object`);
    assert.doesNotMatch(JSON.stringify(e), /\b(SELECT|INSERT INTO|json_build_object|JSON_OBJECT|std::|\.cpp\b|syntax error at or near)/, `${what}: the error shows internals`);
  }
  assert.ok(r.json.data === undefined || r.json.data === null || r.status === 200, `${what}: data beside a request error`);
  return errors;
}

const available = engines().filter((e) => !e.skip);

// POST over a plain socket with `Expect: 100-continue`, as curl sends a large body: the body
// goes only after the host's "100 Continue", so a refusal (413) reaches the client. (Without it
// the host closes while the body is still arriving, and the client sees a reset, not the 413.)
function postExpectingContinue(host, body) {
  const { hostname, port } = new URL(host.base);
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(Number(port), hostname, () => {
      socket.write(`POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      answer += chunk;
      if (/^HTTP\/1\.1 100 [^\r]*\r\n\r\n$/.test(answer)) {
        answer = '';
        socket.end(body);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer));
    socket.setTimeout(20000, () => socket.destroy());
  });
}

for (const { engine, url } of available) {
  describe(`hostile input on ${engine}`, () => {
    let host;
    let n;
    before(async () => {
      // Bodies up to 16 MiB reach the GraphQL layer, so that its own limits (depth, nodes) answer.
      const big = String(16 * 1024 * 1024);
      host = await startHost({ url, http: { body_limit: Number(big) }, config: { settings: { graphql: { max_body: Number(big) } } } });
      n = namesOf((await introspect(host)).schema);
    });
    after(async () => {
      await host?.stop();
    });

    const artistCount = async () => (await query(host, n.render('{ {{agg Artist}} { aggregate { count } } }')))[n.agg('Artist')].aggregate.count;

    test('a query nested 10 000 levels deep', async () => {
      assertGraphqlError(await post(host, { query: `{ ${'a { '.repeat(10000)}b${' }'.repeat(10000)} }` }), 'deep syntax');
    });

    test('a valid relation cycle nested 300 levels deep', async () => {
      const down = `${n.rel('Artist', 'Album')} { ${n.rel('Album', 'Artist')} { `;
      const text = `{ ${n.list('Artist')}(limit: 1) { ${down.repeat(150)}${n.col('Artist', 'Name')}${' } }'.repeat(150)} } }`;
      assertGraphqlError(await post(host, { query: text }), 'deep relations');
    });

    test('100 000 aliases', async () => {
      const field = `${n.list('Track')} { ${n.col('Track', 'Name')} }`;
      const fields = Array.from({ length: 100000 }, (_, i) => `a${i}: ${field}`).join(' ');
      assertGraphqlError(await post(host, { query: `{ ${fields} }` }), 'aliases');
    });

    test('cyclic fragments', async () => {
      const type = n.entityType('Artist');
      const text = `query { ${n.list('Artist')}(limit: 1) { ...A } } fragment A on ${type} { ...B } fragment B on ${type} { ${n.col('Artist', 'Name')} ...A }`;
      const errors = assertGraphqlError(await post(host, { query: text }), 'cyclic fragments');
      assert.ok(errors.some((e) => /cycle|itself|spread/i.test(e.message)), errors.map((e) => e.message).join('; '));
    });

    test('a 10 MB string argument', async () => {
      const big = 'x'.repeat(10 * 1024 * 1024);
      const r = await post(host, { query: `{ ${n.list('Artist')}(where: {${n.col('Artist', 'Name')}: {_eq: "${big}"}}) { ${n.col('Artist', 'Name')} } }` });
      // An answer (no artist has that name) or a limit error: either is clean.
      if (r.json?.errors) assertGraphqlError(r, '10 MB string');
      else assert.deepEqual(r.json?.data, { [n.list('Artist')]: [] }, `10 MB string: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    });

    test('100 aliases of 100 000-row pages: over the node limit before any SQL', async () => {
      const field = `${n.list('Track')}(limit: 100000) { ${n.col('Track', 'Name')} }`;
      const errors = assertGraphqlError(await post(host, { query: `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: ${field}`).join(' ')} }` }), 'node limit');
      assert.ok(errors.some((e) => /node|limit/i.test(e.message)), errors.map((e) => e.message).join('; '));
    });

    test('a 10 MB string in a variable, over the default body limit', async () => {
      const small = await startHost({ url });
      try {
        const body = JSON.stringify({ query: 'query($s: String) { __typename }', variables: { s: 'y'.repeat(10 * 1024 * 1024) } });
        const answer = await postExpectingContinue(small, body);
        assert.match(answer, /^HTTP\/1\.1 413 /, answer.slice(0, 200));
        assert.equal((await health(small)).status, 200);
      } finally {
        await small.stop();
      }
    });

    test('a body that is not UTF-8', async () => {
      const body = Buffer.concat([Buffer.from('{"query":"{ __typename '), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(' }"}')]);
      assertGraphqlError(await post(host, body, { raw: true }), 'invalid UTF-8');
    });

    test('a body that is not JSON, and JSON that is not a request', async () => {
      assertGraphqlError(await post(host, '{"query": ', { raw: true }), 'truncated JSON');
      assertGraphqlError(await post(host, '[1, 2]', { raw: true }), 'a JSON list');
      assertGraphqlError(await post(host, { query: 42 }), 'a number as query');
      assertGraphqlError(await post(host, { query: '{ __typename }', variables: 'x' }), 'variables as a string');
    });

    test('injection attempts in every kind of argument', async () => {
      const name = n.col('Artist', 'Name');
      const id = n.col('Artist', 'ArtistId');
      const list = n.list('Artist');
      const payloads = [`'; DROP TABLE ${n.entityType('Artist')}; --`, `" OR 1=1 --`, `\\'; DELETE FROM Artist; --`, `1) OR (1=1`, `%' OR '1'='1`];
      for (const p of payloads) {
        const literal = JSON.stringify(p);
        for (const op of ['_eq', '_neq', '_like', '_ilike', '_gt']) {
          const r = await post(host, { query: `{ ${list}(where: {${name}: {${op}: ${literal}}}, limit: 400) { ${name} } }` });
          assert.equal(r.json?.errors, undefined, `${op} ${p}: ${r.text.slice(0, 300)}`);
          assert.ok(r.json.data[list].length < 275 || op === '_neq' || op === '_gt', `${op} ${p} matched every row`);
        }
        const inList = await post(host, { query: `query($v: [String!]) { ${list}(where: {${name}: {_in: $v}}) { ${name} } }`, variables: { v: [p] } });
        assert.deepEqual(inList.json?.data, { [list]: [] }, `_in ${p}: ${inList.text.slice(0, 300)}`);
        // Where a number, an enum or a name is expected, the text is a validation error.
        assertGraphqlError(await post(host, { query: `{ ${list}(limit: ${literal}) { ${name} } }` }), `limit ${p}`);
        assertGraphqlError(await post(host, { query: `{ ${list}(where: {${id}: {_eq: ${literal}}}) { ${name} } }` }), `int filter ${p}`);
        assertGraphqlError(await post(host, { query: `{ ${list}(order_by: {${name}: ${literal}}) { ${name} } }` }), `order_by ${p}`);
        assertGraphqlError(await post(host, { query: `query($l: Int) { ${list}(limit: $l) { ${name} } }`, variables: { l: p } }), `variable ${p}`);
      }
      assertGraphqlError(await post(host, { query: `{ ${list}(order_by: {${name}: asc, ${'"x; DROP"'}: asc}) { ${name} } }` }), 'a string as a field name');
      assert.equal(await artistCount(), 275, 'the artists are all still there');
    });

    test('unknown fields, arguments and types', async () => {
      const list = n.list('Artist');
      for (const [text, pattern] of [
        [`{ ${list} { no_such_column } }`, /no_such_column/],
        [`{ no_such_table { id } }`, /no_such_table/],
        [`{ ${list}(no_such_argument: 1) { ${n.col('Artist', 'Name')} } }`, /no_such_argument/],
        [`query($x: NoSuchType) { __typename }`, /NoSuchType/],
        [`{ ${list}(where: {no_such_column: {_eq: 1}}) { ${n.col('Artist', 'Name')} } }`, /no_such_column/],
      ]) {
        const errors = assertGraphqlError(await post(host, { query: text }), text);
        assert.ok(errors.some((e) => pattern.test(e.message)), `${text}: ${errors.map((e) => e.message).join('; ')}`);
        assert.ok(errors.some((e) => e.locations?.length), `${text}: no locations`);
      }
    });

    test('the host is unharmed', async () => {
      const h = await health(host);
      assert.equal(h.status, 200);
      assert.equal(h.json.status, 'ok');
      assert.equal(await artistCount(), 275);
    });
  });
}

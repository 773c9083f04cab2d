// Permissions over real HTTP on the three Chinook copies (docs/permissions.md): JWTs signed here
// with node:crypto (HS256, RS256 and ES256 from a JWKS file), rules per role in the host's config,
// and every path tried with every attempt. A customer sees only its invoices and their lines; an
// employee sees its customers. Rows written here are removed again (the other files read Chinook).
//
//   path \ attempt  | own rows | others' rows | forbidden column | forged | expired | wrong key | alg none | alg confusion | injection
//   list            |    ✓     |      ✓       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |       ✓       |     ✓
//   by_pk           |    ✓     |      ✓       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |       ✓       |     ✓
//   aggregate       |    ✓     |      ✓       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |       ✓       |     ✓
//   nested relation |    ✓     |      ✓       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |       ✓       |     ✓
//   insert          |    ✓     |      ✓       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |       ✓       |     ✓
//   update          |    ✓     |      ✓       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |       ✓       |     ✓
//   delete          |    ✓     |      ✓       |        —         |   ✓    |    ✓    |     ✓     |    ✓     |       ✓       |     ✓
//   introspection   |    ✓     |      —       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |       ✓       |     —
//   changes (SSE)   |    ✓     |      ✓       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |       —       |     ✓
//   changes (WS)    |    ✓     |      ✓       |        ✓         |   ✓    |    ✓    |     ✓     |    ✓     |       —       |     ✓
// The table is `cases` below: one test per cell, named "<path> × <attempt>"; the two change-stream
// rows (deletes, cascades and graphql-ws's 4403 included) are in permissions-streams.test.mjs.
// Subscriptions and custom fields, over the graphql-ws and graphql-sse clients with writes by the
// engines' own clients, are in permissions-realtime.test.mjs (token attempts: the same identify() runs for them):
//   path \ attempt        | own rows | others' rows | row changing owner | forbidden column | no select rule
//   live query (ws, sse)  |    ✓     |      ✓       |         ✓          |        ✓         |       ✓
//   stream subscription   |    ✓     |      ✓       |         ✓          |        ✓         |       ✓
//   custom resolver       |    ✓     |      —       |         —          |        —         |       ✓
//   subscription introspection | ✓  |      —       |         —          |        ✓         |       ✓
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { engines } from './lib/chinook.mjs';
import { post, startHost } from './lib/host.mjs';

const ADMIN = 'operator-secret-for-the-permission-tests';
const HS_SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const NS = 'https://rex.dev/claims';
const CUSTOMER = 5;       // a customer with invoices
const OTHER_CUSTOMER = 6; // another one
const EMPLOYEE = 3;       // a support rep with customers

const b64 = (data) => Buffer.from(data).toString('base64url');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function token({ alg = 'HS256', kid, claims = {}, exp = 3600, key, raw } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg, typ: 'JWT', ...(kid ? { kid } : {}) };
  const payload = { iss: 'rex-tests', aud: 'rex', iat: now, exp: now + exp, ...claims };
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  if (raw !== undefined) return `${input}.${raw}`;
  let signature;
  if (alg === 'HS256') signature = createHmac('sha256', key ?? HS_SECRET).update(input).digest();
  else if (alg === 'RS256') signature = sign('sha256', Buffer.from(input), key ?? rsa.privateKey);
  else if (alg === 'ES256') signature = sign('sha256', Buffer.from(input), { key: key ?? ec.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64(signature)}`;
}

const customerClaims = (id = CUSTOMER) => ({ [NS]: { 'x-rex-default-role': 'customer', 'x-rex-user-id': String(id), 'x-rex-city': 'Testville' } });
const employeeClaims = { [NS]: { 'x-rex-default-role': 'employee', 'x-rex-user-id': String(EMPLOYEE) } };
const bearer = (t) => ({ authorization: `Bearer ${t}` });
const asCustomer = (alg = 'HS256') => bearer(token({ alg, kid: alg === 'HS256' ? undefined : alg.toLowerCase(), claims: customerClaims() }));
const asEmployee = () => bearer(token({ alg: 'ES256', kid: 'es256', claims: employeeClaims }));
const asAdmin = { 'x-rex-admin-secret': ADMIN };

// Rules use model names: PascalCase in SQLite and MariaDB's Chinook, snake_case in PostgreSQL's.
function rulesFor(engine) {
  const m = (name) => (engine === 'postgres' ? name.replace(/(?<=[a-z])([A-Z])/g, '_$1').toLowerCase() : name);
  const cols = (...names) => names.map(m);
  const own = (column) => ({ [m(column)]: { _eq: 'x-rex-user-id' } });
  return {
    customer: {
      [m('Customer')]: {
        select: { columns: cols('CustomerId', 'FirstName', 'LastName', 'Email', 'SupportRepId'), filter: own('CustomerId') },
        update: { columns: cols('Email'), filter: own('CustomerId'), check: own('CustomerId') },
      },
      [m('Invoice')]: {
        select: { columns: '*', filter: own('CustomerId'), aggregations: true, limit: 100 },
        insert: { columns: cols('InvoiceId', 'CustomerId', 'InvoiceDate', 'Total'), check: own('CustomerId'), set: { [m('BillingCity')]: 'x-rex-city' } },
        update: { columns: cols('Total', 'CustomerId'), filter: own('CustomerId'), check: own('CustomerId') },
        delete: { filter: own('CustomerId') },
      },
      [m('InvoiceLine')]: {
        select: { columns: cols('InvoiceLineId', 'InvoiceId', 'TrackId', 'UnitPrice', 'Quantity'), filter: { [m('Invoice')]: own('CustomerId') } },
      },
      [m('Track')]: { select: { columns: cols('TrackId', 'Name') } },
    },
    employee: {
      [m('Customer')]: { select: { columns: cols('CustomerId', 'FirstName', 'LastName', 'SupportRepId'), filter: own('SupportRepId'), aggregations: true } },
      [m('Invoice')]: { select: { columns: cols('InvoiceId', 'CustomerId', 'Total'), filter: { [m('Customer')]: own('SupportRepId') } } },
    },
    anonymous: { [m('Track')]: { select: { columns: cols('TrackId', 'Name'), limit: 5 } } },
  };
}

const available = engines().filter((e) => !e.skip);
for (const { engine, skip } of engines().filter((e) => e.skip)) test(`permissions on ${engine}`, { skip }, () => {});

for (const { engine, url } of available) {
  describe(`permissions on ${engine}`, () => {
    let host;
    let dir;
    const gql = (headers, query, variables) => post(host, variables ? { query, variables } : { query }, { headers });
    const data = async (headers, query, variables) => {
      const r = await gql(headers, query, variables);
      assert.equal(r.status, 200, `HTTP ${r.status}: ${r.text.slice(0, 500)}`);
      assert.ok(!r.json.errors, `errors: ${JSON.stringify(r.json.errors)}`);
      return r.json.data;
    };
    const refused = async (headers, query, variables, pattern) => {
      const r = await gql(headers, query, variables);
      assert.ok(r.json?.errors?.length, `expected an error, got HTTP ${r.status}: ${r.text.slice(0, 500)}`);
      assert.equal(r.json.data ?? null, null, `no data beside the refusal: ${r.text.slice(0, 300)}`);
      if (pattern) assert.match(r.json.errors[0].message, pattern);
      return r;
    };
    const unauthenticated = async (headers, query) => {
      const r = await gql(headers, query);
      assert.equal(r.status, 401, `expected 401, got ${r.status}: ${r.text.slice(0, 300)}`);
      assert.equal(r.json.errors[0].extensions.code, 'invalid-jwt');
      assert.doesNotMatch(r.text, /CustomerId|customerId|total/i);
      return r;
    };
    // The customer's invoices as the admin sees them.
    const adminInvoices = async (customer) =>
      (await data(asAdmin, `{ invoice(where: {customerId: {_eq: ${Number(customer)}}}, orderBy: {invoiceId: asc}) { invoiceId } }`)).invoice.map((i) => i.invoiceId);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rex-perm-'));
      const jwks = join(dir, 'jwks.json');
      writeFileSync(jwks, JSON.stringify({
        keys: [
          { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rs256', alg: 'RS256', use: 'sig' },
          { ...ec.publicKey.export({ format: 'jwk' }), kid: 'es256', alg: 'ES256', use: 'sig' },
        ],
      }));
      host = await startHost({
        url,
        http: { admin_secret: ADMIN },
        config: {
          settings: { graphql: { naming: 'camel' } },
          auth: { jwt: { secret: HS_SECRET, jwks_file: jwks, issuer: 'rex-tests', audience: 'rex', claims_namespace: NS }, anonymous_role: 'anonymous' },
          permissions: rulesFor(engine),
        },
      });
    });
    after(async () => {
      if (host) {
        // Whatever a failed test left behind.
        await gql(asAdmin, 'mutation { deleteInvoiceLine(where: {invoiceLineId: {_gte: 90000}}) { affectedRows } deleteInvoice(where: {invoiceId: {_gte: 90000}}) { affectedRows } }');
        await host.stop();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    // The queries of each path, as the customer. `others` is another customer's id.
    const paths = {
      list: {
        own: async () => {
          const got = (await data(asCustomer(), '{ invoice(orderBy: {invoiceId: asc}) { invoiceId customerId } }')).invoice;
          assert.deepEqual(got.map((i) => i.invoiceId), await adminInvoices(CUSTOMER));
          assert.ok(got.length > 0 && got.every((i) => i.customerId === CUSTOMER));
        },
        others: async () => {
          const got = (await data(asCustomer(), `{ invoice(where: {customerId: {_eq: ${OTHER_CUSTOMER}}}) { invoiceId } }`)).invoice;
          assert.deepEqual(got, []);
          const all = (await data(asCustomer(), `{ invoice(where: {_or: [{customerId: {_eq: ${OTHER_CUSTOMER}}}, {customerId: {_neq: -1}}]}) { customerId } }`)).invoice;
          assert.ok(all.every((i) => i.customerId === CUSTOMER));
        },
        column: () => refused(asCustomer(), '{ customer { customerId address } }', undefined, /address/),
        query: '{ invoice { invoiceId } }',
      },
      by_pk: {
        own: async () => {
          const [id] = await adminInvoices(CUSTOMER);
          assert.equal((await data(asCustomer(), `{ invoiceByPk(invoiceId: ${id}) { invoiceId total } }`)).invoiceByPk.invoiceId, id);
        },
        others: async () => {
          const [id] = await adminInvoices(OTHER_CUSTOMER);
          assert.equal((await data(asCustomer(), `{ invoiceByPk(invoiceId: ${id}) { invoiceId } }`)).invoiceByPk, null);
          assert.equal((await data(asCustomer(), `{ customerByPk(customerId: ${OTHER_CUSTOMER}) { customerId } }`)).customerByPk, null);
        },
        column: () => refused(asCustomer(), `{ customerByPk(customerId: ${CUSTOMER}) { phone } }`, undefined, /phone/),
        query: `{ invoiceByPk(invoiceId: 1) { invoiceId } }`,
      },
      aggregate: {
        own: async () => {
          const got = (await data(asCustomer(), '{ invoiceAggregate { aggregate { count } } }')).invoiceAggregate.aggregate.count;
          assert.equal(got, (await adminInvoices(CUSTOMER)).length);
        },
        others: async () => {
          const got = await data(asCustomer(), `{ invoiceAggregate(where: {customerId: {_eq: ${OTHER_CUSTOMER}}}) { aggregate { count } nodes { invoiceId } } }`);
          assert.deepEqual(got.invoiceAggregate, { aggregate: { count: 0 }, nodes: [] });
          // Aggregates are not allowed on InvoiceLine for customers.
          await refused(asCustomer(), '{ invoiceLineAggregate { aggregate { count } } }', undefined, /invoiceLineAggregate/);
        },
        column: () => refused(asCustomer(), '{ customerAggregate { aggregate { count } } }', undefined, /customerAggregate/),
        query: '{ invoiceAggregate { aggregate { count } } }',
      },
      'nested relation': {
        own: async () => {
          const got = (await data(asCustomer(), '{ customer { customerId invoices { invoiceId invoiceLines { invoiceId } } } }')).customer;
          assert.equal(got.length, 1);
          assert.equal(got[0].customerId, CUSTOMER);
          const ids = new Set(await adminInvoices(CUSTOMER));
          assert.deepEqual(got[0].invoices.map((i) => i.invoiceId), [...ids]);
          for (const i of got[0].invoices) for (const l of i.invoiceLines) assert.ok(ids.has(l.invoiceId));
        },
        others: async () => {
          // The other customer's lines are not reachable from a track, nor through a filter.
          const lines = (await data(asCustomer(), '{ invoiceLine(limit: 10000) { invoiceId } }')).invoiceLine;
          const ids = new Set(await adminInvoices(CUSTOMER));
          assert.ok(lines.length > 0 && lines.every((l) => ids.has(l.invoiceId)));
          const viaFilter = (await data(asCustomer(), `{ invoiceLine(where: {invoice: {customerId: {_eq: ${OTHER_CUSTOMER}}}}) { invoiceId } }`)).invoiceLine;
          assert.deepEqual(viaFilter, []);
          // Invoice -> customer of another: the employee sees its customers and only their invoices.
          const emp = (await data(asEmployee(), '{ invoice(limit: 10000) { customerId customer { supportRepId } } }')).invoice;
          assert.ok(emp.length > 0 && emp.every((i) => i.customer.supportRepId === EMPLOYEE));
          const custs = (await data(asEmployee(), '{ customer { supportRepId } }')).customer;
          const all = (await data(asAdmin, `{ customer(where: {supportRepId: {_eq: ${EMPLOYEE}}}) { customerId } }`)).customer;
          assert.equal(custs.length, all.length);
          assert.ok(custs.every((c) => c.supportRepId === EMPLOYEE));
        },
        column: () => refused(asCustomer(), '{ invoice { invoiceLines { track { name composer } } } }', undefined, /track|composer/),
        query: '{ customer { invoices { invoiceId } } }',
      },
      insert: {
        own: async () => {
          const got = await data(asCustomer(), `mutation { insertInvoiceOne(object: {invoiceId: 90001, customerId: ${CUSTOMER}, invoiceDate: "2026-01-01T00:00:00Z", total: "1.00"}) { invoiceId billingCity } }`);
          assert.deepEqual(got.insertInvoiceOne, { invoiceId: 90001, billingCity: 'Testville' });  // the preset from x-rex-city
          await data(asAdmin, 'mutation { deleteInvoiceByPk(invoiceId: 90001) { invoiceId } }');
        },
        others: async () => {
          // The check fails for the second row: the whole request rolls back.
          await refused(asCustomer(), `mutation { a: insertInvoiceOne(object: {invoiceId: 90002, customerId: ${CUSTOMER}, invoiceDate: "2026-01-01T00:00:00Z", total: "1.00"}) { invoiceId }
                                                  b: insertInvoiceOne(object: {invoiceId: 90003, customerId: ${OTHER_CUSTOMER}, invoiceDate: "2026-01-01T00:00:00Z", total: "1.00"}) { invoiceId } }`,
          undefined, /check/);
          assert.deepEqual((await data(asAdmin, '{ invoice(where: {invoiceId: {_gte: 90000}}) { invoiceId } }')).invoice, []);
        },
        column: () => refused(asCustomer(), `mutation { insertInvoiceOne(object: {invoiceId: 90004, customerId: ${CUSTOMER}, invoiceDate: "2026-01-01T00:00:00Z", total: "1.00", billingCity: "Elsewhere"}) { invoiceId } }`, undefined, /billingCity/),
        query: 'mutation { insertInvoiceOne(object: {invoiceId: 90005, total: "1.00"}) { invoiceId } }',
      },
      update: {
        own: async () => {
          const [id] = await adminInvoices(CUSTOMER);
          const before = (await data(asAdmin, `{ invoiceByPk(invoiceId: ${id}) { total } }`)).invoiceByPk.total;
          const got = await data(asCustomer(), `mutation { updateInvoice(where: {invoiceId: {_eq: ${id}}}, _set: {total: "123.45"}) { affectedRows returning { total } } }`);
          assert.deepEqual(got.updateInvoice, { affectedRows: 1, returning: [{ total: '123.45' }] });
          await data(asAdmin, `mutation { updateInvoiceByPk(pkColumns: {invoiceId: ${id}}, _set: {total: "${before}"}) { invoiceId } }`);
        },
        others: async () => {
          const [other] = await adminInvoices(OTHER_CUSTOMER);
          const before = (await data(asAdmin, `{ invoiceByPk(invoiceId: ${other}) { total } }`)).invoiceByPk.total;
          const got = await data(asCustomer(), `mutation { updateInvoice(where: {customerId: {_eq: ${OTHER_CUSTOMER}}}, _set: {total: "0.01"}) { affectedRows } x: updateInvoiceByPk(pkColumns: {invoiceId: ${other}}, _set: {total: "0.02"}) { invoiceId } }`);
          assert.deepEqual(got, { updateInvoice: { affectedRows: 0 }, x: null });
          assert.equal((await data(asAdmin, `{ invoiceByPk(invoiceId: ${other}) { total } }`)).invoiceByPk.total, before);
          // Moving an own invoice to another customer fails the check and changes nothing.
          const [own] = await adminInvoices(CUSTOMER);
          await refused(asCustomer(), `mutation { updateInvoiceByPk(pkColumns: {invoiceId: ${own}}, _set: {customerId: ${OTHER_CUSTOMER}}) { invoiceId } }`, undefined, /check/);
          assert.ok((await adminInvoices(CUSTOMER)).includes(own));
        },
        column: () => refused(asCustomer(), `mutation { updateInvoice(where: {invoiceId: {_eq: -1}}, _set: {billingCity: "X"}) { affectedRows } }`, undefined, /billingCity/),
        query: 'mutation { updateInvoice(where: {invoiceId: {_eq: -1}}, _set: {total: "1"}) { affectedRows } }',
      },
      delete: {
        own: async () => {
          await data(asAdmin, `mutation { insertInvoiceOne(object: {invoiceId: 90010, customerId: ${CUSTOMER}, invoiceDate: "2026-01-01T00:00:00Z", total: "1.00"}) { invoiceId } }`);
          const got = await data(asCustomer(), 'mutation { deleteInvoice(where: {invoiceId: {_eq: 90010}}) { affectedRows } }');
          assert.equal(got.deleteInvoice.affectedRows, 1);
        },
        others: async () => {
          await data(asAdmin, `mutation { insertInvoiceOne(object: {invoiceId: 90011, customerId: ${OTHER_CUSTOMER}, invoiceDate: "2026-01-01T00:00:00Z", total: "1.00"}) { invoiceId } }`);
          const got = await data(asCustomer(), 'mutation { deleteInvoice(where: {invoiceId: {_eq: 90011}}) { affectedRows } deleteInvoiceByPk(invoiceId: 90011) { invoiceId } }');
          assert.deepEqual(got, { deleteInvoice: { affectedRows: 0 }, deleteInvoiceByPk: null });
          assert.ok((await data(asAdmin, '{ invoiceByPk(invoiceId: 90011) { invoiceId } }')).invoiceByPk);
          await data(asAdmin, 'mutation { deleteInvoiceByPk(invoiceId: 90011) { invoiceId } }');
          // No delete rule on customers: no delete field.
          await refused(asCustomer(), `mutation { deleteCustomer(where: {}) { affectedRows } }`, undefined, /deleteCustomer/);
        },
        query: 'mutation { deleteInvoice(where: {invoiceId: {_eq: -1}}) { affectedRows } }',
      },
      introspection: {
        own: async () => {
          const schema = (await data(asCustomer(), '{ __schema { queryType { fields { name } } mutationType { fields { name } } } c: __type(name: "Customer") { fields { name } } }'));
          const queries = schema.__schema.queryType.fields.map((f) => f.name).sort();
          assert.deepEqual(queries, ['customer', 'customerByPk', 'invoice', 'invoiceAggregate', 'invoiceByPk', 'invoiceLine', 'invoiceLineByPk', 'track', 'trackByPk'].sort());
          const mutations = schema.__schema.mutationType.fields.map((f) => f.name).sort();
          assert.deepEqual(mutations, ['deleteInvoice', 'deleteInvoiceByPk', 'insertInvoice', 'insertInvoiceOne', 'updateCustomer', 'updateCustomerByPk', 'updateInvoice', 'updateInvoiceByPk'].sort());
          // The employee sees another schema (cached per role, not shared).
          const emp = (await data(asEmployee(), '{ __schema { queryType { fields { name } } mutationType { name } } }')).__schema;
          assert.deepEqual(emp.queryType.fields.map((f) => f.name).sort(), ['customer', 'customerAggregate', 'customerByPk', 'invoice', 'invoiceByPk'].sort());
          assert.equal(emp.mutationType, null);
          const anon = (await data({}, '{ __schema { queryType { fields { name } } } }')).__schema;
          assert.deepEqual(anon.queryType.fields.map((f) => f.name).sort(), ['track', 'trackByPk']);
        },
        column: async () => {
          const c = (await data(asCustomer(), '{ c: __type(name: "Customer") { fields { name } } e: __type(name: "Employee") { name } i: __type(name: "InvoiceInsertInput") { inputFields { name } } }'));
          assert.deepEqual(c.c.fields.map((f) => f.name).sort(), ['customerId', 'email', 'firstName', 'invoices', 'invoicesAggregate', 'lastName', 'supportRepId'].sort());
          assert.equal(c.e, null);  // no rule on employees: the type does not exist for this role
          assert.deepEqual(c.i.inputFields.map((f) => f.name).sort(), ['customerId', 'invoiceDate', 'invoiceId', 'total']);
        },
        query: '{ __schema { queryType { name } } }',
      },
    };

    // Token attempts: each refused with 401 on every path, before anything runs.
    const tokenAttempts = {
      forged: () => { const t = token({ claims: customerClaims() }).split('.'); t[1] = b64(JSON.stringify({ ...JSON.parse(Buffer.from(t[1], 'base64url')), [NS]: { 'x-rex-default-role': 'customer', 'x-rex-user-id': String(OTHER_CUSTOMER) } })); return bearer(t.join('.')); },
      expired: () => bearer(token({ claims: customerClaims(), exp: -60 })),
      'wrong key': () => bearer(token({ alg: 'RS256', kid: 'rs256', claims: customerClaims(), key: otherRsa.privateKey })),
      'alg none': () => bearer(token({ alg: 'none', claims: customerClaims(), raw: '' })),
      'alg confusion': () => bearer(token({ alg: 'HS256', kid: 'rs256', claims: customerClaims(), key: rsa.publicKey.export({ format: 'pem', type: 'spki' }) })),
    };

    const injection = async (path) => {
      // Session variables stay values: an injected text is refused by the column's type, or matches nothing.
      const headers = bearer(token({ claims: { [NS]: { 'x-rex-default-role': 'customer', 'x-rex-user-id': `${CUSTOMER} OR 1=1`, 'x-rex-city': "x'); DROP TABLE Invoice; --" } } }));
      const r = await gql(headers, paths[path].query);
      const rows = JSON.stringify(r.json?.data ?? null);
      assert.ok(r.json?.errors?.length || /\[\]|null|"affectedRows":0|"count":0/.test(rows), `${path}: the injected user id matched rows: ${r.text.slice(0, 300)}`);
      // Still there.
      assert.ok((await adminInvoices(OTHER_CUSTOMER)).length > 0);
    };

    for (const [path, p] of Object.entries(paths)) {
      test(`${path} × own rows`, () => p.own());
      if (p.others) test(`${path} × others' rows`, () => p.others());
      if (p.column) test(`${path} × forbidden column`, () => p.column());
      for (const [attempt, headers] of Object.entries(tokenAttempts)) test(`${path} × ${attempt} token`, () => unauthenticated(headers(), p.query));
      if (path !== 'introspection') test(`${path} × injection in session variables`, () => injection(path));
    }

    test('tokens of every algorithm are accepted; issuer and audience are checked', async () => {
      for (const alg of ['HS256', 'RS256', 'ES256']) assert.ok((await data(asCustomer(alg), '{ invoice { invoiceId } }')).invoice.length > 0, alg);
      await unauthenticated(bearer(token({ claims: { ...customerClaims(), iss: 'someone-else' } })), '{ invoice { invoiceId } }');
      await unauthenticated(bearer(token({ claims: { ...customerClaims(), aud: 'other' } })), '{ invoice { invoiceId } }');
      await unauthenticated(bearer(token({ claims: { ...customerClaims(), nbf: Math.floor(Date.now() / 1000) + 600 } })), '{ invoice { invoiceId } }');
      await unauthenticated({ authorization: 'Basic abc' }, '{ invoice { invoiceId } }');
      await unauthenticated({ 'x-rex-admin-secret': 'wrong' }, '{ invoice { invoiceId } }');
    });

    test('no token: the anonymous role, its columns and its row limit', async () => {
      const got = (await data({}, '{ track(limit: 100) { trackId name } }')).track;
      assert.equal(got.length, 5);
      await refused({}, '{ invoice { invoiceId } }', undefined, /invoice/);
      await refused({}, '{ track { composer } }', undefined, /composer/);
    });

    test('the operator secret bypasses the rules, and may act as a role', async () => {
      assert.ok((await data(asAdmin, '{ invoiceAggregate { aggregate { count } } }')).invoiceAggregate.aggregate.count > 400);
      const acting = { ...asAdmin, 'x-rex-role': 'customer', 'x-rex-user-id': String(OTHER_CUSTOMER) };
      const got = (await data(acting, '{ invoice { customerId } }')).invoice;
      assert.ok(got.length > 0 && got.every((i) => i.customerId === OTHER_CUSTOMER));
    });
  });
}

// A bad rule stops the host with one line naming the config file and the JSON path.
describe('permission config errors', () => {
  const [first] = available;
  const cases = [
    [{ customer: { NoSuchEntity: { select: {} } } }, /\/permissions\/customer\/NoSuchEntity: no entity 'NoSuchEntity' in the catalog/],
    [{ customer: { Track: { select: { filter: { TrackId: { _equals: 1 } } } } } }, /\/permissions\/customer\/Track\/select\/filter\/TrackId\/_equals: unknown operator/],
    [{ customer: { Track: { select: { columns: ['Nope'] } } } }, /\/permissions\/customer\/Track\/select\/columns\/0: entity 'Track' has no field 'Nope'/],
    [{ customer: { Track: { selekt: {} } } }, /\/permissions\/customer\/Track\/selekt: unknown key/],
  ];
  for (const [permissions, message] of cases) {
    test(`refused: ${message.source.slice(0, 60)}`, { skip: !first || first.engine !== 'sqlite' ? 'runs on the SQLite copy' : false }, async () => {
      await assert.rejects(startHost({ url: first.url, config: { permissions } }), (e) => {
        assert.match(e.message, message);
        assert.match(e.message, /exited \(2\)/);
        return true;
      });
    });
  }
  test('a short HS256 secret is refused', { skip: !first ? 'no database' : false }, async () => {
    await assert.rejects(startHost({ url: first.url, config: { auth: { jwt: { secret: 'short' } } } }), /\/auth\/jwt\/secret: must be at least 32 bytes long/);
  });
});

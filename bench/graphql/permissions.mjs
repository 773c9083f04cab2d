// The cost of permissions: the GraphQL benchmark's read queries on one rex-host, as the admin
// (operator secret: no rules) and as a role whose row filters keep every row (so both answer the
// same rows) with an HS256 token on every request (so the ratio includes verifying it). Runs
// alternate, each warmed first; one JSON line per run, then the ratios (role / admin).
//   bench/graphql/run-permissions.sh [--duration S] [--connections 16] [--engines postgres,sqlite,mysql]
import autocannon from 'autocannon';
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startHost } from '../../tests/e2e/lib/host.mjs';

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    engines: { type: 'string', default: 'postgres,sqlite,mysql' },
    rounds: { type: 'string', default: '2' },
  },
});
const urls = { postgres: process.env.REX_CHINOOK_POSTGRES_URL, sqlite: process.env.REX_CHINOOK_SQLITE_URL, mysql: process.env.REX_CHINOOK_MYSQL_URL };
const ADMIN = 'bench-operator-secret';
const SECRET = 'bench-shared-secret-of-at-least-32-bytes';
const b64 = (s) => Buffer.from(s).toString('base64url');
const input = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 86400, 'https://rex.dev/claims': { 'x-rex-default-role': 'reader', 'x-rex-min-id': '0' } }))}`;
const token = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;

function setup(engine) {
  const n = (name) => (engine === 'postgres' ? name.replace(/(?<=[a-z])([A-Z])/g, '_$1').toLowerCase() : name);
  const keep = (column) => ({ select: { columns: '*', filter: { [n(column)]: { _gte: 'x-rex-min-id' } }, aggregations: true } });
  const permissions = { reader: { [n('Artist')]: keep('ArtistId'), [n('Album')]: keep('AlbumId'), [n('Track')]: keep('TrackId') } };
  const queries = {
    by_key: `{ ${n('Track')}_by_pk(${n('TrackId')}: 1234) { ${n('Name')} ${n('Milliseconds')} ${n('UnitPrice')} } }`,
    filtered_page: `{ ${n('Track')}(where: {${n('GenreId')}: {_eq: 1}}, order_by: [{${n('TrackId')}: asc}], limit: 50, offset: 100) { ${n('TrackId')} ${n('Name')} ${n('Milliseconds')} ${n('UnitPrice')} } }`,
    nested: `{ ${n('Artist')}(order_by: [{${n('ArtistId')}: asc}], limit: 20) { ${n('Name')} ${n('Album')}s { ${n('Title')} ${n('Track')}s { ${n('Name')} ${n('Milliseconds')} } } } }`,
    aggregate: `{ ${n('Track')}_aggregate(where: {${n('GenreId')}: {_eq: 1}}) { aggregate { count } } }`,
  };
  return { permissions, queries };
}

async function load(host, query, headers, seconds, connections) {
  const result = await autocannon({
    url: host.graphqlUrl,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
    duration: seconds,
    connections,
  });
  if (result.non2xx || result.errors) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

const summary = [];
for (const engine of opt.engines.split(',').filter(Boolean)) {
  if (!urls[engine]) {
    console.error(`permissions bench: ${engine} skipped (no URL)`);
    continue;
  }
  const { permissions, queries } = setup(engine);
  const host = await startHost({ url: urls[engine], http: { admin_secret: ADMIN }, config: { auth: { jwt: { secret: SECRET } }, permissions } });
  try {
    for (const [name, query] of Object.entries(queries)) {
      const as = { admin: { 'x-rex-admin-secret': ADMIN }, role: { authorization: `Bearer ${token}` } };
      // Both must answer the same data.
      const answers = await Promise.all(Object.values(as).map(async (h) => (await (await fetch(host.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body: JSON.stringify({ query }) })).text())));
      if (answers[0] !== answers[1] || answers[0].includes('"errors"')) throw new Error(`${engine} ${name}: the role's answer differs from the admin's:\n${answers[0].slice(0, 300)}\n${answers[1].slice(0, 300)}`);
      const runs = { admin: [], role: [] };
      for (let round = 0; round < Number(opt.rounds); ++round)
        for (const who of round % 2 ? ['role', 'admin'] : ['admin', 'role']) {
          await load(host, query, as[who], Number(opt.warmup), Number(opt.connections));
          const r = await load(host, query, as[who], Number(opt.duration), Number(opt.connections));
          runs[who].push(r);
          console.log(JSON.stringify({ engine, query: name, who, connections: Number(opt.connections), ...r }));
        }
      const mean = (xs, k) => xs.reduce((s, x) => s + x[k], 0) / xs.length;
      summary.push({ engine, query: name, rps_admin: Math.round(mean(runs.admin, 'rps')), rps_role: Math.round(mean(runs.role, 'rps')),
                     cost: +(mean(runs.admin, 'rps') / mean(runs.role, 'rps')).toFixed(2), p99_admin: mean(runs.admin, 'p99'), p99_role: mean(runs.role, 'p99') });
    }
  } finally {
    await host.stop();
  }
}
console.error('\nengine    query          admin req/s  role req/s  cost (admin/role)  p99 admin/role ms');
for (const s of summary)
  console.error(`${s.engine.padEnd(9)} ${s.query.padEnd(14)} ${String(s.rps_admin).padStart(11)} ${String(s.rps_role).padStart(11)} ${String(s.cost).padStart(18)}  ${s.p99_admin}/${s.p99_role}`);

// graphql-http's server audits (the GraphQL-over-HTTP spec's requirements) against a live rex-host
// on the SQLite Chinook: every MUST and every SHOULD passes; MAY results are printed for the report.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditServer } from 'graphql-http';
import { engines } from './lib/chinook.mjs';
import { startHost } from './lib/host.mjs';

const { url } = engines().find((e) => e.engine === 'sqlite');
let host;
let results;

before(async () => {
  host = await startHost({ url });
  results = await auditServer({ url: host.graphqlUrl });
});
after(async () => {
  await host?.stop();
});

test('every MUST and SHOULD audit of graphql-http passes', async () => {
  const counts = {};
  const failed = [];
  for (const r of results) {
    const level = r.name.split(' ')[0];
    counts[level] ??= { ok: 0, failed: 0 };
    counts[level][r.status === 'ok' ? 'ok' : 'failed'] += 1;
    if (r.status !== 'ok' && level !== 'MAY') {
      const body = await r.response
        .clone()
        .text()
        .catch(() => '');
      failed.push({ level, line: `${r.status} ${r.id} ${r.name}: ${r.reason} (HTTP ${r.response.status}: ${body.slice(0, 200)})` });
    }
  }
  console.log(`graphql-http audits: ${JSON.stringify(counts)}`);
  for (const f of failed) console.log(`  ${f.line}`);
  const musts = failed.filter((f) => f.level === 'MUST').map((f) => f.line);
  assert.deepEqual(musts, [], 'MUST audits that fail');
  // Including 47DE (Accept */*) and 80D8 (no Accept, which fetch sends as */*): application/json.
  const shoulds = failed.filter((f) => f.level === 'SHOULD').map((f) => f.line);
  assert.deepEqual(shoulds, [], 'SHOULD audits that fail');
});

test('the host still answers /health after the audits', async () => {
  const response = await fetch(`${host.base}/health`);
  assert.equal(response.status, 200);
});

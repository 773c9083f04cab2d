// The Chinook databases the suites run on: the URLs exported by tools/chinook-db.sh (run.sh
// exports them), or, when a file is run by hand, what that script prints. An engine without a
// server is skipped with the reason, or fails when REX_REQUIRE_SERVERS=1.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { sourceDir } from './host.mjs';

const variables = { sqlite: 'REX_CHINOOK_SQLITE_URL', postgres: 'REX_CHINOOK_POSTGRES_URL', mysql: 'REX_CHINOOK_MYSQL_URL' };

function loadUrls() {
  if (Object.values(variables).some((v) => process.env[v])) return process.env;
  const out = execFileSync(join(sourceDir, 'tools', 'chinook-db.sh'), ['all'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env = {};
  for (const line of out.split('\n')) {
    const m = /^export (\w+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

let cached;
// [{ engine, url, skip }] for sqlite, postgres and mysql, in that order.
export function engines() {
  if (cached) return cached;
  const env = loadUrls();
  cached = Object.entries(variables).map(([engine, variable]) => {
    const url = env[variable];
    if (url) return { engine, url, skip: false };
    if (process.env.REX_REQUIRE_SERVERS === '1') throw new Error(`${variable} is not set but REX_REQUIRE_SERVERS=1`);
    return { engine, url: undefined, skip: `Chinook on ${engine} skipped: ${variable} is not set (no server)` };
  });
  return cached;
}

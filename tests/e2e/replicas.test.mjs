// Read replicas (issue 19, item 4): database.replicas on the PostgreSQL Chinook, with the hot
// standby tools/test-servers.sh streams from the test server (pg_basebackup -R). Which server
// answered is told by the data: the standby's replay is paused, so a row committed on the primary
// is missing from queries a replica answers. Mutations read and write the primary; a replica that
// cannot be reached sends queries to the primary, with one log line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { engines } from './lib/chinook.mjs';
import { post, query, startHost } from './lib/host.mjs';

const pg = engines().find((e) => e.engine === 'postgres');
const replicaServer = process.env.REX_TEST_POSTGRES_REPLICA_URL;
if (process.env.REX_REQUIRE_SERVERS === '1' && !replicaServer) throw new Error('REX_TEST_POSTGRES_REPLICA_URL is not set but REX_REQUIRE_SERVERS=1');
const skip = pg.skip || (!replicaServer && 'replicas skipped: REX_TEST_POSTGRES_REPLICA_URL is not set (tools/test-servers.sh start)');

// The Chinook database on the standby: the same database, user and password, the standby's port.
function onReplica(url) {
  const u = new URL(url);
  u.port = new URL(replicaServer).port;
  return u.toString();
}
// The standby as its superuser (trusted on loopback by tools/test-servers.sh), for replay control.
function replicaAdmin(sql) {
  const u = new URL(onReplica(pg.url));
  return execFileSync('psql', ['-h', u.hostname, '-p', u.port, '-U', 'postgres', '-d', u.pathname.slice(1), '-qAtc', sql], { encoding: 'utf8' }).trim();
}
async function until(predicate, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe('database.replicas', { skip }, () => {
  const id = 800000 + (process.pid % 50000);
  const lookup = `{ artist_by_pk(artist_id: ${id}) { name } }`;
  let host;
  before(async () => {
    host = await startHost({ url: pg.url, config: { database: { url: pg.url, replicas: [onReplica(pg.url)] } } });
    await post(host, { query: `mutation { delete_artist_by_pk(artist_id: ${id}) { name } }` });
  });
  after(async () => {
    try {
      replicaAdmin('SELECT pg_wal_replay_resume()');
    } catch {
      // not paused
    }
    await post(host, { query: `mutation { delete_artist_by_pk(artist_id: ${id}) { name } }` });
    await host?.stop();
  });

  test('queries read the replica (stale while its replay is paused); mutations the primary', async () => {
    assert.equal(replicaAdmin('SELECT pg_is_in_recovery()'), 't', 'the replica server is a standby');
    await until(async () => (await query(host, lookup)).artist_by_pk === null, 10000, 'the standby to replay the cleanup');
    replicaAdmin('SELECT pg_wal_replay_pause()');
    const inserted = await query(host, `mutation { insert_artist_one(object: {artist_id: ${id}, name: "Replica"}) { artist_id name } }`);
    assert.deepEqual(inserted, { insert_artist_one: { artist_id: id, name: 'Replica' } }, 'the mutation wrote and read the primary');
    // The primary has it (psql), the paused standby does not: the host's queries come from the standby.
    assert.equal(execFileSync('psql', [pg.url, '-qAtc', `SELECT name FROM artist WHERE artist_id = ${id}`], { encoding: 'utf8' }).trim(), 'Replica');
    for (let i = 0; i < 5; i++) assert.deepEqual(await query(host, lookup), { artist_by_pk: null }, 'a query answered by the paused replica');
    const rex = replicaAdmin(`SELECT count(*) FROM pg_stat_activity WHERE usename = 'rex' AND datname = current_database()`);
    assert.ok(Number(rex) >= 1, `the host holds connections to the replica (${rex})`);
    // A mutation that reads back what it wrote sees it (the primary's transaction).
    const updated = await query(host, `mutation { update_artist_by_pk(pk_columns: {artist_id: ${id}}, _set: {name: "Replica 2"}) { name } }`);
    assert.deepEqual(updated, { update_artist_by_pk: { name: 'Replica 2' } });
    replicaAdmin('SELECT pg_wal_replay_resume()');
    await until(async () => (await query(host, lookup)).artist_by_pk?.name === 'Replica 2', 10000, 'the standby to catch up');
  });

  test('a replica that cannot be reached: queries answer from the primary, one log line', async () => {
    const down = new URL(pg.url);
    down.port = '1';  // nothing listens there
    const lonely = await startHost({ url: pg.url, config: { database: { url: pg.url, replicas: [down.toString()] } } });
    try {
      for (let i = 0; i < 10; i++) assert.deepEqual(await query(lonely, '{ artist_by_pk(artist_id: 1) { name } }'), { artist_by_pk: { name: 'AC/DC' } });
      const lines = lonely.stderr().split('\n').filter((l) => /read replica .* is unreachable/.test(l));
      assert.equal(lines.length, 1, lonely.stderr());
      assert.match(lines[0], /reading from the primary/);
      assert.doesNotMatch(lines[0], /rex_pw/, 'no password in the log');
    } finally {
      await lonely.stop();
    }
  });
});

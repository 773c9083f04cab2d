// A table `items` on each engine, written with the engine's own client (sqlite3, psql, mariadb),
// captured (`rex realtime enable`), for hosts with `realtime.capture`. Server engines need
// tools/test-servers.sh's URLs; without them they are skipped (an error with REX_REQUIRE_SERVERS=1).
import { execFileSync } from 'node:child_process';
import { cliBinary, sqlite, sqliteDatabase } from './lib.mjs';

const serverUrl = { postgres: process.env.REX_TEST_POSTGRES_URL, mysql: process.env.REX_TEST_MYSQL_URL };

function psql(url, sql) {
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
}
function mariadb(url, sql) {
  const u = new URL(url);
  return execFileSync('mariadb', ['-h', u.hostname, '-P', u.port, '-u', decodeURIComponent(u.username), `-p${decodeURIComponent(u.password)}`, u.pathname.slice(1), '-e', sql], {
    encoding: 'utf8',
  });
}

// [{engine, skip, setup(): {url, write(sql)}}]
export function engines() {
  return [
    {
      engine: 'sqlite',
      skip: false,
      setup() {
        const db = sqliteDatabase();
        return finish(db.url, (sql) => sqlite(db.file, sql));
      },
    },
    ...['postgres', 'mysql'].map((engine) => {
      const url = serverUrl[engine];
      const variable = engine === 'postgres' ? 'REX_TEST_POSTGRES_URL' : 'REX_TEST_MYSQL_URL';
      if (!url && process.env.REX_REQUIRE_SERVERS === '1') throw new Error(`${variable} is not set but REX_REQUIRE_SERVERS=1`);
      return {
        engine,
        skip: url ? false : `${engine} skipped: ${variable} is not set (tools/test-servers.sh)`,
        setup() {
          const write = engine === 'postgres' ? (sql) => psql(url, sql) : (sql) => mariadb(url, sql);
          write('DROP TABLE IF EXISTS items');
          write(
            engine === 'postgres'
              ? 'CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, n integer NOT NULL DEFAULT 0, body text)'
              : 'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL, n INT NOT NULL DEFAULT 0, body LONGTEXT)',
          );
          return finish(url, write);
        },
      };
    }),
  ];
}

function finish(url, write) {
  execFileSync(cliBinary, ['--url', url, 'realtime', 'enable', '--tables', 'items'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { url, write };
}

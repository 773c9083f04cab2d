#!/usr/bin/env bash
# Throwaway database servers for the tests, on loopback and non-default ports, with their data
# under ${REX_TEST_SERVERS_DIR:-/tmp/rex-test-servers}. Never touches the system's own clusters.
# REX_TEST_PG_PORT, REX_TEST_PGBOUNCER_PORT, REX_TEST_MYSQL_PORT and REX_TEST_PG_REPLICA_PORT (default:
# the PostgreSQL port + 10) move the ports.
# REX_TEST_DURABLE=1 starts them with fsync / commit flushes on (off by default: faster tests).
#
#   eval "$(tools/test-servers.sh start)"   start (installing what is missing) and export the URLs
#   tools/test-servers.sh env               print the export lines again
#   tools/test-servers.sh restart-postgres  restart PostgreSQL only (connections break)
#   tools/test-servers.sh restart-mysql     restart MariaDB only (connections break)
#   tools/test-servers.sh start-replica     (also part of start) a PostgreSQL hot standby streaming
#                                           from the first (pg_basebackup -R), for read-replica tests
#   tools/test-servers.sh stop              stop everything and remove the data
#
# Progress goes to stderr; stdout carries only the export lines.
set -euo pipefail

dir=${REX_TEST_SERVERS_DIR:-/tmp/rex-test-servers}
# Ports can be moved so that two test runs on one machine do not meet.
pg_port=${REX_TEST_PG_PORT:-54329}
bouncer_port=${REX_TEST_PGBOUNCER_PORT:-64329}
replica_port=${REX_TEST_PG_REPLICA_PORT:-$((pg_port + 10))}
mysql_port=${REX_TEST_MYSQL_PORT:-33069}
pg_bin=/usr/lib/postgresql/15/bin
user=rex
password=rex_pw
database=rex_test

say() { echo "test-servers: $*" >&2; }
die() { say "error: $*"; exit 1; }

# Runs a command as the given OS user (the servers refuse to run as root).
as_user() {
  local who=$1; shift
  if [[ $(id -u) -eq 0 ]]; then runuser -u "$who" -- "$@"; else "$@"; fi
}

print_env() {
  echo "export REX_TEST_POSTGRES_URL=postgres://$user:$password@127.0.0.1:$pg_port/$database"
  echo "export REX_TEST_POSTGRES_REPLICA_URL=postgres://$user:$password@127.0.0.1:$replica_port/$database"
  echo "export REX_TEST_PGBOUNCER_URL=postgres://$user:$password@127.0.0.1:$bouncer_port/$database"
  echo "export REX_TEST_MYSQL_URL=mysql://$user:$password@127.0.0.1:$mysql_port/$database"
}

wait_for() {
  local what=$1; shift
  for _ in $(seq 1 120); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "$what did not come up; see the logs in $dir"
}

pg_running() { [[ -f "$dir/pg/postmaster.pid" ]] && as_user postgres "$pg_bin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; }

# wal_level=logical with a few slots and senders: the capture's logical mode (docs/realtime.md).
# REX_TEST_DURABLE=1 keeps fsync and synchronous commit on (production defaults, for benchmarks).
pg_options() {
  local o="-c listen_addresses=127.0.0.1 -c max_connections=200 -c wal_level=logical -c max_replication_slots=8 -c max_wal_senders=8"
  # Asynchronous commits reach logical decoding when the WAL writer flushes: every 10 ms, not 200.
  [[ "${REX_TEST_DURABLE:-0}" == 1 ]] || o+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_writer_delay=10ms"
  echo "$o"
}

start_postgres() {
  if pg_running; then return; fi
  [[ -x "$pg_bin/initdb" ]] || die "PostgreSQL 15 is not installed (tools/install-deps.sh --test)"
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [[ ! -f "$dir/pg/PG_VERSION" ]]; then
    say "initialising PostgreSQL in $dir/pg"
    rm -rf "$dir/pg" "$dir/pg-run"
    mkdir -p "$dir/pg" "$dir/pg-run"
    chown postgres:postgres "$dir/pg" "$dir/pg-run" 2>/dev/null || true
    as_user postgres "$pg_bin/initdb" -D "$dir/pg" -U postgres -E UTF8 --no-locale --auth-local=trust \
      --auth-host=scram-sha-256 >"$dir/pg-initdb.log" 2>&1 || die "initdb failed: $(tail -3 "$dir/pg-initdb.log")"
    cat >"$dir/pg/pg_hba.conf" <<HBA
local all all trust
local replication postgres trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
  fi
  say "starting PostgreSQL on 127.0.0.1:$pg_port"
  as_user postgres "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg-run/pg.log" -w -t 60 start \
    -o "-p $pg_port -k $dir/pg-run $(pg_options)" \
    >/dev/null || die "PostgreSQL did not start: $(tail -5 "$dir/pg-run/pg.log")"
  local psql=(psql -h "$dir/pg-run" -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -q)
  if ! as_user postgres "${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$user'" | grep -q 1; then
    as_user postgres "${psql[@]}" -c "CREATE ROLE $user LOGIN PASSWORD '$password'" >/dev/null
    as_user postgres "${psql[@]}" -c "CREATE DATABASE $database OWNER $user" >/dev/null
  fi
  # REPLICATION: the capture's logical mode reads a logical slot (no superuser needed).
  as_user postgres "${psql[@]}" -c "ALTER ROLE $user REPLICATION" >/dev/null
}

replica_running() { [[ -f "$dir/pg-replica/postmaster.pid" ]] && as_user postgres "$pg_bin/pg_ctl" -D "$dir/pg-replica" status >/dev/null 2>&1; }

# A hot standby of the cluster above: pg_basebackup -R (streaming replication over the socket).
start_replica() {
  if replica_running; then return; fi
  pg_running || die "PostgreSQL is not running"
  if ! grep -q '^local replication postgres trust' "$dir/pg/pg_hba.conf"; then  # a cluster made before this line
    echo 'local replication postgres trust' >>"$dir/pg/pg_hba.conf"
    as_user postgres "$pg_bin/pg_ctl" -D "$dir/pg" reload >/dev/null
  fi
  # The standby streams through a physical slot, which keeps the WAL it has not received yet.
  # Without one, the writes of a test while the standby reconnected (other tests restart the
  # primary) removed segments it still needed, and it stopped replaying for good ("requested WAL
  # segment … has already been removed"). A standby made before the slot is copied again.
  local slot=rex_test_replica
  if [[ -f "$dir/pg-replica/standby.signal" ]] && ! grep -qs "primary_slot_name" "$dir/pg-replica/postgresql.auto.conf"; then
    rm -f "$dir/pg-replica/standby.signal"
  fi
  if [[ ! -f "$dir/pg-replica/standby.signal" ]]; then
    say "copying PostgreSQL into $dir/pg-replica (pg_basebackup -R, slot $slot)"
    rm -rf "$dir/pg-replica"
    mkdir -p "$dir/pg-replica" "$dir/pg-replica-run"
    chmod 700 "$dir/pg-replica"
    chown postgres:postgres "$dir/pg-replica" "$dir/pg-replica-run" 2>/dev/null || true
    as_user postgres psql -h "$dir/pg-run" -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -qtAc \
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot'" >/dev/null
    as_user postgres "$pg_bin/pg_basebackup" -h "$dir/pg-run" -p "$pg_port" -U postgres -D "$dir/pg-replica" -R -X stream -c fast \
      -C -S "$slot" >"$dir/pg-replica-basebackup.log" 2>&1 || die "pg_basebackup failed: $(tail -3 "$dir/pg-replica-basebackup.log")"
  fi
  mkdir -p "$dir/pg-replica-run"
  chown postgres:postgres "$dir/pg-replica-run" 2>/dev/null || true
  say "starting the PostgreSQL replica on 127.0.0.1:$replica_port"
  as_user postgres "$pg_bin/pg_ctl" -D "$dir/pg-replica" -l "$dir/pg-replica-run/pg.log" -w -t 60 start \
    -o "-p $replica_port -k $dir/pg-replica-run -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off -c max_connections=200" \
    >/dev/null || die "the PostgreSQL replica did not start: $(tail -5 "$dir/pg-replica-run/pg.log")"
}

start_pgbouncer() {
  if [[ -f "$dir/pgbouncer.pid" ]] && kill -0 "$(cat "$dir/pgbouncer.pid")" 2>/dev/null; then return; fi
  command -v pgbouncer >/dev/null || [[ -x /usr/sbin/pgbouncer ]] || die "pgbouncer is not installed"
  say "starting PgBouncer (transaction pooling) on 127.0.0.1:$bouncer_port"
  mkdir -p "$dir/bouncer"
  echo "\"$user\" \"$password\"" >"$dir/bouncer/userlist.txt"
  cat >"$dir/bouncer/pgbouncer.ini" <<INI
[databases]
$database = host=127.0.0.1 port=$pg_port dbname=$database
; any other database of the same name (the Chinook copies of tools/chinook-db.sh)
* = host=127.0.0.1 port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/bouncer/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
pidfile = $dir/bouncer/pgbouncer.pid
logfile = $dir/bouncer/pgbouncer.log
ignore_startup_parameters = extra_float_digits
INI
  chown -R postgres:postgres "$dir/bouncer" 2>/dev/null || true
  as_user postgres /usr/sbin/pgbouncer -d -q "$dir/bouncer/pgbouncer.ini" || die "PgBouncer did not start"
  ln -sf "$dir/bouncer/pgbouncer.pid" "$dir/pgbouncer.pid"
  wait_for "PgBouncer" env PGPASSWORD="$password" psql -h 127.0.0.1 -p "$bouncer_port" -U "$user" -d "$database" -tAc "SELECT 1"
}

mysql_running() { [[ -S "$dir/mysql-run/mysql.sock" ]] && mariadb-admin --socket="$dir/mysql-run/mysql.sock" -u root ping >/dev/null 2>&1; }

start_mariadb() {
  if mysql_running; then return; fi
  command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || die "MariaDB is not installed (tools/install-deps.sh --test)"
  mkdir -p "$dir"
  if [[ ! -d "$dir/mysql/mysql" ]]; then
    say "initialising MariaDB in $dir/mysql"
    rm -rf "$dir/mysql"
    mkdir -p "$dir/mysql"
    chown mysql:mysql "$dir/mysql" 2>/dev/null || true
    mariadb-install-db --no-defaults --datadir="$dir/mysql" --user=mysql --auth-root-authentication-method=socket \
      --skip-test-db >"$dir/mysql-install.log" 2>&1 || die "mariadb-install-db failed: $(tail -3 "$dir/mysql-install.log")"
  fi
  say "starting MariaDB on 127.0.0.1:$mysql_port"
  mkdir -p "$dir/mysql-run"
  chown mysql:mysql "$dir/mysql-run" 2>/dev/null || true
  local run_as=() mysql_flush=0
  [[ "${REX_TEST_DURABLE:-0}" == 1 ]] && mysql_flush=1
  [[ $(id -u) -eq 0 ]] && run_as=(--user=mysql)
  setsid /usr/sbin/mariadbd --no-defaults --datadir="$dir/mysql" --port="$mysql_port" --bind-address=127.0.0.1 \
    --socket="$dir/mysql-run/mysql.sock" --pid-file="$dir/mysql-run/mysql.pid" --log-error="$dir/mysql-run/mysql.log" "${run_as[@]}" \
    --skip-log-bin "--innodb-flush-log-at-trx-commit=$mysql_flush" "--innodb-doublewrite=$mysql_flush" --innodb-buffer-pool-size=128M \
    --innodb-lock-wait-timeout=10 --max-connections=300 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci </dev/null >/dev/null 2>&1 &
  wait_for "MariaDB" mariadb-admin --socket="$dir/mysql-run/mysql.sock" -u root ping
  mariadb --socket="$dir/mysql-run/mysql.sock" -u root <<SQL
CREATE DATABASE IF NOT EXISTS $database CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$password';
GRANT ALL ON $database.* TO '$user'@'127.0.0.1';
GRANT ALL ON $database.* TO '$user'@'localhost';
SQL
}

stop_all() {
  if [[ -f "$dir/bouncer/pgbouncer.pid" ]]; then
    kill "$(cat "$dir/bouncer/pgbouncer.pid")" 2>/dev/null || true
  fi
  if [[ -f "$dir/pg-replica/postmaster.pid" ]]; then
    as_user postgres "$pg_bin/pg_ctl" -D "$dir/pg-replica" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [[ -f "$dir/pg/postmaster.pid" ]]; then
    as_user postgres "$pg_bin/pg_ctl" -D "$dir/pg" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [[ -S "$dir/mysql-run/mysql.sock" ]]; then
    mariadb-admin --socket="$dir/mysql-run/mysql.sock" -u root shutdown >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 40); do
    [[ -f "$dir/mysql-run/mysql.pid" ]] && kill -0 "$(cat "$dir/mysql-run/mysql.pid")" 2>/dev/null || break
    sleep 0.25
  done
  rm -rf "$dir"
}

case "${1:-}" in
  start)
    "$(dirname "$0")/install-deps.sh" --test
    start_postgres
    start_replica
    start_pgbouncer
    start_mariadb
    say "ready"
    print_env
    ;;
  env) print_env ;;
  restart-postgres)
    pg_running || die "PostgreSQL is not running"
    say "restarting PostgreSQL"
    as_user postgres "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg-run/pg.log" -m fast -w -t 60 restart \
      -o "-p $pg_port -k $dir/pg-run $(pg_options)" \
      >/dev/null
    ;;
  restart-mysql)
    mysql_running || die "MariaDB is not running"
    say "restarting MariaDB"
    pid=$(cat "$dir/mysql-run/mysql.pid")
    mariadb-admin --socket="$dir/mysql-run/mysql.sock" -u root shutdown >/dev/null 2>&1 || true
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    start_mariadb
    ;;
  start-replica) start_replica; print_env ;;
  stop) stop_all ;;
  *) echo "usage: $0 start|env|start-replica|restart-postgres|restart-mysql|stop" >&2; exit 2 ;;
esac

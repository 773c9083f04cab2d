#!/usr/bin/env bash
# Loads the Chinook sample (../shared/data/chinook, read from there, never copied) into a SQLite
# file and into a database of its own on the throwaway PostgreSQL and MariaDB of
# tools/test-servers.sh, and prints the URLs as export lines:
#
#   eval "$(tools/test-servers.sh start)"
#   eval "$(tools/chinook-db.sh [--fresh] [--name NAME] [--sqlite-file FILE] [sqlite|postgres|mysql|all]...)"
#
# exports REX_CHINOOK_SQLITE_URL, REX_CHINOOK_POSTGRES_URL, REX_CHINOOK_MYSQL_URL. A database that
# already holds the full Chinook is kept unless --fresh (a copy changed by a benchmark's inserts is
# reloaded: the check counts rows of three tables). The server databases are created with the admin
# sockets of tools/test-servers.sh (REX_TEST_SERVERS_DIR) and owned by the URL's user; an engine
# whose URL (REX_TEST_POSTGRES_URL, REX_TEST_MYSQL_URL) is unset is skipped with a message, or is an
# error when REX_REQUIRE_SERVERS=1. Progress goes to stderr; stdout carries only the export lines.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# Beside the clone (../shared), or beside a worktree's parent folder.
data=${REX_CHINOOK_DIR:-}
if [[ -z $data ]]; then
  data=$root/../shared/data/chinook
  [[ -d $data || ! -d $root/../../shared/data/chinook ]] || data=$root/../../shared/data/chinook
fi
servers_dir=${REX_TEST_SERVERS_DIR:-/tmp/rex-test-servers}
name=chinook
fresh=0
sqlite_file=
engines=()

say() { echo "chinook-db: $*" >&2; }
die() { say "error: $*"; exit 1; }

while (($#)); do
  case "$1" in
    --fresh) fresh=1 ;;
    --name) name=$2; shift ;;
    --sqlite-file) sqlite_file=$2; shift ;;
    sqlite | postgres | mysql) engines+=("$1") ;;
    all) engines+=(sqlite postgres mysql) ;;
    -h | --help) sed -n '2,15p' "$0" >&2; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
((${#engines[@]})) || engines=(sqlite postgres mysql)
[[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || die "--name '$name' must be a lower-case SQL identifier"
[[ -d $data ]] || die "the Chinook data is missing: $data does not exist (set REX_CHINOOK_DIR)"
[[ -n $sqlite_file ]] || sqlite_file=${TMPDIR:-/tmp}/rex-$name.db

# The scripts create and switch to a database of their own; the copies load where they are told.
script_body() {
  grep -v -E '^(DROP DATABASE|CREATE DATABASE|USE |\\c )' "$data/$1"
}

# Rows of Track, Album and Artist; the original holds 3503, 347 and 275.
full_counts="3503 347 275"

# postgres://user:password@host:port/db -> the fields of the URL, for the clients.
parse_url() {
  [[ $1 =~ ^[a-z]+://([^:@/]+):([^@/]*)@([^:/]+):([0-9]+)/([^?]+) ]] || die "cannot read the URL '${1%%@*}@…'"
  url_user=${BASH_REMATCH[1]} url_password=${BASH_REMATCH[2]} url_host=${BASH_REMATCH[3]} url_port=${BASH_REMATCH[4]}
}

server_url() {
  local variable=$1 engine=$2
  if [[ -z ${!variable:-} ]]; then
    [[ ${REX_REQUIRE_SERVERS:-} == 1 ]] && die "$variable is not set but REX_REQUIRE_SERVERS=1"
    say "Chinook on $engine skipped: $variable is not set (eval \"\$(tools/test-servers.sh start)\")"
    return 1
  fi
}

as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

load_sqlite() {
  local url="sqlite:$sqlite_file"
  if [[ $fresh == 0 && -f $sqlite_file ]] &&
    [[ $(sqlite3 "$sqlite_file" "SELECT (SELECT count(*) FROM Track) || ' ' || (SELECT count(*) FROM Album) || ' ' || (SELECT count(*) FROM Artist)" 2>/dev/null) == "$full_counts" ]]; then
    say "SQLite Chinook kept: $sqlite_file"
  else
    command -v sqlite3 >/dev/null || die "the sqlite3 shell is not installed (apt-get install sqlite3)"
    say "loading Chinook into $sqlite_file"
    rm -f "$sqlite_file" "$sqlite_file-wal" "$sqlite_file-shm" "$sqlite_file-journal"
    # The script inserts children before their parents, which SQLite allows with foreign keys off
    # (the shell's default); one transaction makes the load take a second, not a minute.
    { echo "PRAGMA synchronous=OFF; BEGIN;"; script_body Chinook_Sqlite.sql; echo "COMMIT;"; } | sqlite3 -bail "$sqlite_file" >/dev/null
  fi
  echo "export REX_CHINOOK_SQLITE_URL=$url"
}

load_postgres() {
  server_url REX_TEST_POSTGRES_URL PostgreSQL || return 0
  parse_url "$REX_TEST_POSTGRES_URL"
  local url="postgres://$url_user:$url_password@$url_host:$url_port/$name"
  local admin=(psql -h "$servers_dir/pg-run" -p "$url_port" -U postgres -v ON_ERROR_STOP=1 -qtA -d postgres)
  local user=(env PGPASSWORD="$url_password" psql -h "$url_host" -p "$url_port" -U "$url_user" -v ON_ERROR_STOP=1 -qtA -d "$name")
  [[ -S $servers_dir/pg-run/.s.PGSQL.$url_port ]] || die "no PostgreSQL admin socket in $servers_dir/pg-run (servers of tools/test-servers.sh, REX_TEST_SERVERS_DIR)"
  if [[ $fresh == 0 ]] &&
    [[ $("${user[@]}" -c "SELECT (SELECT count(*) FROM track) || ' ' || (SELECT count(*) FROM album) || ' ' || (SELECT count(*) FROM artist)" 2>/dev/null) == "$full_counts" ]]; then
    say "PostgreSQL Chinook kept: database $name"
  else
    say "loading Chinook into PostgreSQL database $name"
    as_postgres "${admin[@]}" -c "SET client_min_messages = error" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name OWNER $url_user" >/dev/null
    { echo "SET client_min_messages = error; BEGIN;"; script_body Chinook_PostgreSql.sql; echo "COMMIT; ANALYZE;"; } | "${user[@]}" >/dev/null
  fi
  echo "export REX_CHINOOK_POSTGRES_URL=$url"
}

load_mysql() {
  server_url REX_TEST_MYSQL_URL MariaDB || return 0
  parse_url "$REX_TEST_MYSQL_URL"
  local url="mysql://$url_user:$url_password@$url_host:$url_port/$name"
  local socket=$servers_dir/mysql-run/mysql.sock
  local user=(env MYSQL_PWD="$url_password" mariadb -h "$url_host" -P "$url_port" -u "$url_user" -N -B "$name")
  [[ -S $socket ]] || die "no MariaDB admin socket at $socket (servers of tools/test-servers.sh, REX_TEST_SERVERS_DIR)"
  if [[ $fresh == 0 ]] &&
    [[ $("${user[@]}" -e "SELECT CONCAT((SELECT count(*) FROM Track), ' ', (SELECT count(*) FROM Album), ' ', (SELECT count(*) FROM Artist))" 2>/dev/null) == "$full_counts" ]]; then
    say "MariaDB Chinook kept: database $name"
  else
    say "loading Chinook into MariaDB database $name"
    mariadb --socket="$socket" -u root <<SQL
DROP DATABASE IF EXISTS $name;
CREATE DATABASE $name CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL ON $name.* TO '$url_user'@'127.0.0.1';
GRANT ALL ON $name.* TO '$url_user'@'localhost';
SQL
    { echo "SET autocommit=0;"; script_body Chinook_MySql.sql; echo "COMMIT;"; } | "${user[@]}" >/dev/null
  fi
  echo "export REX_CHINOOK_MYSQL_URL=$url"
}

for engine in "${engines[@]}"; do
  case "$engine" in
    sqlite) load_sqlite ;;
    postgres) load_postgres ;;
    mysql) load_mysql ;;
  esac
done

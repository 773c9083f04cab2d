#include "pg_capture.hpp"

#include "pg_change_feed.hpp"
#include "pg_logical_capture.hpp"

#include <rex/sdk/adapter.hpp>
#include <rex/sdk/error.hpp>

#include <algorithm>

namespace rex::postgres {

namespace {

constexpr std::string_view channel = "rex_changes";

// The log: rex_changes holds the rows, rex_capture_tx one row per committed capturing
// transaction with its commit sequence number, written by the commit trigger.
constexpr std::string_view schema_sql = R"SQL(
CREATE TABLE IF NOT EXISTS rex_capture_tx (
  xid xid8 PRIMARY KEY,
  seq bigint UNIQUE,
  committed_at timestamptz);
CREATE SEQUENCE IF NOT EXISTS rex_capture_seq;
CREATE TABLE IF NOT EXISTS rex_changes (
  id bigserial PRIMARY KEY,
  xid xid8 NOT NULL,
  table_name text NOT NULL,
  op char(1) NOT NULL,
  key json,
  old_row json,
  new_row json);
CREATE TABLE IF NOT EXISTS rex_capture_meta (id int PRIMARY KEY, pruned_through bigint NOT NULL);
-- Locked in the order the log's writers lock it (the logical feeder's store: meta, changes, tx;
-- a trigger-mode commit: changes, tx), so a set-up beside them waits its turn: taken statement
-- by statement below, the index's lock on rex_changes came before meta's, and an install beside
-- a busy feeder deadlocked.
LOCK TABLE rex_capture_meta IN ACCESS EXCLUSIVE MODE;
LOCK TABLE rex_changes, rex_capture_tx IN SHARE ROW EXCLUSIVE MODE;
CREATE INDEX IF NOT EXISTS rex_changes_xid ON rex_changes (xid);
INSERT INTO rex_capture_meta VALUES (1, 0) ON CONFLICT DO NOTHING;
-- The logical mode's state (pg_logical_capture.cpp): the mode, its slot, the WAL position fed.
ALTER TABLE rex_capture_meta ADD COLUMN IF NOT EXISTS mode text NOT NULL DEFAULT 'triggers',
  ADD COLUMN IF NOT EXISTS slot text, ADD COLUMN IF NOT EXISTS fed_lsn pg_lsn NOT NULL DEFAULT '0/0';
CREATE OR REPLACE FUNCTION rex_capture_row() RETURNS trigger LANGUAGE plpgsql AS $rex$
DECLARE
  n json;
  o json;
  k json;
BEGIN
  IF TG_OP <> 'DELETE' THEN n := row_to_json(NEW); END IF;
  IF TG_OP <> 'INSERT' THEN o := row_to_json(OLD); END IF;
  -- The trigger's arguments name the primary key columns.
  IF TG_NARGS = 1 THEN
    k := json_build_object(TG_ARGV[0], coalesce(n, o) -> TG_ARGV[0]);
  ELSIF TG_NARGS > 1 THEN
    SELECT json_object_agg(c, coalesce(n, o) -> c) INTO k FROM unnest(TG_ARGV) AS c;
  ELSE
    k := '{}';
  END IF;
  INSERT INTO rex_changes (xid, table_name, op, key, old_row, new_row)
  VALUES (pg_current_xact_id(), TG_TABLE_NAME, left(TG_OP, 1), k, o, n);
  RETURN NULL;
END $rex$;
-- Deferred to commit, queued by every logged row; the first of a transaction does the work (a
-- transaction-local setting marks it done). The advisory lock is held until the commit has
-- become visible, so the next transaction is numbered only after this one is seen: numbers are
-- in commit order and a reader that sees number n sees every number below it. A transaction
-- takes one number per change (a block of the sequence; only this function, under the lock,
-- moves it) and its position is the last of them: change k of a transaction of n changes at
-- position p is number p - n + k, the same for every reader.
CREATE OR REPLACE FUNCTION rex_capture_commit() RETURNS trigger LANGUAGE plpgsql AS $rex$
DECLARE
  n bigint;
  last bigint;
BEGIN
  IF current_setting('rex.capture_stamped', true) IS NOT DISTINCT FROM NEW.xid::text THEN RETURN NULL; END IF;
  PERFORM set_config('rex.capture_stamped', NEW.xid::text, true);
  PERFORM pg_advisory_xact_lock(5928174405);
  -- Counted by the xid index. (pg_stat_get_xact_tuples_inserted would save the lookup, but on
  -- PostgreSQL 15 it includes earlier transactions' unflushed counts: numbers would jump.)
  SELECT count(*) INTO n FROM rex_changes WHERE xid = NEW.xid;
  last := nextval('rex_capture_seq') + n - 1;
  IF n > 1 THEN PERFORM setval('rex_capture_seq', last); END IF;
  INSERT INTO rex_capture_tx (xid, seq, committed_at) VALUES (NEW.xid, last, clock_timestamp());
  PERFORM pg_notify('rex_changes', '');
  RETURN NULL;
END $rex$;
DROP TRIGGER IF EXISTS rex_capture_commit ON rex_capture_tx;
DROP TRIGGER IF EXISTS rex_capture_commit ON rex_changes;
-- The logical mode's feeder logs under xids from 2^62 and numbers its batches itself.
CREATE CONSTRAINT TRIGGER rex_capture_commit AFTER INSERT ON rex_changes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.xid < '4611686018427387904'::xid8)
  EXECUTE FUNCTION rex_capture_commit();
)SQL";

std::vector<std::string> primary_key(Connection& c, const std::string& table) {
    const auto rs = c.execute(
        "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
        {Value(quote_identifier(table))});
    std::vector<std::string> out;
    for (const auto& row : rs.rows) out.push_back(row[0].as_text());
    return out;
}

bool log_exists(Connection& c) {
    return !c.execute("SELECT to_regclass('rex_capture_tx')::text").rows.at(0).at(0).is_null();
}

}  // namespace

void PgCapture::install(Connection& c, const std::vector<std::string>& tables) {
    for (const auto& t : tables) require_identifier(t, "table");
    c.execute_script(schema_sql);
    const bool logical_mode = logical::current_mode(c) == "logical";
    for (const auto& t : tables) {
        if (c.execute("SELECT to_regclass($1)::text", {Value(quote_identifier(t))}).rows.at(0).at(0).is_null())
            raise({ErrorCategory::not_found, "capture: no table '" + t + "' in this database", {}, {}});
        if (logical_mode) {
            logical::add_table(c, t);
            continue;
        }
        std::string args;
        for (const auto& k : primary_key(c, t)) args += (args.empty() ? "" : ", ") + quote_literal(k);
        const auto q = quote_identifier(t);
        c.execute_script("DROP TRIGGER IF EXISTS rex_capture ON " + q + ";\nCREATE TRIGGER rex_capture AFTER INSERT OR UPDATE OR DELETE ON " + q +
                         " FOR EACH ROW EXECUTE FUNCTION rex_capture_row(" + args + ")");
    }
}

void PgCapture::uninstall(Connection& c, const std::vector<std::string>& tables) {
    for (const auto& t : tables) require_identifier(t, "table");
    auto targets = tables;
    if (targets.empty()) targets = status(c).tables;
    for (const auto& t : targets) {
        c.execute_script("DROP TRIGGER IF EXISTS rex_capture ON " + quote_identifier(t));
        logical::remove_table(c, t);
    }
    if (tables.empty()) {
        logical::disable(c);
        c.execute_script("DROP TABLE IF EXISTS rex_changes, rex_capture_tx, rex_capture_meta, rex_capture_tables; DROP SEQUENCE IF EXISTS rex_capture_seq; "
                         "DROP FUNCTION IF EXISTS rex_capture_row(); DROP FUNCTION IF EXISTS rex_capture_commit(); "
                         "DROP FUNCTION IF EXISTS rex_capture_feed(int); DROP FUNCTION IF EXISTS rex_capture_store(jsonb); DROP FUNCTION IF EXISTS rex_capture_decoded_row(text, text, jsonb)");
    }
}

CaptureStatus PgCapture::status(Connection& c) {
    CaptureStatus s;
    for (const auto& row : c.execute("SELECT c.relname::text FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
                                     "WHERE g.tgname = 'rex_capture' AND pg_table_is_visible(c.oid) ORDER BY 1")
                               .rows)
        s.tables.push_back(row[0].as_text());
    for (auto& t : logical::tables(c)) s.tables.push_back(std::move(t));
    std::sort(s.tables.begin(), s.tables.end());
    s.installed = log_exists(c);
    if (!s.installed) return s;
    s.mode = logical::current_mode(c);
    const auto rs = c.execute(
        "SELECT (SELECT min(seq) FROM rex_capture_tx), (SELECT max(seq) FROM rex_capture_tx), "
        "(SELECT count(*) FROM rex_changes), (SELECT pruned_through FROM rex_capture_meta WHERE id = 1)");
    read_capture_counts(rs, s);
    return s;
}

std::vector<CaptureBatch> PgCapture::read(Connection& c, std::int64_t after, std::size_t max_batches) {
    // One statement, one snapshot: the transactions numbered after `after` and all their rows.
    const auto rs = c.execute(
        "WITH t AS (SELECT seq, xid, committed_at FROM rex_capture_tx WHERE seq > $1::bigint ORDER BY seq LIMIT $2::bigint) "
        "SELECT t.seq, t.committed_at, c.table_name, c.op::text, c.key::text, c.old_row::text, c.new_row::text "
        "FROM t JOIN rex_changes c ON c.xid = t.xid ORDER BY t.seq, c.id",
        {Value(after), Value(static_cast<std::int64_t>(max_batches))});
    return capture_batches(rs);
}

bool PgCapture::wait(Connection& c, std::int64_t after, std::chrono::milliseconds timeout) {
    auto* feed = c.change_feed();
    if (feed) feed->listen(channel);  // before the check, so a commit after it still wakes us
    const auto rs = c.execute("SELECT EXISTS (SELECT 1 FROM rex_capture_tx WHERE seq > $1::bigint), "
                              "(SELECT to_jsonb(m)->>'mode' FROM rex_capture_meta AS m WHERE id = 1)",
                              {Value(after)});
    if (rs.rows.at(0).at(0).as_bool()) return true;
    if (!rs.rows[0][1].is_null() && rs.rows[0][1].as_text() == "logical") {
        if (feed) feed->poll(std::chrono::milliseconds(0));  // the feeder's own NOTIFYs: drop them
        if (const auto fed = logical::feed(c, timeout)) return *fed;
    }
    if (!feed) return false;
    return !feed->poll(timeout).empty();
}

void PgCapture::set_mode(Connection& c, std::string_view mode) {
    if (mode != "triggers" && mode != "logical")
        raise({ErrorCategory::configuration, "capture: the mode is 'triggers' or 'logical', not '" + std::string(mode) + "'", {}, {}});
    c.execute_script(schema_sql);
    if (mode == "logical") {
        logical::enable(c, status(c).tables);
        return;
    }
    const auto moved = logical::disable(c);
    if (!moved.empty()) install(c, moved);
}

std::int64_t PgCapture::prune(Connection& c, const CaptureRetention& retention) {
    std::int64_t cut = 0;
    if (retention.max_batches) {
        cut = first_integer(c.execute("SELECT seq FROM rex_capture_tx WHERE seq IS NOT NULL ORDER BY seq DESC OFFSET $1::bigint LIMIT 1",
                                  {Value(*retention.max_batches)}));
    }
    if (retention.max_age) {
        const auto rs = c.execute("SELECT max(seq) FROM rex_capture_tx WHERE committed_at < now() - $1::bigint * interval '1 second'",
                                  {Value(static_cast<std::int64_t>(retention.max_age->count()))});
        cut = std::max(cut, first_integer(rs));
    }
    if (cut == 0) return 0;
    // Old rows only, in chunks of short transactions: writers insert new rows and never wait.
    std::int64_t pruned = 0;
    while (true) {
        c.begin();
        try {
            const auto rs = c.execute(
                "WITH t AS (DELETE FROM rex_capture_tx WHERE xid IN (SELECT xid FROM rex_capture_tx WHERE seq <= $1::bigint LIMIT 5000) "
                "RETURNING xid), d AS (DELETE FROM rex_changes WHERE xid IN (SELECT xid FROM t)) SELECT count(*) FROM t",
                {Value(cut)});
            c.execute("UPDATE rex_capture_meta SET pruned_through = greatest(pruned_through, $1::bigint) WHERE id = 1", {Value(cut)});
            c.commit();
            const auto n = rs.rows.at(0).at(0).as_int64();
            pruned += n;
            if (n < 5000) return pruned;
        } catch (...) {
            if (c.in_transaction()) c.rollback();
            throw;
        }
    }
}

}  // namespace rex::postgres

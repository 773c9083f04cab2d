#include "pg_logical_capture.hpp"

#include "pg_change_feed.hpp"

#include <rex/sdk/capture.hpp>
#include <rex/sdk/error.hpp>

#include <algorithm>
#include <thread>

namespace rex::postgres::logical {

namespace {

// The slot's name: slots are the server's, not the database's, so it names the database.
constexpr std::string_view slot_sql = "'rex_capture_' || substr(md5(current_database()), 1, 16)";

// Feeder rows carry xid8 values from 2^62 up (the batch's number plus that), far above real
// transaction ids, so the commit trigger (WHEN below 2^62) does not number them a second time.
// rex_capture_decoded_row turns wal2json's columns into the row row_to_json gives the triggers
// (the same JSON for every type): wal2json writes bytea as bare hex and json as text; numbers
// come as JSON numbers that jsonb keeps exact (but NaN and infinities as null: wal2json 2.5).
constexpr std::string_view functions_sql = R"SQL(
CREATE TABLE IF NOT EXISTS rex_capture_tables (table_name text PRIMARY KEY);
CREATE OR REPLACE FUNCTION rex_capture_decoded_row(sch text, tab text, cols jsonb) RETURNS json LANGUAGE plpgsql AS $rex$
DECLARE
  o jsonb;
  r json;
BEGIN
  IF cols IS NULL THEN RETURN NULL; END IF;
  SELECT jsonb_object_agg(c->>'name', CASE
           WHEN jsonb_typeof(c->'value') IS DISTINCT FROM 'string' THEN c->'value'
           WHEN c->>'type' = 'bytea' THEN to_jsonb('\x' || (c->>'value'))
           WHEN c->>'type' IN ('json', 'jsonb') THEN (c->>'value')::jsonb
           ELSE c->'value' END)
    INTO o FROM jsonb_array_elements(cols) AS c;
  EXECUTE format('SELECT row_to_json(jsonb_populate_record(NULL::%I.%I, $1))', sch, tab) INTO r USING o;
  RETURN r;
END $rex$;
-- One feed: the committed transactions the slot holds (up to about max_changes changes), each
-- appended to the log as one batch numbered like the commit trigger numbers (under its lock, a
-- block of rex_capture_seq). The slot is confirmed only up to what a committed feed recorded
-- (fed_lsn, at the start of the next feed), so a feed that fails or a server that crashes
-- loses nothing, and transactions at or below fed_lsn are skipped, so none is logged twice.
CREATE OR REPLACE FUNCTION rex_capture_feed(max_changes int) RETURNS bigint LANGUAGE plpgsql AS $rex$
DECLARE
  s text;
  done pg_lsn;
  filter text;
  r record;
  d jsonb;
  pending jsonb[] := '{}';
  p jsonb;
  last_commit pg_lsn;
  fed bigint := 0;
  n bigint;
  last bigint;
  x xid8;
  o json;
  nw json;
  k json;
BEGIN
  SELECT slot, fed_lsn INTO s, done FROM rex_capture_meta WHERE id = 1;
  IF s IS NULL THEN RAISE EXCEPTION 'capture: no logical slot (run rex realtime enable --mode logical)'; END IF;
  IF done > (SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = s) THEN
    PERFORM pg_replication_slot_advance(s, done);
  END IF;
  SELECT coalesce(string_agg('*.' || regexp_replace(table_name, '([,.*\\ ])', '\\\1', 'g'), ','), 'rex_capture_none.rex_capture_none')
    INTO filter FROM rex_capture_tables;
  FOR r IN SELECT c.lsn, c.data::jsonb AS d FROM pg_logical_slot_peek_changes(s, NULL, max_changes,
      'format-version', '2', 'include-timestamp', '1', 'include-pk', '1', 'add-tables', filter) AS c LOOP
    d := r.d;
    CASE d->>'action'
    WHEN 'B' THEN
      pending := '{}';
    WHEN 'I', 'U', 'D' THEN
      nw := rex_capture_decoded_row(d->>'schema', d->>'table', d->'columns');
      o := rex_capture_decoded_row(d->>'schema', d->>'table', d->'identity');
      SELECT coalesce(json_object_agg(pk.name, coalesce(nw, o) -> pk.name), '{}') INTO k
        FROM (SELECT e->>'name' AS name FROM jsonb_array_elements(d->'pk') AS e) AS pk;
      -- Rows as row_to_json's text (->> of a JSON null is NULL).
      pending := pending || jsonb_build_object('t', d->>'table', 'o', d->>'action', 'k', k::text, 'old', o::text, 'new', nw::text);
    WHEN 'C' THEN
      IF r.lsn > done AND cardinality(pending) > 0 THEN
        IF fed = 0 THEN PERFORM pg_advisory_xact_lock(5928174405); END IF;
        n := cardinality(pending);
        last := nextval('rex_capture_seq') + n - 1;
        IF n > 1 THEN PERFORM setval('rex_capture_seq', last); END IF;
        x := (last + 4611686018427387904)::text::xid8;
        FOREACH p IN ARRAY pending LOOP
          INSERT INTO rex_changes (xid, table_name, op, key, old_row, new_row)
          VALUES (x, p->>'t', p->>'o', (p->>'k')::json, (p->>'old')::json, (p->>'new')::json);
        END LOOP;
        INSERT INTO rex_capture_tx (xid, seq, committed_at) VALUES (x, last, (d->>'timestamp')::timestamptz);
        fed := fed + 1;
      END IF;
      last_commit := r.lsn;
      pending := '{}';
    ELSE
      NULL;  -- truncate, messages: not captured
    END CASE;
  END LOOP;
  IF fed > 0 THEN
    UPDATE rex_capture_meta SET fed_lsn = last_commit WHERE id = 1;
    PERFORM pg_notify('rex_changes', '');
  ELSIF last_commit > (SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = s) THEN
    -- Only transactions that touched no captured table (the feeder's own among them): confirm now.
    PERFORM pg_replication_slot_advance(s, last_commit);
  END IF;
  RETURN fed;
END $rex$;
)SQL";

bool meta_exists(Connection& c) {
    return !c.execute("SELECT to_regclass('rex_capture_meta')::text").rows.at(0).at(0).is_null();
}

}  // namespace

std::string current_mode(Connection& c) {
    if (!meta_exists(c)) return "triggers";
    const auto rs = c.execute("SELECT to_jsonb(m)->>'mode' FROM rex_capture_meta AS m WHERE id = 1");
    if (rs.rows.empty() || rs.rows[0][0].is_null()) return "triggers";
    return rs.rows[0][0].as_text();
}

void enable(Connection& c, const std::vector<std::string>& tables) {
    const auto level = c.execute("SELECT current_setting('wal_level')").rows.at(0).at(0).as_text();
    if (level != "logical")
        raise({ErrorCategory::configuration,
               "capture: the logical mode needs wal_level=logical (this server has '" + level +
                   "'); set it in postgresql.conf and restart PostgreSQL, or keep the trigger mode",
               {}, {}});
    if (!c.execute("SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user").rows.at(0).at(0).as_bool())
        raise({ErrorCategory::configuration,
               "capture: the logical mode needs the REPLICATION attribute (ALTER ROLE … REPLICATION) or superuser; "
               "without them (managed databases) keep the trigger mode",
               {}, {}});
    c.execute_script(functions_sql);
    c.execute("SELECT pg_create_logical_replication_slot(s, 'wal2json') FROM (SELECT " + std::string(slot_sql) +
              " AS s) AS x WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = x.s)");
    // One transaction: each table's ALTER waits for its writers, so every transaction that wrote
    // through a trigger committed below the WAL position recorded here, and the feeder skips it.
    c.begin();
    try {
        for (const auto& t : tables) add_table(c, t);
        c.execute("UPDATE rex_capture_meta SET fed_lsn = pg_current_wal_insert_lsn() WHERE id = 1 AND mode <> 'logical'");
        c.execute("UPDATE rex_capture_meta SET mode = 'logical', slot = " + std::string(slot_sql) + " WHERE id = 1");
        c.commit();
    } catch (...) {
        if (c.in_transaction()) c.rollback();
        throw;
    }
}

std::vector<std::string> disable(Connection& c) {
    if (current_mode(c) != "logical") return {};
    auto moved = tables(c);
    for (const auto& t : moved) remove_table(c, t);
    c.execute("UPDATE rex_capture_meta SET mode = 'triggers' WHERE id = 1");
    // A feeder may hold the slot for a moment: retry briefly.
    for (int attempt = 0;; ++attempt) {
        try {
            c.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = " + std::string(slot_sql));
            break;
        } catch (const Error&) {
            if (attempt == 100) throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    c.execute("UPDATE rex_capture_meta SET slot = NULL WHERE id = 1");
    return moved;
}

void add_table(Connection& c, const std::string& table) {
    const auto q = quote_identifier(table);
    // One script, literals quoted: a migration records it as it is. FULL: updates and deletes
    // carry the whole old row, as the triggers log it.
    c.execute_script("INSERT INTO rex_capture_tables VALUES (" + quote_literal(table) + ") ON CONFLICT DO NOTHING;\nALTER TABLE " + q +
                     " REPLICA IDENTITY FULL;\nDROP TRIGGER IF EXISTS rex_capture ON " + q);
}

void remove_table(Connection& c, const std::string& table) {
    // Not by what is captured now: a migration's down is written before its up runs.
    if (current_mode(c) != "logical") {
        if (!tables(c).empty()) c.execute_script("DELETE FROM rex_capture_tables WHERE table_name = " + quote_literal(table));
        return;
    }
    std::string script = "DELETE FROM rex_capture_tables WHERE table_name = " + quote_literal(table);
    if (!c.execute("SELECT to_regclass($1)::text", {Value(quote_identifier(table))}).rows.at(0).at(0).is_null())
        script += ";\nALTER TABLE " + quote_identifier(table) + " REPLICA IDENTITY DEFAULT";
    c.execute_script(script);
}

std::vector<std::string> tables(Connection& c) {
    std::vector<std::string> out;
    if (c.execute("SELECT to_regclass('rex_capture_tables')::text").rows.at(0).at(0).is_null()) return out;
    for (const auto& row : c.execute("SELECT table_name FROM rex_capture_tables ORDER BY 1").rows) out.push_back(row[0].as_text());
    return out;
}

std::optional<bool> feed(Connection& c, std::chrono::milliseconds timeout) {
    // A session lock (per database): held while this session lives, so when the feeder's host or
    // connection dies the next reader to ask takes over.
    const auto held = c.execute(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
        "AND classid = 5928 AND objid = 174406 AND objsubid = 2 AND granted) THEN true ELSE pg_try_advisory_lock(5928, 174406) END");
    if (!held.rows.at(0).at(0).as_bool()) return std::nullopt;
    // Decoding reads flushed WAL only: peek when the flush position moved (a cheap probe), with
    // a pause of 1 ms growing to 8 ms while nothing moves.
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    auto pause = std::chrono::milliseconds(1);
    std::string seen;
    while (true) {
        auto flushed = c.execute("SELECT pg_current_wal_flush_lsn()::text").rows.at(0).at(0).as_text();
        if (flushed != seen) {
            seen = std::move(flushed);
            if (first_integer(c.execute("SELECT rex_capture_feed($1::int)", {Value(std::int64_t{4096})})) > 0) return true;
            pause = std::chrono::milliseconds(1);
        }
        const auto now = Clock::now();
        if (now >= deadline) return false;
        std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
        pause = std::min(pause * 2, std::chrono::milliseconds(8));
    }
}

}  // namespace rex::postgres::logical

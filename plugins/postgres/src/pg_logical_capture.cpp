#include "pg_logical_capture.hpp"

#include "pg_change_feed.hpp"
#include "pg_logical_stream.hpp"

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
  -- A table dropped since it was written (decoding reads the WAL's catalog, the store today's):
  -- the columns as decoded, rather than a store that fails for ever.
  IF to_regclass(format('%I.%I', sch, tab)) IS NULL THEN RETURN o::json; END IF;
  EXECUTE format('SELECT row_to_json(jsonb_populate_record(NULL::%I.%I, $1))', sch, tab) INTO r USING o;
  RETURN r;
END $rex$;
-- One store: committed transactions the feeder received from the slot's stream, as
-- [{"lsn", "commit": wal2json's C, "changes": [its I/U/D]}], each appended to the log as one
-- batch numbered like the commit trigger numbers (under its lock, a block of rex_capture_seq).
-- fed_lsn records the last commit stored, in the same transaction: the stream is confirmed to
-- the server only after this commits, and transactions at or below fed_lsn are skipped, so a
-- feeder that dies or a server that crashes loses nothing and logs nothing twice.
CREATE OR REPLACE FUNCTION rex_capture_store(txs jsonb) RETURNS bigint LANGUAGE plpgsql AS $rex$
DECLARE
  done pg_lsn;
  t jsonb;
  d jsonb;
  at pg_lsn;
  last_commit pg_lsn;
  fed bigint := 0;
  n bigint;
  last bigint;
  x xid8;
  o json;
  nw json;
  k json;
BEGIN
  SELECT fed_lsn INTO done FROM rex_capture_meta WHERE id = 1 FOR UPDATE;
  FOR t IN SELECT e FROM jsonb_array_elements(txs) AS e LOOP
    at := (t->>'lsn')::pg_lsn;
    CONTINUE WHEN at <= done;
    IF fed = 0 THEN PERFORM pg_advisory_xact_lock(5928174405); END IF;
    n := jsonb_array_length(t->'changes');
    last := nextval('rex_capture_seq') + n - 1;
    IF n > 1 THEN PERFORM setval('rex_capture_seq', last); END IF;
    x := (last + 4611686018427387904)::text::xid8;
    FOR d IN SELECT e FROM jsonb_array_elements(t->'changes') AS e LOOP
      nw := rex_capture_decoded_row(d->>'schema', d->>'table', d->'columns');
      o := rex_capture_decoded_row(d->>'schema', d->>'table', d->'identity');
      SELECT coalesce(json_object_agg(pk.name, coalesce(nw, o) -> pk.name), '{}') INTO k
        FROM (SELECT e->>'name' AS name FROM jsonb_array_elements(d->'pk') AS e) AS pk;
      INSERT INTO rex_changes (xid, table_name, op, key, old_row, new_row) VALUES (x, d->>'table', d->>'action', k, o, nw);
    END LOOP;
    INSERT INTO rex_capture_tx (xid, seq, committed_at) VALUES (x, last, (t->'commit'->>'timestamp')::timestamptz);
    fed := fed + 1;
    last_commit := at;
  END LOOP;
  IF fed > 0 THEN
    UPDATE rex_capture_meta SET fed_lsn = last_commit WHERE id = 1;
    PERFORM pg_notify('rex_changes', '');
  END IF;
  RETURN fed;
END $rex$;
DROP FUNCTION IF EXISTS rex_capture_feed(int);
)SQL";

// Captured tables dropped since (by the application, psql, a migration): their rows in
// rex_capture_tables are forgotten, so enabling again does not fail on an ALTER of a table that
// is gone, and a table created later under the same name is not captured unasked.
void forget_dropped_tables(Connection& c) {
    c.execute("DELETE FROM rex_capture_tables WHERE to_regclass(quote_ident(table_name)) IS NULL");
}

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
    forget_dropped_tables(c);
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
    forget_dropped_tables(c);
    auto moved = tables(c);
    for (const auto& t : moved) remove_table(c, t);
    c.execute("UPDATE rex_capture_meta SET mode = 'triggers' WHERE id = 1");
    // The feeder streams the slot: end its stream (it stops with an error and, seeing the mode,
    // does not start again), retrying while it lets go.
    for (int attempt = 0;; ++attempt) {
        try {
            c.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE active AND slot_name = " + std::string(slot_sql));
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
    for (const auto& row : c.execute("SELECT table_name FROM rex_capture_tables WHERE to_regclass(quote_ident(table_name)) IS NOT NULL ORDER BY 1").rows)
        out.push_back(row[0].as_text());
    return out;
}

namespace {

// Opens the slot's stream for this session, the feeder: from the last commit stored (fed_lsn)
// or, when the stream restarts for a new table filter, from the last commit it received.
std::unique_ptr<LogicalStream> open_stream(Connection& c, PGconn* session, Lsn received) {
    if (c.execute("SELECT to_regprocedure('rex_capture_store(jsonb)')::text").rows.at(0).at(0).is_null())
        c.execute_script(functions_sql);  // a log enabled by an older Rex
    // wal2json's add-tables: "*.name" for each captured table, with , . * \ and space escaped.
    constexpr std::string_view filter =
        R"SQL((SELECT coalesce(string_agg('*.' || regexp_replace(table_name, '([,.*\\ ])', '\\\1', 'g'), ','), '') FROM rex_capture_tables))SQL";
    const auto rs = c.execute("SELECT m.slot, m.fed_lsn::text, " + std::string(filter) +
                              ", s.active_pid, s.confirmed_flush_lsn::text FROM rex_capture_meta AS m "
                              "LEFT JOIN pg_replication_slots AS s ON s.slot_name = m.slot WHERE m.id = 1");
    const auto& row = rs.rows.at(0);
    if (row.at(0).is_null()) raise({ErrorCategory::configuration, "capture: no logical slot (run rex realtime enable --mode logical)", {}, {}});
    // The server starts at its confirmed position when asked for less; confirming less later
    // would move the slot back (PostgreSQL 15 lets it).
    const Lsn confirmed = row[4].is_null() ? 0 : parse_lsn(row[4].as_text());
    StreamStart start{row[0].as_text(), std::max({parse_lsn(row[1].as_text()), received, confirmed}), row[2].as_text()};
    if (!row[3].is_null()) {
        // Another session streams the slot: a feeder whose session (and lock) ended, or this
        // session's stream closed a moment ago. This session holds the lock: end it, and wait
        // until the server has let the slot go.
        c.execute("SELECT pg_terminate_backend($1::int)", {row[3]});
        for (int i = 0; i < 200; ++i) {
            if (!c.execute("SELECT active FROM pg_replication_slots WHERE slot_name = $1", {Value(start.slot)}).rows.at(0).at(0).as_bool()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    return std::make_unique<LogicalStream>(session, start);
}

// One store transaction for what the stream gave; the number of batches appended.
std::int64_t store(Connection& c, const std::vector<DecodedTransaction>& transactions) {
    std::string json = "[";
    for (const auto& t : transactions) {
        if (json.size() > 1) json += ',';
        json += t.json;
    }
    json += ']';
    return first_integer(c.execute("SELECT rex_capture_store($1::jsonb)", {Value(std::move(json))}));
}

}  // namespace

std::optional<bool> feed(Connection& c, std::chrono::milliseconds timeout) {
    auto* session = dynamic_cast<PgChangeFeed*>(c.change_feed());
    if (!session) raise({ErrorCategory::internal, "capture: the logical mode needs a PostgreSQL connection of rex-postgres", {}, {}});
    auto& stream = session->logical_stream();
    // A session lock (per database): held while this session lives, so when the feeder's host or
    // connection dies the next reader to ask takes over. A session with a stream holds it.
    if (!stream) {
        const auto held = c.execute(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
            "AND classid = 5928 AND objid = 174406 AND objsubid = 2 AND granted) THEN true ELSE pg_try_advisory_lock(5928, 174406) END");
        if (!held.rows.at(0).at(0).as_bool()) return std::nullopt;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Lsn received = 0;
    try {
        while (true) {
            if (!stream) stream = open_stream(c, session->session(), received);
            auto got = stream->receive(session->session(), deadline, 4096);
            const auto fed = got.transactions.empty() ? 0 : store(c, got.transactions);
            // Stored (committed) or nothing to store: now the server may move the slot on.
            if (!got.transactions.empty() || got.tables_changed) stream->confirm();
            if (got.tables_changed) {
                received = stream->received_through();
                stream.reset();
            }
            if (fed > 0) return true;
            if (got.transactions.empty() && !got.tables_changed && std::chrono::steady_clock::now() >= deadline) return false;
        }
    } catch (...) {
        stream.reset();  // opened again at the next turn, from what the log has stored
        throw;
    }
}

}  // namespace rex::postgres::logical

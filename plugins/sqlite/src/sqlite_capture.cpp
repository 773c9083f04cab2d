#include "sqlite_capture.hpp"

#include "sqlite_connection.hpp"

#include <rex/sdk/adapter.hpp>
#include <rex/sdk/error.hpp>

#include <algorithm>
#include <thread>

namespace rex::sqlite {

namespace {

// The log's id is a plain INTEGER PRIMARY KEY (the rowid), not AUTOINCREMENT: a new row takes
// max(id) + 1 under the write lock, which is commit order too, and a commit writes no
// sqlite_sequence page (a fourth of a captured single-row commit's pages). Since an emptied log
// would restart at 1, prune() always keeps the newest row.
constexpr std::string_view log_columns = R"SQL(
  id INTEGER PRIMARY KEY,
  table_name TEXT NOT NULL,
  op TEXT NOT NULL,
  key TEXT,
  old_row TEXT,
  new_row TEXT,
  committed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))SQL";

constexpr std::string_view meta_sql = R"SQL(
CREATE TABLE IF NOT EXISTS rex_capture_meta (id INTEGER PRIMARY KEY, pruned_through INTEGER NOT NULL);
INSERT OR IGNORE INTO rex_capture_meta VALUES (1, 0);
)SQL";

constexpr std::string_view log_copy = "id, table_name, op, key, old_row, new_row, committed_at";

// Creates the log, or rebuilds one made by an earlier Rex with AUTOINCREMENT, keeping its rows
// and ids. An empty one stays as it is (it numbers on from sqlite_sequence, which a rowid log
// would lose); the next install after a write converts it.
void create_log(Connection& c) {
    const auto old = c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rex_changes' AND sql LIKE '%AUTOINCREMENT%'");
    if (old.rows.empty() || c.execute("SELECT 1 FROM rex_changes LIMIT 1").rows.empty()) {
        c.execute_script("CREATE TABLE IF NOT EXISTS rex_changes (" + std::string(log_columns) + ")");
    } else {
        // Copied twice rather than renamed: renaming checks the capture triggers, which name
        // rex_changes, while it does not exist. A savepoint: inside a migration's transaction too;
        // a write landing meanwhile makes the drop fail (busy snapshot), never lose rows.
        const auto copy = std::string(log_copy);
        c.execute_script("SAVEPOINT rex_log");
        try {
            c.execute_script("CREATE TEMP TABLE rex_changes_old AS SELECT " + copy + " FROM main.rex_changes; "
                             "DROP TABLE main.rex_changes; CREATE TABLE main.rex_changes (" + std::string(log_columns) + "); "
                             "INSERT INTO main.rex_changes SELECT " + copy + " FROM temp.rex_changes_old; DROP TABLE temp.rex_changes_old");
        } catch (...) {
            c.execute_script("ROLLBACK TO rex_log; RELEASE rex_log");
            throw;
        }
        c.execute_script("RELEASE rex_log");
    }
    c.execute_script(meta_sql);
}

std::string quote(std::string_view identifier) {
    std::string out = "\"";
    for (char c : identifier) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

struct ColumnInfo {
    std::string name;
    bool primary = false;
};

std::vector<ColumnInfo> columns_of(Connection& c, const std::string& table) {
    std::vector<ColumnInfo> out;
    for (const auto& r : c.execute("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", {Value(table)}).rows)
        out.push_back({r[0].as_text(), r[1].as_int64() > 0});
    return out;
}

// json_object() refuses blobs: bytes go as Rex's "\x..." hex text. It writes reals with 15
// digits, which loses some (a DECIMAL column holds a REAL): they go with 16, as a JSON number
// (json() of the text), but for infinities, which JSON cannot hold.
std::string json_object(std::string_view alias, const std::vector<ColumnInfo>& cols, bool key_only) {
    std::string out = "json_object(";
    bool first = true;
    for (const auto& col : cols) {
        if (key_only && !col.primary) continue;
        const auto ref = std::string(alias) + "." + quote(col.name);
        out += (first ? "'" : ", '") + col.name + "', CASE typeof(" + ref + ") WHEN 'blob' THEN '\\x' || lower(hex(" + ref + ")) WHEN 'real' THEN iif(abs(" + ref +
               ") <= 1.7976931348623157e308, json(printf('%.17g', " + ref + ")), " + ref + ") ELSE " + ref + " END";
        first = false;
    }
    return out + ")";
}

std::string trigger_name(const std::string& table, std::string_view suffix) { return "rex_capture_" + table + "_" + std::string(suffix); }

void drop_triggers(Connection& c, const std::string& table) {
    for (const auto* suffix : {"ai", "au", "ad"}) c.execute_script("DROP TRIGGER IF EXISTS " + quote(trigger_name(table, suffix)));
}

std::int64_t data_version(Connection& c) { return c.execute("PRAGMA data_version").rows.at(0).at(0).as_int64(); }

}  // namespace

void SqliteCapture::install(Connection& c, const std::vector<std::string>& tables) {
    for (const auto& t : tables) require_identifier(t, "table");
    create_log(c);
    for (const auto& t : tables) {
        const auto cols = columns_of(c, t);
        if (cols.empty()) raise({ErrorCategory::not_found, "capture: no table '" + t + "' in this database", {}, {}});
        const auto log = [&](std::string_view op, std::string_view key_alias, const std::string& old_row, const std::string& new_row) {
            return " FOR EACH ROW BEGIN INSERT INTO rex_changes (table_name, op, key, old_row, new_row) VALUES ('" + t + "', '" +
                   std::string(op) + "', " + json_object(key_alias, cols, true) + ", " + old_row + ", " + new_row + "); END";
        };
        const auto q = quote(t);
        drop_triggers(c, t);
        c.execute_script("CREATE TRIGGER " + quote(trigger_name(t, "ai")) + " AFTER INSERT ON " + q +
                         log("I", "NEW", "NULL", json_object("NEW", cols, false)));
        c.execute_script("CREATE TRIGGER " + quote(trigger_name(t, "au")) + " AFTER UPDATE ON " + q +
                         log("U", "NEW", json_object("OLD", cols, false), json_object("NEW", cols, false)));
        c.execute_script("CREATE TRIGGER " + quote(trigger_name(t, "ad")) + " AFTER DELETE ON " + q +
                         log("D", "OLD", json_object("OLD", cols, false), "NULL"));
    }
}

void SqliteCapture::uninstall(Connection& c, const std::vector<std::string>& tables) {
    for (const auto& t : tables) require_identifier(t, "table");
    auto targets = tables;
    if (targets.empty()) targets = status(c).tables;
    for (const auto& t : targets) drop_triggers(c, t);
    if (tables.empty()) c.execute_script("DROP TABLE IF EXISTS rex_changes; DROP TABLE IF EXISTS rex_capture_meta");
}

CaptureStatus SqliteCapture::status(Connection& c) {
    CaptureStatus s;
    for (const auto& r : c.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rex\\_capture\\_%' ESCAPE '\\' "
                                   "ORDER BY 1")
                             .rows)
        s.tables.push_back(r[0].as_text());
    s.installed = !c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rex_capture_meta'").rows.empty();
    if (!s.installed) return s;
    read_change_log_counts(c, s);
    return s;
}

std::vector<CaptureBatch> SqliteCapture::read(Connection& c, std::int64_t after, std::size_t max_batches) {
    return read_change_log(c, after, max_batches);
}

bool SqliteCapture::wait(Connection& c, std::int64_t after, std::chrono::milliseconds timeout) {
    // This process's commits to the file signal the connection's CommitSignal (WAL hook, after
    // the commit is visible): the wait ends at once. Other processes' are seen by polling
    // data_version, which is local (no I/O beyond the shared-memory index), from 1 ms backing off
    // to capture_poll (10 ms); the log is read only when either moved.
    auto* connection = dynamic_cast<SqliteConnection*>(&c);
    auto* signal = connection ? connection->commit_signal() : nullptr;
    const auto longest = std::chrono::milliseconds(connection ? connection->capture_poll_ms() : 10);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto signalled = signal ? signal->generation() : 0;  // taken before the probe: no commit falls between
    auto seen = data_version(c);
    const auto logged = [&] { return !c.execute("SELECT 1 FROM rex_changes WHERE id > ? LIMIT 1", {Value(after)}).rows.empty(); };
    if (logged()) return true;
    auto pause = std::chrono::milliseconds(1);
    while (true) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        const auto until = std::min<std::chrono::steady_clock::time_point>(now + pause, deadline);
        if (signal) {
            if (const auto g = signal->wait(signalled, until); g != signalled) {
                signalled = g;
                if (logged()) return true;
                // A commit to a table not captured: the next probe no sooner than 1 ms on, so a
                // busy writer of other tables costs this reader at most a thousand probes a second
                // (commits meanwhile are not missed: they moved the generation).
                std::this_thread::sleep_until(std::min(std::chrono::steady_clock::now() + std::chrono::milliseconds(1), deadline));
                continue;
            }
        } else {
            std::this_thread::sleep_until(until);
        }
        pause = std::min(pause * 2, longest);
        if (const auto v = data_version(c); v != seen) {
            seen = v;
            if (logged()) return true;
        }
    }
}

std::int64_t SqliteCapture::prune(Connection& c, const CaptureRetention& retention) {
    std::int64_t cut = 0;
    if (retention.max_batches) {
        cut = first_integer(c.execute("SELECT id FROM rex_changes ORDER BY id DESC LIMIT 1 OFFSET ?", {Value(*retention.max_batches)}));
    }
    if (retention.max_age) {
        const auto rs = c.execute("SELECT max(id) FROM rex_changes WHERE committed_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)",
                                  {Value("-" + std::to_string(retention.max_age->count()) + " seconds")});
        cut = std::max(cut, first_integer(rs));
    }
    // The newest row stays: an empty log would number on from 1 (see log_columns).
    cut = std::min(cut, first_integer(c.execute("SELECT max(id) FROM rex_changes")) - 1);
    if (cut <= 0) return 0;
    // One writer at a time: short chunks, so a writer waits at most one chunk (busy timeout).
    std::int64_t pruned = 0;
    c.execute("UPDATE rex_capture_meta SET pruned_through = max(pruned_through, ?) WHERE id = 1", {Value(cut)});
    while (true) {
        const auto n = c.execute("DELETE FROM rex_changes WHERE id IN (SELECT id FROM rex_changes WHERE id <= ? ORDER BY id LIMIT 2000)",
                                 {Value(cut)})
                           .affected_rows;
        pruned += n;
        if (n < 2000) return pruned;
    }
}

}  // namespace rex::sqlite

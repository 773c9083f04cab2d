#include "mysql_capture.hpp"

#include <rex/sdk/adapter.hpp>
#include <rex/sdk/error.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

namespace rex::mysql {

namespace {

constexpr std::string_view schema_sql = R"SQL(
CREATE TABLE IF NOT EXISTS rex_changes (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  table_name VARCHAR(64) NOT NULL,
  op CHAR(1) NOT NULL,
  `key` LONGTEXT,
  old_row LONGTEXT,
  new_row LONGTEXT,
  committed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS rex_capture_clock (id INT PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB;
INSERT IGNORE INTO rex_capture_clock VALUES (1, 0);
CREATE TABLE IF NOT EXISTS rex_capture_meta (id INT PRIMARY KEY, pruned_through BIGINT NOT NULL) ENGINE=InnoDB;
INSERT IGNORE INTO rex_capture_meta VALUES (1, 0)
)SQL";

// The log has no index on committed_at: every captured write paid for it, and pruning by age
// finds its cut by walking the log from its oldest row instead (the rows it walks are the ones
// it deletes). Logs made by an earlier Rex lose it on install.
void drop_time_index(Connection& c) {
    if (!c.execute("SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'rex_changes' "
                   "AND INDEX_NAME = 'rex_changes_at' LIMIT 1")
             .rows.empty())
        c.execute_script("ALTER TABLE rex_changes DROP INDEX rex_changes_at");
}

constexpr std::string_view trigger_prefix = "rexc_";

std::string quote(std::string_view identifier) {
    std::string out = "`";
    for (char c : identifier) {
        if (c == '`') out += '`';
        out += c;
    }
    return out + '`';
}

// Identifiers are checked plain (require_identifier), so they are safe inside '...' and JSON paths.
std::string literal(std::string_view text) { return "'" + std::string(text) + "'"; }

struct ColumnInfo {
    std::string name;
    bool binary = false;
    bool primary = false;
};

struct ForeignKey {
    std::string child;
    std::vector<std::string> child_columns;
    std::vector<std::string> parent_columns;
    std::string delete_rule;  // CASCADE, SET NULL, RESTRICT, NO ACTION
    std::string update_rule;
};

struct Schema {
    std::map<std::string, std::vector<ColumnInfo>> columns;
    std::map<std::string, std::vector<ForeignKey>> children;  // by parent table
};

Schema read_schema(Connection& c) {
    Schema s;
    for (const auto& r : c.execute("SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_KEY FROM information_schema.COLUMNS "
                                   "WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION")
                             .rows) {
        const auto& type = r[2].as_text();
        const bool binary = type.find("blob") != std::string::npos || type.find("binary") != std::string::npos;
        s.columns[r[0].as_text()].push_back({r[1].as_text(), binary, r[3].as_text() == "PRI"});
    }
    std::map<std::string, ForeignKey> by_name;  // constraint names are unique per child table
    for (const auto& r : c.execute("SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, "
                                   "k.REFERENCED_COLUMN_NAME, rc.DELETE_RULE, rc.UPDATE_RULE "
                                   "FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS rc "
                                   "ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
                                   "AND rc.TABLE_NAME = k.TABLE_NAME "
                                   "WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL "
                                   "ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION")
                             .rows) {
        auto& fk = by_name[r[0].as_text() + "\n" + r[1].as_text() + "\n" + r[3].as_text()];
        fk.child = r[0].as_text();
        fk.child_columns.push_back(r[2].as_text());
        fk.parent_columns.push_back(r[4].as_text());
        fk.delete_rule = r[5].as_text();
        fk.update_rule = r[6].as_text();
    }
    for (auto& [name, fk] : by_name) s.children[name.substr(name.rfind('\n') + 1)].push_back(fk);
    return s;
}

// A column of `alias` as a JSON value: bytes as Rex's "\x..." hex text (JSON has no bytes).
std::string json_value(const std::string& alias, const ColumnInfo& col) {
    const auto ref = alias + "." + quote(col.name);
    return col.binary ? "CONCAT(CHAR(92), 'x', LOWER(HEX(" + ref + ")))" : ref;
}

std::string json_object(const std::string& alias, const std::vector<ColumnInfo>& cols, bool key_only) {
    std::string out = "JSON_OBJECT(";
    bool first = true;
    for (const auto& col : cols) {
        if (key_only && !col.primary) continue;
        out += (first ? "" : ", ") + literal(col.name) + ", " + json_value(alias, col);
        first = false;
    }
    return out + ")";
}

std::string join_condition(const std::string& child_alias, const std::string& parent_alias, const ForeignKey& fk) {
    std::string out;
    for (std::size_t i = 0; i < fk.child_columns.size(); ++i)
        out += (i ? " AND " : "") + child_alias + "." + quote(fk.child_columns[i]) + " = " + parent_alias + "." + quote(fk.parent_columns[i]);
    return out;
}

// The statement logging the rows reached through `path` (from the trigger's table, OLD, down
// foreign keys): deleted rows, or for a last edge that sets null (or cascades an update),
// updated rows with their new foreign-key values.
std::string cascade_statement(const Schema& s, const std::vector<const ForeignKey*>& path, bool update, bool set_null) {
    const auto& last = *path.back();
    const auto& cols = s.columns.at(last.child);
    const auto alias = "x" + std::to_string(path.size());
    std::string from = " FROM " + quote(last.child) + " " + alias;
    for (std::size_t i = path.size() - 1; i > 0; --i)
        from += " JOIN " + quote(path[i - 1]->child) + " x" + std::to_string(i) + " ON " +
                join_condition("x" + std::to_string(i + 1), "x" + std::to_string(i), *path[i]);
    const auto where = " WHERE " + join_condition("x1", "OLD", *path[0]);
    const auto row = json_object(alias, cols, false);
    std::string sql = "INSERT INTO rex_changes (table_name, op, `key`, old_row, new_row) SELECT " + literal(last.child) + ", ";
    if (!update && !set_null) return sql + "'D', " + json_object(alias, cols, true) + ", " + row + ", NULL" + from + where + ";\n";
    std::string changed = "JSON_SET(" + row;
    for (std::size_t i = 0; i < last.child_columns.size(); ++i)
        changed += ", '$." + last.child_columns[i] + "', " + (set_null ? std::string("NULL") : "NEW." + quote(last.parent_columns[i]));
    return sql + "'U', " + json_object(alias, cols, true) + ", " + row + ", " + changed + ")" + from + where + ";\n";
}

// Delete cascades to any depth (a cycle is followed once); SET NULL ends a path.
void delete_cascades(const Schema& s, const std::set<std::string>& captured, std::vector<const ForeignKey*>& path,
                     std::set<std::string>& visiting, const std::string& table, std::string& out) {
    const auto it = s.children.find(table);
    if (it == s.children.end() || path.size() >= 16) return;
    for (const auto& fk : it->second) {
        const bool cascade = fk.delete_rule == "CASCADE", set_null = fk.delete_rule == "SET NULL";
        if (!cascade && !set_null) continue;
        path.push_back(&fk);
        if (captured.contains(fk.child) && s.columns.contains(fk.child)) out += cascade_statement(s, path, false, set_null);
        if (cascade && !visiting.contains(fk.child)) {
            visiting.insert(fk.child);
            delete_cascades(s, captured, path, visiting, fk.child, out);
            visiting.erase(fk.child);
        }
        path.pop_back();
    }
}

std::string trigger_name(const std::string& table, std::string_view suffix) {
    return std::string(trigger_prefix) + table.substr(0, 64 - trigger_prefix.size() - 3) + "_" + std::string(suffix);
}

const std::string lock_clock = "DECLARE rex_clock BIGINT;\nSELECT n INTO rex_clock FROM rex_capture_clock WHERE id = 1 FOR UPDATE;\n";

std::string trigger(const std::string& table, std::string_view suffix, std::string_view timing, const std::string& body) {
    return "CREATE TRIGGER " + quote(trigger_name(table, suffix)) + " " + std::string(timing) + " ON " + quote(table) +
           " FOR EACH ROW BEGIN\n" + lock_clock + body + "END";
}

std::vector<std::string> trigger_statements(const Schema& s, const std::set<std::string>& captured, const std::string& t) {
    const auto& cols = s.columns.at(t);
    const auto log = [&](std::string_view op, const std::string& key_alias, const std::string& old_row, const std::string& new_row) {
        return "INSERT INTO rex_changes (table_name, op, `key`, old_row, new_row) VALUES (" + literal(t) + ", '" + std::string(op) + "', " +
               json_object(key_alias, cols, true) + ", " + old_row + ", " + new_row + ");\n";
    };
    std::vector<std::string> out;
    out.push_back(trigger(t, "ai", "AFTER INSERT", log("I", "NEW", "NULL", json_object("NEW", cols, false))));
    out.push_back(trigger(t, "au", "AFTER UPDATE", log("U", "NEW", json_object("OLD", cols, false), json_object("NEW", cols, false))));
    out.push_back(trigger(t, "ad", "AFTER DELETE", log("D", "OLD", json_object("OLD", cols, false), "NULL")));
    std::string cascades;
    std::vector<const ForeignKey*> path;
    std::set<std::string> visiting{t};
    delete_cascades(s, captured, path, visiting, t, cascades);
    if (!cascades.empty()) out.push_back(trigger(t, "bd", "BEFORE DELETE", cascades));
    // Update cascades one level deep: the children whose foreign key follows the parent's key.
    std::string updates;
    if (const auto it = s.children.find(t); it != s.children.end())
        for (const auto& fk : it->second) {
            const bool cascade = fk.update_rule == "CASCADE", set_null = fk.update_rule == "SET NULL";
            if ((!cascade && !set_null) || !captured.contains(fk.child) || !s.columns.contains(fk.child)) continue;
            std::string changed;
            for (const auto& p : fk.parent_columns) changed += (changed.empty() ? "" : " OR ") + ("NOT (OLD." + quote(p) + " <=> NEW." + quote(p) + ")");
            updates += "IF " + changed + " THEN\n" + cascade_statement(s, {&fk}, true, set_null) + "END IF;\n";
        }
    if (!updates.empty()) out.push_back(trigger(t, "bu", "BEFORE UPDATE", updates));
    return out;
}

void drop_triggers(Connection& c, const std::string& table) {
    for (const auto* suffix : {"ai", "au", "ad", "bd", "bu"}) c.execute_script("DROP TRIGGER IF EXISTS " + quote(trigger_name(table, suffix)));
}

std::vector<std::string> captured_tables(Connection& c) {
    std::vector<std::string> out;
    for (const auto& r : c.execute("SELECT DISTINCT EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS "
                                   "WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE 'rexc\\_%' ORDER BY 1")
                             .rows)
        out.push_back(r[0].as_text());
    return out;
}

// (Re)creates the triggers of every captured table: a parent's cascade logging depends on
// which children are captured. Tables already captured are being written meanwhile, so no
// trigger may be missing for a moment: a write in that gap would never be logged. MariaDB
// swaps each one in a single CREATE OR REPLACE TRIGGER, under the table's metadata lock, so
// writers wait instead; MySQL has no such statement, and there the gap remains (docs/realtime.md).
void write_triggers(Connection& c, const std::set<std::string>& captured) {
    const auto schema = read_schema(c);
    const bool replace = c.server_version().find("MariaDB") != std::string::npos;
    for (const auto& t : captured) {
        if (!schema.columns.contains(t)) raise({ErrorCategory::not_found, "capture: no table '" + t + "' in this database", {}, {}});
        const auto statements = trigger_statements(schema, captured, t);
        if (!replace) {
            drop_triggers(c, t);
            for (const auto& sql : statements) c.execute_script(sql);
            continue;
        }
        for (const auto& sql : statements) c.execute_script("CREATE OR REPLACE" + sql.substr(std::string_view("CREATE").size()));
        // Cascade triggers this table no longer needs (a captured child was removed).
        for (const auto* suffix : {"bd", "bu"}) {
            const auto name = quote(trigger_name(t, suffix));
            if (std::none_of(statements.begin(), statements.end(), [&](const std::string& sql) { return sql.find(name) != std::string::npos; }))
                c.execute_script("DROP TRIGGER IF EXISTS " + name);
        }
    }
}

}  // namespace

void MysqlCapture::install(Connection& c, const std::vector<std::string>& tables) {
    for (const auto& t : tables) require_identifier(t, "table");
    c.execute_script(schema_sql);
    drop_time_index(c);
    std::set<std::string> captured(tables.begin(), tables.end());
    for (auto& t : captured_tables(c)) captured.insert(t);
    write_triggers(c, captured);
}

void MysqlCapture::uninstall(Connection& c, const std::vector<std::string>& tables) {
    for (const auto& t : tables) require_identifier(t, "table");
    const auto current = captured_tables(c);
    std::set<std::string> keep;
    for (const auto& t : current)
        if (tables.empty() || std::find(tables.begin(), tables.end(), t) != tables.end())
            drop_triggers(c, t);
        else
            keep.insert(t);
    // Named tables lose their triggers even when none are seen now: a migration's down step is
    // written before its up step has run (rex realtime enable --migration).
    for (const auto& t : tables)
        if (std::find(current.begin(), current.end(), t) == current.end()) drop_triggers(c, t);
    if (!keep.empty()) write_triggers(c, keep);
    if (tables.empty()) c.execute_script("DROP TABLE IF EXISTS rex_changes, rex_capture_clock, rex_capture_meta");
}

CaptureStatus MysqlCapture::status(Connection& c) {
    CaptureStatus s;
    s.tables = captured_tables(c);
    s.installed = !c.execute("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'rex_capture_meta'")
                       .rows.empty();
    if (!s.installed) return s;
    read_change_log_counts(c, s);
    return s;
}

std::vector<CaptureBatch> MysqlCapture::read(Connection& c, std::int64_t after, std::size_t max_batches) {
    return read_change_log(c, after, max_batches);
}

bool MysqlCapture::wait(Connection& c, std::int64_t after, std::chrono::milliseconds timeout) {
    // A cheap indexed probe, backing off from 1 ms to 10 ms while nothing comes.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::milliseconds(1);
    while (true) {
        if (!c.execute("SELECT id FROM rex_changes WHERE id > ? ORDER BY id LIMIT 1", {Value(after)}).rows.empty()) return true;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
        pause = std::min(pause * 2, std::chrono::milliseconds(10));
    }
}

std::int64_t MysqlCapture::prune(Connection& c, const CaptureRetention& retention) {
    std::int64_t cut = 0;
    if (retention.max_batches) {
        cut = first_integer(c.execute("SELECT id FROM rex_changes ORDER BY id DESC LIMIT 1 OFFSET ?", {Value(*retention.max_batches)}));
    }
    if (retention.max_age) {
        // The rows before the first one young enough (ids follow commits, so times nearly do).
        const Params age{Value(static_cast<std::int64_t>(retention.max_age->count()))};
        const auto young = c.execute("SELECT id FROM rex_changes WHERE committed_at >= NOW(6) - INTERVAL ? SECOND ORDER BY id LIMIT 1", age);
        cut = std::max(cut, young.rows.empty() ? first_integer(c.execute("SELECT MAX(id) FROM rex_changes")) : first_integer(young) - 1);
    }
    if (cut == 0) return 0;
    c.execute("UPDATE rex_capture_meta SET pruned_through = GREATEST(pruned_through, ?) WHERE id = 1", {Value(cut)});
    // Short autocommitted chunks at READ COMMITTED, which takes no gap locks: writers appending
    // new rows never wait for the pruner.
    std::int64_t pruned = 0;
    while (true) {
        c.execute_script("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
        const auto n = c.execute("DELETE FROM rex_changes WHERE id <= ? ORDER BY id LIMIT 5000", {Value(cut)}).affected_rows;
        pruned += n;
        if (n < 5000) return pruned;
    }
}

}  // namespace rex::mysql

// The migration runner. Runners serialise on a database lock (PostgreSQL advisory lock, MySQL
// GET_LOCK) or, where there is none (SQLite), on one write-exclusive transaction, and read the
// history only once they hold it, so no migration is applied twice.
#include "../introspection_values.hpp"
#include "../printable.hpp"

#include <rex/migrate.hpp>
#include <rex/sdk/error.hpp>

#include <algorithm>
#include <map>
#include <thread>

namespace rex {

std::string_view to_string(MigrationState state) noexcept {
    switch (state) {
        case MigrationState::applied: return "applied";
        case MigrationState::pending: return "pending";
        case MigrationState::changed: return "changed";
        case MigrationState::partial: return "partial";
        case MigrationState::missing: return "missing";
    }
    return "?";
}

namespace {

struct HistoryRow {
    std::string checksum;
    Timestamp applied_at;
    int statements_done = 0;
    bool complete = true;
};

Timestamp now() {
    return Timestamp{
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count()};
}

// The statement's first line for a message, control characters shown (printable.hpp).
std::string first_line(const std::string& sql) {
    const auto end = sql.find('\n');
    const auto line = sql.substr(0, std::min<std::size_t>(end, 80));
    return printable(line) + (line.size() < sql.size() ? " ..." : "");
}

}  // namespace

struct MigrationRunner::State {
    Kernel* kernel;
    std::string url;
    std::vector<Migration> migrations;
    MigrationOptions options;
    std::shared_ptr<Dialect> dialect;
    std::shared_ptr<Connection> connection;
    bool exclusive_transaction = false;  // holding the lock as a transaction (SQLite)

    void say(const std::string& line) const {
        if (options.progress) options.progress(line);
    }
    std::string table() const { return dialect->quote_identifier(options.history_table); }
    std::string p(std::size_t i) const { return dialect->placeholder(i); }

    void connect() {
        if (connection) return;
        connection = kernel->connect(url);
        dialect = kernel->dialect(connection->dialect());
    }

    void ensure_history() {
        const auto& d = *dialect;
        connection->execute("CREATE TABLE IF NOT EXISTS " + table() + " (" + d.quote_identifier("id") + " " +
                            d.column_type({LogicalType::string, 255}) + " PRIMARY KEY, " + d.quote_identifier("checksum") + " " +
                            d.column_type({LogicalType::string, 64}) + " NOT NULL, " + d.quote_identifier("applied_at") + " " +
                            d.column_type(LogicalType::timestamp) + " NOT NULL, " + d.quote_identifier("statements_done") + " " +
                            d.column_type(LogicalType::int32) + " NOT NULL, " + d.quote_identifier("complete") + " " +
                            d.column_type(LogicalType::boolean) + " NOT NULL)");
    }

    std::map<std::string, HistoryRow> history() {
        std::map<std::string, HistoryRow> rows;
        const auto result = connection->execute("SELECT id, checksum, applied_at, statements_done, complete FROM " + table());
        for (const auto& r : result.rows) {
            HistoryRow h;
            h.checksum = r[1].to_display();
            if (const auto* t = r[2].get_if<Timestamp>()) h.applied_at = *t;
            h.statements_done = static_cast<int>(r[3].as_int64());
            h.complete = truthy(r[4]);
            rows.emplace(r[0].to_display(), h);
        }
        return rows;
    }

    // Takes the runners' lock; the history is read only after this.
    void lock() {
        const auto deadline = std::chrono::steady_clock::now() + options.lock_timeout;
        const auto try_lock = dialect->try_lock_sql();
        bool told = false;
        for (;;) {
            try {
                if (!try_lock.empty()) {
                    if (truthy(connection->execute(try_lock, {Value(options.history_table)}).rows.at(0).at(0))) return;
                } else {
                    connection->begin({IsolationLevel::serializable});  // SQLite: BEGIN IMMEDIATE
                    exclusive_transaction = true;
                    return;
                }
            } catch (const TimeoutError&) {
                // SQLite: another runner holds the write lock past the busy timeout.
            }
            if (std::chrono::steady_clock::now() >= deadline)
                raise({ErrorCategory::timeout,
                       "another migration runner held the lock for more than " + std::to_string(options.lock_timeout.count()) + " ms",
                       {}, {}});
            if (!told) say("waiting for another migration runner to finish");
            told = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }

    void unlock(bool commit) noexcept {
        try {
            if (exclusive_transaction) {
                exclusive_transaction = false;
                if (commit)
                    connection->commit();
                else
                    connection->rollback();
            } else if (!dialect->unlock_sql().empty()) {
                connection->execute(dialect->unlock_sql(), {Value(options.history_table)});
            }
        } catch (...) {
            connection.reset();  // closing the connection releases whatever it held
        }
    }

    // Runs f while holding the lock, with the history table in place.
    template <class F>
    auto locked(F&& f) {
        connect();
        lock();
        try {
            ensure_history();  // under the lock: two runners never race to create it
            auto result = f();
            unlock(true);
            return result;
        } catch (...) {
            unlock(true);  // what completed before the failure is kept
            throw;
        }
    }

    // A transaction per migration: a real one, or a savepoint inside the exclusive transaction.
    void open_scope() {
        if (exclusive_transaction)
            connection->savepoint("rex_migration");
        else if (dialect->features().transactional_ddl)
            connection->begin();
    }
    void close_scope(bool ok) {
        if (exclusive_transaction) {
            if (ok)
                connection->release_savepoint("rex_migration");
            else
                connection->rollback_to_savepoint("rex_migration");
        } else if (dialect->features().transactional_ddl) {
            if (ok)
                connection->commit();
            else
                connection->rollback();
        }
    }
    bool atomic() const { return exclusive_transaction || dialect->features().transactional_ddl; }

    void record(const Migration& m, int done, bool complete, bool exists) {
        if (exists) {
            // The checksum too: a partial migration resumes from its fixed file.
            connection->execute("UPDATE " + table() + " SET statements_done = " + p(1) + ", complete = " + p(2) + ", applied_at = " +
                                    p(3) + ", checksum = " + p(4) + " WHERE id = " + p(5),
                                {Value(done), Value(complete), Value(now()), Value(m.checksum), Value(m.id)});
        } else {
            connection->execute("INSERT INTO " + table() + " (id, checksum, applied_at, statements_done, complete) VALUES (" + p(1) +
                                    ", " + p(2) + ", " + p(3) + ", " + p(4) + ", " + p(5) + ")",
                                {Value(m.id), Value(m.checksum), Value(now()), Value(done), Value(complete)});
        }
    }

    [[noreturn]] void fail(const Migration& m, const std::string& direction, std::size_t index, std::size_t total,
                           const ScriptStatement* statement, const Error& e, std::size_t kept) const {
        std::string where = "migration " + m.id + " (" + direction + ") failed";
        if (statement)
            where += " at statement " + std::to_string(index + 1) + " of " + std::to_string(total) + " (" +
                     (m.source.empty() ? std::string("line ") : (m.source / (direction + ".sql")).string() + ":") +
                     std::to_string(statement->line) + ": " + first_line(statement->sql) + ")";
        where += ": " + e.message();
        if (atomic())
            where += "; it was rolled back, the database is as it was before it";
        else if (kept > 0)
            where += "; statements 1-" + std::to_string(kept) + " stay applied (" + std::string(dialect->name()) +
                     " commits DDL at once); fix the migration and run up again to resume at statement " + std::to_string(kept + 1);
        else
            where += "; nothing of it was applied";
        raise({e.category(), where, e.native_code(), e.sql()});
    }

    void apply(const Migration& m, const HistoryRow* partial) {
        if (m.up_code) {
            say("applying " + m.id + " (code)");
            open_scope();
            try {
                m.up_code(*connection);
                record(m, 1, true, partial != nullptr);
            } catch (const Error& e) {
                close_scope(false);
                fail(m, "up", 0, 1, nullptr, e, 0);
            } catch (...) {
                close_scope(false);
                throw;
            }
            close_scope(true);
            return;
        }
        const auto statements = split_sql_script(m.up_sql, script_syntax_for(dialect->name()));
        const auto from = partial ? static_cast<std::size_t>(partial->statements_done) : 0;
        if (from > statements.size())
            raise({ErrorCategory::configuration,
                   "migration " + m.id + " stopped after statement " + std::to_string(from) + " but now holds only " +
                       std::to_string(statements.size()) + "; keep the statements that ran, fix the failed one or those after it",
                   {}, {}});
        say((from ? "resuming " : "applying ") + m.id + " (" + std::to_string(statements.size()) + " statements" +
            (from ? ", from statement " + std::to_string(from + 1) : "") +
            (partial && partial->checksum != m.checksum ? "; the file changed since it stopped" : "") + ")");
        if (!atomic() && from == 0) {
            say("note: " + std::string(dialect->name()) + " commits each DDL statement at once; progress is recorded per statement");
            record(m, 0, false, false);
        }
        open_scope();
        std::size_t i = from;
        try {
            for (; i < statements.size(); ++i) {
                connection->execute(statements[i].sql);
                if (!atomic()) record(m, static_cast<int>(i + 1), false, true);
            }
            if (atomic())
                record(m, static_cast<int>(statements.size()), true, false);
            else
                record(m, static_cast<int>(statements.size()), true, true);
        } catch (const Error& e) {
            close_scope(false);
            if (i < statements.size()) fail(m, "up", i, statements.size(), &statements[i], e, i);
            fail(m, "up", i, statements.size(), nullptr, e, i);
        }
        close_scope(true);
    }

    void revert(const Migration& m) {
        if (!m.reversible()) raise({ErrorCategory::unsupported, "migration " + m.id + " has no down step; it cannot be rolled back", {}, {}});
        say("rolling back " + m.id);
        open_scope();
        const auto statements = m.down_code ? std::vector<ScriptStatement>{} : split_sql_script(m.down_sql, script_syntax_for(dialect->name()));
        std::size_t i = 0;
        try {
            if (m.down_code) m.down_code(*connection);
            for (; i < statements.size(); ++i) connection->execute(statements[i].sql);
            connection->execute("DELETE FROM " + table() + " WHERE id = " + p(1), {Value(m.id)});
        } catch (const Error& e) {
            close_scope(false);
            fail(m, "down", i, statements.size(), i < statements.size() ? &statements[i] : nullptr, e, i);
        }
        close_scope(true);
    }

    const Migration* find(const std::string& id) const {
        for (const auto& m : migrations)
            if (m.id == id) return &m;
        return nullptr;
    }

    // Applied ids, newest first, each known (a missing one cannot be rolled back).
    std::vector<const Migration*> applied_newest_first(const std::map<std::string, HistoryRow>& rows) const {
        std::vector<const Migration*> out;
        for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
            const auto* m = find(it->first);
            if (!m) raise({ErrorCategory::not_found, "migration " + it->first + " is applied but unknown here; cannot roll it back", {}, {}});
            out.push_back(m);
        }
        return out;
    }
};

MigrationRunner::MigrationRunner(Kernel& kernel, std::string url, std::vector<Migration> migrations, MigrationOptions options)
    : state_(std::make_unique<State>()) {
    std::sort(migrations.begin(), migrations.end(), [](const Migration& a, const Migration& b) { return a.id < b.id; });
    for (std::size_t i = 1; i < migrations.size(); ++i)
        if (migrations[i].id == migrations[i - 1].id)
            raise({ErrorCategory::configuration, "two migrations have the id " + migrations[i].id, {}, {}});
    state_->kernel = &kernel;
    state_->url = std::move(url);
    state_->migrations = std::move(migrations);
    state_->options = std::move(options);
}

MigrationRunner::~MigrationRunner() = default;

std::vector<MigrationStatus> MigrationRunner::status() {
    auto& s = *state_;
    s.connect();
    std::map<std::string, HistoryRow> rows;
    try {
        rows = s.history();
    } catch (const SyntaxError&) {
        // No history table yet: nothing was applied. status() changes nothing.
    }
    std::vector<MigrationStatus> out;
    for (const auto& m : s.migrations) {
        MigrationStatus st{m.id, MigrationState::pending, std::nullopt, 0};
        if (auto it = rows.find(m.id); it != rows.end()) {
            st.applied_at = it->second.applied_at;
            st.statements_done = it->second.statements_done;
            // A partial one stays partial when its file changed: fixing it is how it is resumed.
            st.state = !it->second.complete                 ? MigrationState::partial
                       : it->second.checksum != m.checksum ? MigrationState::changed
                                                           : MigrationState::applied;
        }
        out.push_back(st);
    }
    for (const auto& [id, row] : rows)
        if (!s.find(id)) out.push_back({id, MigrationState::missing, row.applied_at, row.statements_done});
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

std::vector<std::string> MigrationRunner::up() {
    auto& s = *state_;
    return s.locked([&] {
        const auto rows = s.history();
        for (const auto& m : s.migrations)
            if (auto it = rows.find(m.id); it != rows.end() && it->second.complete && it->second.checksum != m.checksum)
                raise({ErrorCategory::configuration,
                       "migration " + m.id + " changed after it was applied (checksum " + it->second.checksum + ", now " + m.checksum +
                           "); restore it, or roll it back first",
                       {}, {}});
        std::vector<std::string> applied;
        for (const auto& m : s.migrations) {
            auto it = rows.find(m.id);
            if (it != rows.end() && it->second.complete) continue;
            s.apply(m, it != rows.end() ? &it->second : nullptr);
            applied.push_back(m.id);
        }
        if (applied.empty()) s.say("nothing to apply: the database is up to date");
        return applied;
    });
}

std::vector<std::string> MigrationRunner::down(int steps) {
    auto& s = *state_;
    if (steps < 1) raise({ErrorCategory::configuration, "roll back at least one migration (got " + std::to_string(steps) + ")", {}, {}});
    return s.locked([&] {
        std::vector<std::string> done;
        for (const auto* m : s.applied_newest_first(s.history())) {
            if (static_cast<int>(done.size()) == steps) break;
            s.revert(*m);
            done.push_back(m->id);
        }
        if (done.empty()) s.say("nothing to roll back");
        return done;
    });
}

std::vector<std::string> MigrationRunner::down_to(std::string_view id) {
    auto& s = *state_;
    return s.locked([&] {
        const auto rows = s.history();
        if (!rows.contains(std::string(id))) raise({ErrorCategory::not_found, "migration " + std::string(id) + " is not applied", {}, {}});
        std::vector<std::string> done;
        for (const auto* m : s.applied_newest_first(rows)) {
            if (m->id == id) break;
            s.revert(*m);
            done.push_back(m->id);
        }
        return done;
    });
}

}  // namespace rex

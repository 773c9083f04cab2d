#include "sqlite_connection.hpp"

#include "sqlite_cursor.hpp"
#include "sqlite_errors.hpp"
#include "sqlite_types.hpp"

#include <cctype>
#include <chrono>
#include <thread>

namespace rex::sqlite {

namespace {

bool only_whitespace_or_comments(const char* tail) {
    std::string_view rest(tail ? tail : "");
    while (!rest.empty()) {
        if (std::isspace(static_cast<unsigned char>(rest.front())) || rest.front() == ';') {
            rest.remove_prefix(1);
        } else if (rest.starts_with("--")) {
            const auto nl = rest.find('\n');
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        } else if (rest.starts_with("/*")) {
            const auto end = rest.find("*/");
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
        } else {
            return false;
        }
    }
    return true;
}

// Runs after each commit in WAL mode, once it is visible and the write lock is released: wakes
// this process's capture readers of the file, then checkpoints as SQLite's own auto-checkpoint
// hook (which this one replaces) would.
int on_wal_commit(void* self, sqlite3* db, const char* name, int pages) {
    auto& connection = *static_cast<SqliteConnection*>(self);
    connection.commit_signal()->notify();
    if (const int limit = connection.autocheckpoint_pages(); limit > 0 && pages >= limit) sqlite3_wal_checkpoint(db, name);
    return SQLITE_OK;
}

}  // namespace

SqliteConnection::SqliteConnection(const SqliteOptions& options)
    : cache_(std::make_shared<StatementCache>(64)), capture_poll_ms_(options.capture_poll_ms) {
    int flags = SQLITE_OPEN_NOMUTEX;  // a connection is used by one thread at a time
    switch (options.mode) {
        case OpenMode::read_only: flags |= SQLITE_OPEN_READONLY; break;
        case OpenMode::read_write: flags |= SQLITE_OPEN_READWRITE; break;
        case OpenMode::read_write_create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    }
    const int rc = sqlite3_open_v2(options.path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        const int extended = db_ ? sqlite3_extended_errcode(db_) : rc;
        sqlite3_close_v2(db_);
        db_ = nullptr;
        raise({ErrorCategory::connection, "sqlite: cannot open '" + options.path + "': " + message,
               native_code(extended), {}});
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    try {
        run(options.foreign_keys ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF");
        if (!options.in_memory() && options.mode != OpenMode::read_only) {
            set_journal_mode(options.journal == Journal::wal ? "wal" : "delete", options.busy_timeout_ms);
            // WAL is crash-safe with NORMAL; FULL would sync on every commit.
            if (options.journal == Journal::wal) run("PRAGMA synchronous = NORMAL");
        }
        if (!options.in_memory()) watch_commits();
    } catch (...) {
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

SqliteConnection::~SqliteConnection() {
    cache_->clear();
    if (db_) sqlite3_close_v2(db_);
}

void SqliteConnection::watch_commits() {
    const char* file = sqlite3_db_filename(db_, "main");
    if (!file || !*file) return;
    commit_signal_ = commit_signal_for(file);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA wal_autocheckpoint", -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
        autocheckpoint_pages_ = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_wal_hook(db_, on_wal_commit, this);
}

// Switching the journal mode needs the database to itself, and SQLite answers SQLITE_BUSY at
// once rather than through the busy handler; a pool opening a connection while others work
// would fail. The mode is persistent, so it is set only when it differs, retried while busy.
void SqliteConnection::set_journal_mode(std::string_view mode, int busy_timeout_ms) {
    auto current = [&] {
        sqlite3_stmt* stmt = nullptr;
        std::string value;
        if (sqlite3_prepare_v2(db_, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
            if (const auto* text = sqlite3_column_text(stmt, 0)) value = reinterpret_cast<const char*>(text);
        sqlite3_finalize(stmt);
        for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return value;
    };
    if (current() == mode) return;
    const std::string sql = "PRAGMA journal_mode = " + std::string(mode);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    for (;;) {
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
        if (rc == SQLITE_OK) return;
        if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= give_up) raise_error(db_, rc, sql);
        if (current() == mode) return;  // another connection switched it meanwhile
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

void SqliteConnection::run(const char* sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
    sqlite3_free(error);
    if (rc != SQLITE_OK) raise_error(db_, rc, sql);
}

PreparedStatement* SqliteConnection::prepare(std::string_view sql) {
    if (auto* cached = cache_->take(sql)) return cached;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) raise_error(db_, rc, sql);
    if (!stmt) raise({ErrorCategory::syntax, "sqlite: empty statement", {}, std::string(sql)});
    if (!only_whitespace_or_comments(tail)) {
        sqlite3_finalize(stmt);
        raise({ErrorCategory::syntax, "sqlite: query() runs one statement; use execute_script() for several", {},
               std::string(sql)});
    }
    return cache_->add(sql, stmt, starts_with_keyword(sql, "INSERT") || starts_with_keyword(sql, "REPLACE"));
}

void SqliteConnection::bind_all(PreparedStatement& statement, std::span<const Value> params, BindLifetime lifetime,
                                const std::vector<std::size_t>& map) {
    sqlite3_stmt* stmt = statement.stmt;
    const int expected = sqlite3_bind_parameter_count(stmt);
    const auto given = map.empty() ? params.size() : map.size();
    if (static_cast<std::size_t>(expected) != given)
        raise({ErrorCategory::invalid_value,
               "sqlite: statement has " + std::to_string(expected) + " parameters, " + std::to_string(given) + " values given",
               {}, statement.sql});
    for (std::size_t i = 0; i < given; ++i) {
        const auto& value = map.empty() ? params[i] : batch_parameter(params, map[i]);
        const int rc = bind_value(stmt, static_cast<int>(i + 1), value, lifetime);
        if (rc != SQLITE_OK) raise_error(db_, rc, statement.sql);
    }
}

PreparedStatement* SqliteConnection::bound(std::string_view sql, std::span<const Value> params, BindLifetime lifetime) {
    if (!db_) raise({ErrorCategory::connection, "sqlite: connection is closed", {}, std::string(sql)});
    auto* statement = prepare(sql);
    try {
        bind_all(*statement, params, lifetime);
    } catch (...) {
        cache_->give_back(statement);
        throw;
    }
    return statement;
}

std::vector<StatementOutcome> SqliteConnection::execute_batch(std::string_view sql, ValueRows rows,
                                                             const std::vector<std::size_t>& parameter_map) {
    std::vector<StatementOutcome> outcomes;
    if (rows.size() == 0) return outcomes;
    if (!db_) raise({ErrorCategory::connection, "sqlite: connection is closed", {}, std::string(sql)});
    outcomes.reserve(rows.size());
    // One prepared statement, bound and stepped per row; each row's values outlive its step.
    auto* statement = prepare(sql);
    struct GiveBack {
        StatementCache& cache;
        PreparedStatement* statement;
        ~GiveBack() { cache.give_back(statement); }
    } give_back{*cache_, statement};
    sqlite3_stmt* stmt = statement->stmt;
    const bool writes = !sqlite3_stmt_readonly(stmt);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        try {
            bind_all(*statement, rows.row(i), BindLifetime::borrowed, parameter_map);
            int rc;
            while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            }
            if (rc != SQLITE_DONE) raise_error(db_, rc, statement->sql);
        } catch (const Error& e) {
            raise_in_batch_row(e, i);
        }
        StatementOutcome outcome;
        if (writes) outcome.affected_rows = sqlite3_changes64(db_);
        if (statement->is_insert && outcome.affected_rows > 0) outcome.last_insert_id = sqlite3_last_insert_rowid(db_);
        outcomes.push_back(outcome);
        sqlite3_reset(stmt);
    }
    // A schema change may have re-prepared it: the cache's description must follow.
    if (sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_REPREPARE, 0) != statement->reprepared) statement->refresh_columns();
    return outcomes;
}

std::unique_ptr<Cursor> SqliteConnection::query(std::string_view sql, const Params& params) {
    // The cursor may be read after the caller's parameters are gone: SQLite copies text.
    return std::make_unique<SqliteCursor>(db_, bound(sql, params, BindLifetime::copy), *cache_, cache_);
}

ResultSet SqliteConnection::execute(std::string_view sql, const Params& params) {
    // Runs to the end before returning, so the parameters outlive every step: bound without
    // copies, and the cursor needs no heap.
    SqliteCursor cursor(db_, bound(sql, params, BindLifetime::borrowed), *cache_);
    return collect(cursor);
}

std::int64_t SqliteConnection::visit_rows(std::string_view sql, std::span<const Value> params, RowVisitor visitor) {
    // The parameters outlive the call, as in execute(): bound without copies, cursor on the stack.
    SqliteCursor cursor(db_, bound(sql, params, BindLifetime::borrowed), *cache_);
    return visit_all(cursor, visitor);
}

void SqliteConnection::execute_script(std::string_view sql) {
    if (!db_) raise({ErrorCategory::connection, "sqlite: connection is closed", {}, std::string(sql)});
    const std::string text(sql);  // sqlite3_exec needs a terminated string
    run(text.c_str());
}

void SqliteConnection::begin(const TransactionOptions& options) {
    // SQLite transactions are always serializable. IMMEDIATE takes the write lock up front so a
    // writer never fails later when upgrading its lock (a classic SQLITE_BUSY trap).
    const bool immediate = options.isolation == IsolationLevel::serializable ||
                           options.isolation == IsolationLevel::repeatable_read;
    run(immediate && !options.read_only ? "BEGIN IMMEDIATE" : "BEGIN");
    if (options.read_only) {
        run("PRAGMA query_only = ON");
        read_only_transaction_ = true;
    }
}

void SqliteConnection::commit() {
    run("COMMIT");
    if (read_only_transaction_) {
        run("PRAGMA query_only = OFF");
        read_only_transaction_ = false;
    }
}

void SqliteConnection::rollback() {
    run("ROLLBACK");
    if (read_only_transaction_) {
        run("PRAGMA query_only = OFF");
        read_only_transaction_ = false;
    }
}

bool SqliteConnection::in_transaction() const { return db_ && !sqlite3_get_autocommit(db_); }

bool SqliteConnection::ping() {
    if (!db_) return false;
    return sqlite3_exec(db_, "SELECT 1", nullptr, nullptr, nullptr) == SQLITE_OK;
}

}  // namespace rex::sqlite

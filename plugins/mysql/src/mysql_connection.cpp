#include "mysql_connection.hpp"

#include "mysql_cursor.hpp"
#include "mysql_errors.hpp"

#include <errmsg.h>

#include <poll.h>
#include <sys/socket.h>

namespace rex::mysql {

namespace {

// UTC for TIMESTAMP columns; strict mode so bad data is an error, not a warning.
constexpr const char* session_setup =
    "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

}  // namespace

namespace {

// A MYSQL handle set up with the options' connection settings (not yet connected).
MYSQL* configured_handle(const MysqlOptions& o) {
    MYSQL* conn = mysql_init(nullptr);
    if (!conn) return nullptr;
    mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &o.connect_timeout_s);
    if (o.ssl_mode == "required" || o.ssl_mode == "verify_ca" || o.ssl_mode == "verify_identity") {
        my_bool enforce = 1;
        mysql_options(conn, MYSQL_OPT_SSL_ENFORCE, &enforce);
        if (o.ssl_mode != "required") mysql_options(conn, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &enforce);
    }
    return conn;
}

bool real_connect(MYSQL* conn, const MysqlOptions& o, unsigned long flags) {
    return mysql_real_connect(conn, o.host.c_str(), o.user.c_str(), o.password.c_str(), o.database.empty() ? nullptr : o.database.c_str(), o.port,
                              o.unix_socket.empty() ? nullptr : o.unix_socket.c_str(), flags) != nullptr;
}

}  // namespace

bool MysqlConnection::cancel() noexcept {
    if (!thread_id_) return false;
    // Whether or not the KILL finds the statement still running, the session is not reused: a
    // KILL QUERY that arrives as the statement ends is kept for the session, and a pooled
    // connection's next statement (another request's) then never got its answer.
    cancelled_ = true;
    MYSQL* killer = configured_handle(options_);
    if (!killer) return false;
    bool ok = false;
    if (real_connect(killer, options_, 0)) {
        const auto sql = "KILL QUERY " + std::to_string(thread_id_);
        ok = mysql_real_query(killer, sql.data(), sql.size()) == 0;
    }
    mysql_close(killer);
    return ok;
}

MysqlConnection::MysqlConnection(const MysqlOptions& o) : options_(o), cache_size_(o.statement_cache_size) {
    conn_ = configured_handle(o);
    if (!conn_) raise({ErrorCategory::connection, "mysql: out of memory", {}, {}});
    mysql_options(conn_, MYSQL_INIT_COMMAND, session_setup);
    my_bool reconnect = 0;
    mysql_options(conn_, MYSQL_OPT_RECONNECT, &reconnect);
    // FOUND_ROWS: UPDATE reports matched rows, like PostgreSQL and SQLite.
    const unsigned long flags = CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS;
    if (!real_connect(conn_, o, flags)) {
        const std::string message = mysql_error(conn_);
        const auto code = std::to_string(mysql_errno(conn_)) + " (" + mysql_sqlstate(conn_) + ")";
        mysql_close(conn_);
        conn_ = nullptr;
        raise({ErrorCategory::connection, "mysql: cannot connect to " + o.redacted_url + ": " + message, code, {}});
    }
    session_.reset(conn_, &mysql_close);
    thread_id_ = mysql_thread_id(conn_);
}

MysqlConnection::~MysqlConnection() {
    *alive_ = false;
    lru_.clear();
    statements_.clear();  // closed while the connection is still open
    session_.reset();     // closes it, unless a cursor from query() still reads through it
}

void MysqlConnection::fail(std::string_view sql) {
    if (category_of(mysql_errno(conn_)) == ErrorCategory::connection) broken_ = true;
    raise_error(conn_, sql);
}

void MysqlConnection::require_usable(std::string_view sql) const {
    if (!conn_ || broken_) raise({ErrorCategory::connection, "mysql: connection is lost", "2013", std::string(sql)});
}

MysqlConnection::Lease MysqlConnection::run(std::string_view sql, std::span<const Value> row,
                                            const std::vector<std::size_t>* map) {
    require_usable(sql);
    for (int attempt = 0;; ++attempt) {
        Lease lease;
        bool cached = false, read_only = false;
        try {
            lease = lend(sql);
            cached = !lease.own;
            read_only = lease.statement->is_read_only();
            if (lease.statement->execute(row, map)) return lease;
        } catch (const Error& e) {
            if (e.category() == ErrorCategory::connection) broken_ = true;
            if (lease.statement) end_run(lease);
            throw;
        } catch (...) {
            if (lease.statement) end_run(lease);
            throw;
        }
        // The server ran it, but its result has another number of columns than when it was
        // prepared. The statement goes; a read is simply run again on a new one.
        end_run(lease);  // drops the unread rows
        if (cached) forget(sql);
        if (attempt > 0 || !read_only)
            raise({ErrorCategory::database,
                   "mysql: the statement ran, but its result has other columns than when it was prepared (a table was "
                   "altered since), so its rows cannot be read; it is prepared again when next run",
                   std::to_string(CR_NEW_STMT_METADATA), std::string(sql)});
    }
}

MysqlConnection::Lease MysqlConnection::lend(std::string_view sql) {
    // The statement run last is the one most often run next (a loop of finds): compared before
    // the SQL is hashed.
    MysqlStatement* cached = nullptr;
    if (!lru_.empty() && lru_.back()->sql() == sql) {
        cached = lru_.back();
    } else if (auto it = statements_.find(sql); it != statements_.end()) {
        cached = it->second.get();
        lru_.splice(lru_.end(), lru_, cached->lru);
    }
    Lease lease;
    if (cached && !cached->busy) {
        lease.statement = cached;
    } else if (!cached && cache_size_ > 0) {
        auto statement = std::make_unique<MysqlStatement>(conn_, sql);
        statement->busy = true;  // not evicted by remember()
        auto* added = statement.get();
        remember(std::move(statement));
        lease.statement = added;
    } else {
        // Busy: a visitor runs the same SQL while the outer run's rows are being read.
        lease.own = std::make_unique<MysqlStatement>(conn_, sql);
        lease.statement = lease.own.get();
    }
    lease.statement->busy = true;
    return lease;
}

void MysqlConnection::forget(std::string_view sql) noexcept {
    if (auto it = statements_.find(sql); it != statements_.end() && !it->second->busy) {
        lru_.erase(it->second->lru);
        statements_.erase(it);
    }
}

void MysqlConnection::end_run(Lease& lease) noexcept {
    lease.statement->finish();
    lease.statement->busy = false;
    lease.own.reset();
    lease.statement = nullptr;
}

// Hands a lease back when the run's rows have been read, or a visitor threw.
struct MysqlConnection::RunEnd {
    MysqlConnection& connection;
    Lease& lease;
    ~RunEnd() { connection.end_run(lease); }
};

void MysqlConnection::remember(std::unique_ptr<MysqlStatement> statement) {
    auto* added = statement.get();
    added->lru = lru_.insert(lru_.end(), added);
    try {
        statements_.emplace(added->sql(), std::move(statement));
    } catch (...) {
        lru_.erase(added->lru);
        throw;
    }
    // Over the limit: the least recently used statement nobody is reading goes.
    for (auto it = lru_.begin(); statements_.size() > cache_size_ && it != lru_.end();) {
        auto* victim = *it;
        if (victim->busy) {
            ++it;
            continue;
        }
        it = lru_.erase(it);
        statements_.erase(statements_.find(victim->sql()));
    }
}

std::unique_ptr<MysqlStatement> MysqlConnection::detach(Lease& lease) {
    if (lease.own) return std::move(lease.own);
    auto it = statements_.find(lease.statement->sql());
    auto statement = std::move(it->second);
    statements_.erase(it);
    lru_.erase(statement->lru);
    return statement;
}

void MysqlConnection::give_back(std::unique_ptr<MysqlStatement> statement) noexcept {
    statement->finish();
    statement->busy = false;
    // Kept unless the cache already has one for this SQL (made while this one was out).
    if (cache_size_ == 0 || broken_ || statements_.contains(statement->sql())) return;
    try {
        remember(std::move(statement));
    } catch (...) {
        // Out of memory: the statement is closed instead of kept.
    }
}

void StatementReturn::operator()(MysqlStatement* statement) const noexcept {
    std::unique_ptr<MysqlStatement> owned(statement);
    // With its connection gone the statement is only closed (libmariadb detached it on close).
    if (alive && *alive) connection->give_back(std::move(owned));
}

std::unique_ptr<Cursor> MysqlConnection::query(std::string_view sql, const Params& params) {
    auto lease = run(sql, params);
    // The cursor may outlive this call and the connection: it takes the statement along.
    OwnedStatement statement(detach(lease).release(), StatementReturn{this, alive_, session_});
    return std::make_unique<MysqlCursor>(std::move(statement));
}

ResultSet MysqlConnection::execute(std::string_view sql, const Params& params) {
    auto lease = run(sql, params);
    RunEnd end{*this, lease};
    MysqlCursor cursor(*lease.statement);
    return collect(cursor);
}

std::int64_t MysqlConnection::visit_rows(std::string_view sql, std::span<const Value> params, RowVisitor visitor) {
    auto lease = run(sql, params);
    RunEnd end{*this, lease};
    MysqlCursor cursor(*lease.statement);
    return visit_all(cursor, visitor);
}

std::vector<StatementOutcome> MysqlConnection::execute_batch(std::string_view sql, ValueRows rows,
                                                            const std::vector<std::size_t>& parameter_map) {
    // One run per row on the cached statement, parameters bound from the rows in place. (MariaDB's
    // bulk arrays would send them together, but report only the total of affected rows.)
    const auto* map = parameter_map.empty() ? nullptr : &parameter_map;
    std::vector<StatementOutcome> outcomes;
    outcomes.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        try {
            auto lease = run(sql, rows.row(i), map);
            RunEnd end{*this, lease};
            MysqlCursor cursor(*lease.statement);
            outcomes.push_back({cursor.affected_rows(), cursor.last_insert_id()});
        } catch (const Error& e) {
            raise_in_batch_row(e, i);
        }
    }
    return outcomes;
}

void MysqlConnection::simple(const std::string& sql) {
    require_usable(sql);
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) fail(sql);
    // Drain every result of a multi-statement script.
    do {
        if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
        else if (mysql_field_count(conn_) != 0) fail(sql);
        const int next = mysql_next_result(conn_);
        if (next > 0) fail(sql);
        if (next < 0) break;
    } while (true);
}

void MysqlConnection::execute_script(std::string_view sql) { simple(std::string(sql)); }

void MysqlConnection::begin(const TransactionOptions& options) {
    const char* level = nullptr;
    switch (options.isolation) {
        case IsolationLevel::database_default: break;
        case IsolationLevel::read_uncommitted: level = "READ UNCOMMITTED"; break;
        case IsolationLevel::read_committed: level = "READ COMMITTED"; break;
        case IsolationLevel::repeatable_read: level = "REPEATABLE READ"; break;
        case IsolationLevel::serializable: level = "SERIALIZABLE"; break;
    }
    // SET TRANSACTION applies to the next transaction only.
    if (level) simple(std::string("SET TRANSACTION ISOLATION LEVEL ") + level);
    simple(options.read_only ? "START TRANSACTION READ ONLY" : "START TRANSACTION");
}

void MysqlConnection::commit() { simple("COMMIT"); }

void MysqlConnection::rollback() { simple("ROLLBACK"); }

bool MysqlConnection::in_transaction() const {
    if (!conn_) return false;
    unsigned int status = 0;
    mariadb_get_infov(conn_, MARIADB_CONNECTION_SERVER_STATUS, &status);
    return status & SERVER_STATUS_IN_TRANS;
}

void MysqlConnection::savepoint(std::string_view name) {
    require_identifier(name, "savepoint name");
    simple("SAVEPOINT `" + std::string(name) + "`");
}

void MysqlConnection::release_savepoint(std::string_view name) {
    require_identifier(name, "savepoint name");
    simple("RELEASE SAVEPOINT `" + std::string(name) + "`");
}

void MysqlConnection::rollback_to_savepoint(std::string_view name) {
    require_identifier(name, "savepoint name");
    simple("ROLLBACK TO SAVEPOINT `" + std::string(name) + "`");
}

bool MysqlConnection::ping() {
    if (!is_usable()) return false;
    if (mysql_ping(conn_) != 0) {
        broken_ = true;
        return false;
    }
    return true;
}

bool MysqlConnection::is_usable() noexcept {
    if (!conn_ || broken_) return false;
    // An idle connection is readable only when the server closed it (or sent an error packet).
    const int fd = static_cast<int>(mysql_get_socket(conn_));
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) {
        char c;
        if ((p.revents & (POLLHUP | POLLERR)) || ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
            broken_ = true;
            return false;
        }
    }
    return true;
}

}  // namespace rex::mysql

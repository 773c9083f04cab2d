#include "mysql_connection.hpp"

#include "mysql_cursor.hpp"
#include "mysql_errors.hpp"
#include "mysql_params.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cctype>

namespace rex::mysql {

namespace {

// UTC for TIMESTAMP columns; strict mode so bad data is an error, not a warning.
constexpr const char* session_setup =
    "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

bool starts_with_keyword(std::string_view sql, std::string_view keyword) {
    std::size_t i = 0;
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
    if (sql.size() - i < keyword.size()) return false;
    for (std::size_t k = 0; k < keyword.size(); ++k)
        if (std::toupper(static_cast<unsigned char>(sql[i + k])) != keyword[k]) return false;
    return true;
}

}  // namespace

MysqlConnection::MysqlConnection(const MysqlOptions& o) : cache_size_(o.statement_cache_size) {
    conn_ = mysql_init(nullptr);
    if (!conn_) raise({ErrorCategory::connection, "mysql: out of memory", {}, {}});
    mysql_options(conn_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &o.connect_timeout_s);
    mysql_options(conn_, MYSQL_INIT_COMMAND, session_setup);
    my_bool reconnect = 0;
    mysql_options(conn_, MYSQL_OPT_RECONNECT, &reconnect);
    if (o.ssl_mode == "required" || o.ssl_mode == "verify_ca" || o.ssl_mode == "verify_identity") {
        my_bool enforce = 1;
        mysql_options(conn_, MYSQL_OPT_SSL_ENFORCE, &enforce);
        if (o.ssl_mode != "required") mysql_options(conn_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &enforce);
    }
    // FOUND_ROWS: UPDATE reports matched rows, like PostgreSQL and SQLite.
    const unsigned long flags = CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS;
    if (!mysql_real_connect(conn_, o.host.c_str(), o.user.c_str(), o.password.c_str(),
                            o.database.empty() ? nullptr : o.database.c_str(), o.port,
                            o.unix_socket.empty() ? nullptr : o.unix_socket.c_str(), flags)) {
        const std::string message = mysql_error(conn_);
        const auto code = std::to_string(mysql_errno(conn_)) + " (" + mysql_sqlstate(conn_) + ")";
        mysql_close(conn_);
        conn_ = nullptr;
        raise({ErrorCategory::connection, "mysql: cannot connect to " + o.redacted_url + ": " + message, code, {}});
    }
}

MysqlConnection::~MysqlConnection() {
    *alive_ = false;
    for (auto& [sql, stmt] : cache_) mysql_stmt_close(stmt);
    if (conn_) mysql_close(conn_);
}

void MysqlConnection::fail(MYSQL_STMT* stmt, std::string_view sql) {
    const auto number = stmt ? mysql_stmt_errno(stmt) : mysql_errno(conn_);
    if (category_of(number) == ErrorCategory::connection) broken_ = true;
    if (stmt) raise_error(stmt, sql);
    raise_error(conn_, sql);
}

MYSQL_STMT* MysqlConnection::prepare(const std::string& sql) {
    if (auto it = index_.find(sql); it != index_.end()) {
        MYSQL_STMT* stmt = it->second->second;
        cache_.erase(it->second);
        index_.erase(it);
        return stmt;
    }
    MYSQL_STMT* stmt = mysql_stmt_init(conn_);
    if (!stmt) fail(nullptr, sql);
    if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
        const auto number = mysql_stmt_errno(stmt);
        const std::string state = mysql_stmt_sqlstate(stmt), message = mysql_stmt_error(stmt);
        mysql_stmt_close(stmt);
        if (category_of(number) == ErrorCategory::connection) broken_ = true;
        raise_error(number, state, message, sql);
    }
    my_bool update_max_length = 1;
    mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max_length);
    return stmt;
}

void MysqlConnection::give_back(MYSQL_STMT* stmt, std::string sql) {
    // Results are buffered (store_result), so freeing them leaves the statement ready to run
    // again; COM_STMT_RESET would cost a round trip per statement. Only a failed one is reset.
    mysql_stmt_free_result(stmt);
    if (mysql_stmt_errno(stmt) != 0) mysql_stmt_reset(stmt);
    if (cache_size_ == 0 || broken_ || index_.contains(sql)) {
        mysql_stmt_close(stmt);
        return;
    }
    cache_.emplace_front(std::move(sql), stmt);
    index_.emplace(cache_.front().first, cache_.begin());
    if (cache_.size() > cache_size_) {
        index_.erase(cache_.back().first);
        mysql_stmt_close(cache_.back().second);
        cache_.pop_back();
    }
}

std::unique_ptr<Cursor> MysqlConnection::query(std::string_view sql, const Params& params) {
    if (!conn_ || broken_) raise({ErrorCategory::connection, "mysql: connection is lost", "2013", std::string(sql)});
    const std::string text(sql);
    MYSQL_STMT* stmt = prepare(text);
    auto release = [this, alive = alive_, text](MYSQL_STMT* s) {
        if (*alive)
            give_back(s, text);
        else
            mysql_stmt_close(s);
    };
    const auto expected = mysql_stmt_param_count(stmt);
    if (expected != params.size()) {
        release(stmt);
        raise({ErrorCategory::invalid_value,
               "mysql: statement has " + std::to_string(expected) + " parameters, " + std::to_string(params.size()) +
                   " values given",
               {}, text});
    }
    BoundParams bound(params);
    if ((!params.empty() && mysql_stmt_bind_param(stmt, bound.data()) != 0) || mysql_stmt_execute(stmt) != 0) {
        const auto number = mysql_stmt_errno(stmt);
        const std::string state = mysql_stmt_sqlstate(stmt), message = mysql_stmt_error(stmt);
        release(stmt);
        if (category_of(number) == ErrorCategory::connection) broken_ = true;
        raise_error(number, state, message, text);
    }
    const bool is_insert = starts_with_keyword(sql, "INSERT") || starts_with_keyword(sql, "REPLACE");
    return std::make_unique<MysqlCursor>(stmt, text, is_insert, std::move(release));
}

void MysqlConnection::simple(const std::string& sql) {
    if (!conn_ || broken_) raise({ErrorCategory::connection, "mysql: connection is lost", "2013", sql});
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) fail(nullptr, sql);
    // Drain every result of a multi-statement script.
    do {
        if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
        else if (mysql_field_count(conn_) != 0) fail(nullptr, sql);
        const int next = mysql_next_result(conn_);
        if (next > 0) fail(nullptr, sql);
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

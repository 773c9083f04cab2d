#include "pg_connection.hpp"

#include "pg_errors.hpp"
#include "pg_types.hpp"

#include <rex/sdk/log.hpp>

#include <poll.h>

namespace rex::postgres {

PgConnection::PgConnection(PgOptions options, Logger* logger) : options_(std::move(options)), logger_(logger) {
    std::vector<const char*> keys, values;
    for (const auto& [k, v] : options_.conninfo) {
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn_.reset(PQconnectdbParams(keys.data(), values.data(), 0));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
        std::string message = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
        for (auto& c : message)
            if (c == '\n') c = ' ';
        raise({ErrorCategory::connection, "postgres: cannot connect to " + options_.redacted_url + ": " + message, "08001", {}});
    }
    // Server notices ("table does not exist, skipping") go to the log at debug level, not stderr.
    PQsetNoticeProcessor(conn_.get(), &PgConnection::on_notice, logger_);
}

void PgConnection::on_notice(void* logger, const char* message) {
    if (!logger) return;
    std::string text(message);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    static_cast<Logger*>(logger)->log(LogLevel::debug, "postgres", text);
}

ResultPtr PgConnection::checked(PGresult* raw, std::string_view sql) {
    ResultPtr result(raw);
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return result;
    raise_error(conn_.get(), result.get(), sql);
}

ResultPtr PgConnection::run(const std::string& sql, const Params& params) {
    if (options_.prepared_statements && options_.statement_cache_size > 0) return run_prepared(sql, params);
    // Unnamed statement: parse, bind and execute in one exchange; nothing stays on the server.
    const auto e = encode(params);
    return checked(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), e.types.data(),
                                e.values.data(), e.lengths.data(), e.formats.data(), 0),
                   sql);
}

ResultPtr PgConnection::run_prepared(const std::string& sql, const Params& params) {
    const auto e = encode(params);
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        if (statements_.size() >= options_.statement_cache_size) {
            const auto oldest = lru_.front();
            const std::string name = statements_.at(oldest).first;
            ResultPtr(PQexec(conn_.get(), ("DEALLOCATE " + name).c_str()));
            statements_.erase(oldest);
            lru_.pop_front();
        }
        const std::string name = "rex_" + std::to_string(next_statement_++);
        checked(PQprepare(conn_.get(), name.c_str(), sql.c_str(), static_cast<int>(params.size()), e.types.data()), sql);
        lru_.push_back(sql);
        it = statements_.emplace(sql, std::make_pair(name, std::prev(lru_.end()))).first;
    } else {
        lru_.splice(lru_.end(), lru_, it->second.second);
    }
    return checked(PQexecPrepared(conn_.get(), it->second.first.c_str(), static_cast<int>(params.size()), e.values.data(),
                                  e.lengths.data(), e.formats.data(), 0),
                   sql);
}

std::unique_ptr<Cursor> PgConnection::query(std::string_view sql, const Params& params) {
    if (!conn_) raise({ErrorCategory::connection, "postgres: connection is closed", "08003", std::string(sql)});
    std::string text(sql);  // libpq wants it terminated; the cursor keeps it for its errors
    auto result = run(text, params);
    return std::make_unique<PgCursor>(std::move(result), std::move(text));
}

void PgConnection::simple(const char* sql) { checked(PQexec(conn_.get(), sql), sql); }

void PgConnection::execute_script(std::string_view sql) {
    const std::string text(sql);
    checked(PQexec(conn_.get(), text.c_str()), sql);
}

void PgConnection::begin(const TransactionOptions& options) {
    std::string sql = "BEGIN";
    switch (options.isolation) {
        case IsolationLevel::database_default: break;
        case IsolationLevel::read_uncommitted: sql += " ISOLATION LEVEL READ UNCOMMITTED"; break;
        case IsolationLevel::read_committed: sql += " ISOLATION LEVEL READ COMMITTED"; break;
        case IsolationLevel::repeatable_read: sql += " ISOLATION LEVEL REPEATABLE READ"; break;
        case IsolationLevel::serializable: sql += " ISOLATION LEVEL SERIALIZABLE"; break;
    }
    if (options.read_only) sql += " READ ONLY";
    simple(sql.c_str());
}

void PgConnection::commit() { simple("COMMIT"); }

void PgConnection::rollback() { simple("ROLLBACK"); }

bool PgConnection::in_transaction() const {
    const auto status = PQtransactionStatus(conn_.get());
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

bool PgConnection::ping() {
    if (!is_usable()) return false;
    ResultPtr r(PQexec(conn_.get(), "SELECT 1"));
    return PQresultStatus(r.get()) == PGRES_TUPLES_OK;
}

bool PgConnection::is_usable() noexcept {
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) return false;
    // An idle connection with bytes to read was told something: a shutdown notice, or EOF.
    pollfd p{PQsocket(conn_.get()), POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) {
        if (p.revents & (POLLHUP | POLLERR)) return false;
        if (!PQconsumeInput(conn_.get())) return false;
    }
    return PQstatus(conn_.get()) == CONNECTION_OK;
}

void PgConnection::reset() {
    if (in_transaction()) rollback();
}

std::string PgConnection::server_version() const {
    const int v = PQserverVersion(conn_.get());
    return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
}

ChangeFeed* PgConnection::change_feed() {
    if (!feed_) feed_ = std::make_unique<PgChangeFeed>(conn_.get());
    return feed_.get();
}

}  // namespace rex::postgres

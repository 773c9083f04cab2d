#include "pg_connection.hpp"

#include "pg_binary.hpp"
#include "pg_errors.hpp"
#include "pg_placeholders.hpp"
#include "pg_types.hpp"

#include <rex/sdk/log.hpp>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <poll.h>

namespace rex::postgres {

namespace {

// The error PostgreSQL gives a named statement whose result columns changed since it was
// prepared ("cached plan must not change result type"), told by its SQLSTATE and the server
// function that raised it, since the message may be translated.
bool stale_plan(const PGresult* result) {
    if (!result || PQresultStatus(result) != PGRES_FATAL_ERROR) return false;
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const char* function = PQresultErrorField(result, PG_DIAG_SOURCE_FUNCTION);
    return state && function && std::string_view(state) == "0A000" && std::string_view(function) == "RevalidateCachedQuery";
}

}  // namespace

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
    cancel_.reset(PQgetCancel(conn_.get()));
}

bool PgConnection::cancel() noexcept {
    if (!cancel_) return false;
    cancelled_ = true;
    char error[256];
    return PQcancel(cancel_.get(), error, sizeof error) == 1;
}

// Called by libpq, which is C: an exception (a logger that throws, bad_alloc) must not unwind
// through it, so a notice that cannot be logged is dropped.
void PgConnection::on_notice(void* logger, const char* message) noexcept {
    if (!logger) return;
    try {
        std::string text(message);
        while (!text.empty() && text.back() == '\n') text.pop_back();
        static_cast<Logger*>(logger)->log(LogLevel::debug, "postgres", text);
    } catch (...) {
    }
}

ResultPtr PgConnection::checked(PGresult* raw, std::string_view sql) {
    ResultPtr result(raw);
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return result;
    raise_error(conn_.get(), result.get(), sql);
}

ResultPtr PgConnection::run(std::string_view sql, std::span<const Value> params) {
    last_statement_ = nullptr;
    if (options_.prepared_statements && options_.statement_cache_size > 0) return run_prepared(sql, params);
    // Unnamed statement: parse, bind and execute in one exchange; nothing stays on the server.
    check_parameter_count(params.size(), highest_placeholder(sql), sql);
    auto& e = scratch_;
    encode(e, params);
    const std::string text(sql);  // libpq wants it terminated
    return checked(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(params.size()), e.types.data(),
                                e.values.data(), e.lengths.data(), e.formats.data(), 0),
                   sql);
}

ResultPtr PgConnection::run_prepared(std::string_view sql, std::span<const Value> params) {
    auto& e = scratch_;
    encode(e, params);
    for (bool again = true;; again = false) {
        auto& statement = prepared(sql, e);
        ResultPtr result(PQexecPrepared(conn_.get(), statement.name.c_str(), static_cast<int>(params.size()), e.values.data(),
                                        e.lengths.data(), e.formats.data(), statement.binary ? 1 : 0));
        if (stale_plan(result.get())) {
            // Its result columns changed (ALTER TABLE) and PostgreSQL will not run it again: it
            // goes. Nothing ran, so outside a transaction the run is made on a new statement;
            // inside one the error has ended the transaction.
            forget(*statements_.find(sql));  // the entry prepared() just returned
            if (again && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) continue;
            raise_error(conn_.get(), result.get(), sql);
        }
        result = checked(result.release(), sql);
        last_statement_ = &statement;
        return result;
    }
}

PgCursor PgConnection::run_query(std::string_view sql, std::span<const Value> params, bool owned) {
    if (!conn_) raise({ErrorCategory::connection, "postgres: connection is closed", "08003", std::string(sql)});
    auto result = run(sql, params);
    // The columns are described once per named statement.
    auto* statement = last_statement_;
    PgCursor cursor(std::move(result), sql, owned, statement ? statement->shape : nullptr);
    if (statement && !statement->shape) remember_shape(*statement, cursor.shape());
    return cursor;
}

// From its second run on, a statement whose columns all have binary decoders reads its rows
// in the binary format (the first run, in text, is what told the columns).
void PgConnection::remember_shape(Statement& statement, std::shared_ptr<const ResultShape> shape) {
    statement.binary = options_.binary_results && !shape->types.empty() &&
                       std::all_of(shape->types.begin(), shape->types.end(), binary_decodable);
    statement.shape = std::move(shape);
}

namespace {

// A statement prepared with `types` takes these values when each has the type it was prepared
// with, or is NULL. Otherwise the server would read them as that type: 2.5 sent to a statement
// first run with 2 fails as "invalid input syntax for type bigint".
bool takes(const std::vector<Oid>& types, const EncodedParams& e) {
    if (types.size() != e.types.size()) return false;
    for (std::size_t i = 0; i < types.size(); ++i)
        if (types[i] != e.types[i] && e.values[i]) return false;
    return true;
}

// What a batch's statement is prepared with: each parameter's type where the rows' non-NULL
// values agree, and 0 (the server infers it from the SQL) where they differ, so that every row
// reads as it is. A parameter NULL in every row fits any type.
EncodedParams batch_types(ValueRows rows, const std::vector<std::size_t>* map) {
    EncodedParams e;  // only types and values are read (by takes() and PQprepare)
    const auto n = map ? map->size() : rows.width;
    e.types.assign(n, 0);
    e.values.assign(n, nullptr);
    static constexpr char typed[] = "";  // marks a parameter some row gave a value
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto row = rows.row(r);
        for (std::size_t i = 0; i < e.types.size(); ++i) {
            const auto& v = map ? batch_parameter(row, (*map)[i]) : row[i];
            if (v.is_null()) continue;
            const auto type = parameter_type(v.kind());
            if (!e.values[i]) {
                e.types[i] = type;
                e.values[i] = typed;
            } else if (e.types[i] != type) {
                e.types[i] = 0;
            }
        }
    }
    return e;
}

}  // namespace

PgConnection::Statement& PgConnection::prepared(std::string_view sql, const EncodedParams& e) {
    // The statement run last is the one most often run next (a loop of finds): compared before
    // the SQL is hashed.
    StatementEntry* entry = nullptr;
    if (!lru_.empty() && lru_.back()->first == sql) {
        entry = lru_.back();
    } else if (auto it = statements_.find(sql); it != statements_.end()) {
        entry = &*it;
        lru_.splice(lru_.end(), lru_, it->second.lru);
    } else {
        if (statements_.size() >= options_.statement_cache_size) forget(*lru_.front());
        entry = &*statements_.emplace(std::string(sql), Statement{}).first;
        entry->second.lru = lru_.insert(lru_.end(), entry);
        entry->second.placeholders = highest_placeholder(sql);
    }
    auto& statement = entry->second;
    check_parameter_count(e.types.size(), statement.placeholders, sql);
    if (!statement.name.empty() && takes(statement.types, e)) return statement;
    try {
        prepare(sql, statement, e);
    } catch (...) {
        forget(*entry);  // not left half-made for the next run
        throw;
    }
    return statement;
}

// (Re)prepares `statement` for these values' types under a new name; its result's columns are
// learnt again, since they may follow the parameters' types (SELECT $1).
void PgConnection::prepare(std::string_view sql, Statement& statement, const EncodedParams& e) {
    if (!statement.name.empty()) {
        deallocate(statement.name);
        statement.name.clear();
    }
    statement.shape = nullptr;
    statement.binary = false;
    const std::string text(sql);  // libpq wants it terminated
    auto name = "rex_" + std::to_string(next_statement_++);
    checked(PQprepare(conn_.get(), name.c_str(), text.c_str(), static_cast<int>(e.types.size()), e.types.data()), sql);
    statement.name = std::move(name);
    statement.types = e.types;
}

// Failures are ignored: in an aborted transaction the statement stays on the server, unused,
// until the connection closes.
void PgConnection::deallocate(const std::string& name) { ResultPtr(PQexec(conn_.get(), ("DEALLOCATE " + name).c_str())); }

void PgConnection::forget(StatementEntry& entry) {
    if (!entry.second.name.empty()) deallocate(entry.second.name);
    lru_.erase(entry.second.lru);
    statements_.erase(statements_.find(entry.first));
}

std::vector<StatementOutcome> PgConnection::execute_batch(std::string_view sql, ValueRows rows,
                                                         const std::vector<std::size_t>& parameter_map) {
    // Outside a transaction each run must stand alone, and runs between two pipeline syncs would
    // share one implicit transaction: there the runs go one by one.
    if (rows.size() < 2 || !conn_ || PQtransactionStatus(conn_.get()) != PQTRANS_INTRANS ||
        PQpipelineStatus(conn_.get()) != PQ_PIPELINE_OFF)
        return Connection::execute_batch(sql, rows, parameter_map);
    const std::string text(sql);
    const auto* map = parameter_map.empty() ? nullptr : &parameter_map;
    const std::string* name = nullptr;
    if (options_.prepared_statements && options_.statement_cache_size > 0)
        name = &prepared(text, batch_types(rows, map)).name;
    else
        check_parameter_count(map ? map->size() : rows.width, highest_placeholder(text), text);
    if (!PQenterPipelineMode(conn_.get())) raise_error(conn_.get(), nullptr, text);
    // In pipeline mode the runs go out in chunks without waiting for answers: one round trip per
    // chunk. A chunk's answers (a command tag each) are small enough for the socket buffers, so
    // sending a whole chunk before reading cannot block both ends.
    constexpr std::size_t chunk = 256;
    std::vector<StatementOutcome> outcomes;
    outcomes.reserve(rows.size());
    std::optional<Error> failure, unsendable;
    std::size_t failed_row = 0, unsendable_row = 0;
    bool stale = false;
    for (std::size_t start = 0; start < rows.size() && !failure && !unsendable; start += chunk) {
        auto end = std::min(rows.size(), start + chunk);
        for (std::size_t i = start; i < end; ++i) {
            auto& e = scratch_;
            try {
                encode(e, rows.row(i), map);
            } catch (const Error& error) {
                // A value that cannot be sent: the runs already sent are read before it is raised,
                // so the pipeline ends in order (an earlier run's failure comes first).
                unsendable = error;
                unsendable_row = i;
                end = i;
                break;
            }
            const int n = static_cast<int>(e.values.size());
            const int sent = name ? PQsendQueryPrepared(conn_.get(), name->c_str(), n, e.values.data(), e.lengths.data(), e.formats.data(), 0)
                                  : PQsendQueryParams(conn_.get(), text.c_str(), n, e.types.data(), e.values.data(), e.lengths.data(),
                                                      e.formats.data(), 0);
            if (!sent) {
                // The connection failed: nothing more can be read in order.
                PQexitPipelineMode(conn_.get());
                try {
                    raise_error(conn_.get(), nullptr, text);
                } catch (const Error& error) {
                    raise_in_batch_row(error, i);
                }
            }
        }
        PQpipelineSync(conn_.get());
        // Each run answers with its result, then a null; the chunk ends with the sync's result.
        for (std::size_t i = start; i < end; ++i) {
            ResultPtr result(PQgetResult(conn_.get()));
            const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
            if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
                outcomes.push_back({affected_rows_of(result.get()), std::nullopt});
            } else if (status != PGRES_PIPELINE_ABORTED && !failure) {
                if (name && stale_plan(result.get())) stale = true;
                try {
                    raise_error(conn_.get(), result.get(), text);
                } catch (const Error& error) {
                    failure = error;
                    failed_row = i;
                }
            }
            if (result) ResultPtr(PQgetResult(conn_.get()));  // the null that ends this run's results
        }
        ResultPtr sync(PQgetResult(conn_.get()));
    }
    PQexitPipelineMode(conn_.get());
    if (auto it = statements_.find(text); stale && it != statements_.end()) forget(*it);  // prepared again when next run
    if (failure) raise_in_batch_row(*failure, failed_row);
    if (unsendable) raise_in_batch_row(*unsendable, unsendable_row);
    return outcomes;
}

std::unique_ptr<Cursor> PgConnection::query(std::string_view sql, const Params& params) {
    return std::make_unique<PgCursor>(run_query(sql, params, true));
}

std::int64_t PgConnection::visit_rows(std::string_view sql, std::span<const Value> params, RowVisitor visitor) {
    // The whole result is in hand after run(): the cursor can live on the stack.
    auto cursor = run_query(sql, params, false);  // `sql` outlives the cursor
    return visit_all(cursor, visitor);
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

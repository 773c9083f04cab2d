// One libpq connection, used by one thread at a time.
#pragma once

#include "pg_change_feed.hpp"
#include "pg_cursor.hpp"
#include "pg_options.hpp"
#include "pg_types.hpp"

#include <rex/sdk/adapter.hpp>

#include <libpq-fe.h>

#include <atomic>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

namespace rex::postgres {

struct ConnDeleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;
struct CancelDeleter {
    void operator()(PGcancel* c) const noexcept { PQfreeCancel(c); }
};

class PgConnection final : public Connection {
public:
    PgConnection(PgOptions options, Logger* logger);

    std::unique_ptr<Cursor> query(std::string_view sql, const Params& params) override;
    std::int64_t visit_rows(std::string_view sql, std::span<const Value> params, RowVisitor visitor) override;
    // Pipelined (chunks of runs per round trip) inside a transaction; one by one outside.
    std::vector<StatementOutcome> execute_batch(std::string_view sql, ValueRows rows,
                                                const std::vector<std::size_t>& parameter_map) override;
    void execute_script(std::string_view sql) override;
    void begin(const TransactionOptions& options) override;
    void commit() override;
    void rollback() override;
    bool in_transaction() const override;
    bool ping() override;
    bool is_usable() noexcept override;
    // A connection asked to cancel is lost too: a cancel that reaches the backend as its
    // statement ends may stop the next one, another request's on a pooled connection.
    bool is_lost() const noexcept override { return !conn_ || cancelled_.load() || PQstatus(conn_.get()) != CONNECTION_OK; }
    void reset() override;
    std::string_view dialect() const override { return "postgresql"; }
    std::string server_version() const override;
    ChangeFeed* change_feed() override;
    // PQcancel on the key taken at connect: libpq allows it from any thread.
    bool cancel() noexcept override;

private:
    ResultPtr run(std::string_view sql, std::span<const Value> params);
    ResultPtr run_prepared(std::string_view sql, std::span<const Value> params);

    ResultPtr checked(PGresult* result, std::string_view sql);
    void simple(const char* sql);
    static void on_notice(void* logger, const char* message) noexcept;

    PgOptions options_;
    Logger* logger_;  // may be null
    ConnPtr conn_;
    std::unique_ptr<PGcancel, CancelDeleter> cancel_;  // the server's key for this session
    std::atomic<bool> cancelled_{false};                 // cancel() ran: not lent again by a pool
    // Named server-side statements by SQL text; least recently used first out.
    struct Statement;
    using StatementEntry = std::pair<const std::string, Statement>;
    std::list<StatementEntry*> lru_;  // the map's entries (stable), most recently used at the back
    struct Statement {
        std::string name;
        std::list<StatementEntry*>::iterator lru;
        std::vector<Oid> types;                    // its parameters' types, as prepared
        std::shared_ptr<const ResultShape> shape;  // its result's columns, once it has run
        bool binary = false;                       // its results are asked in the binary format
        std::size_t placeholders = 0;              // the highest $n in its text
    };
    // Looked up by the caller's string_view: a statement run again copies nothing.
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept { return std::hash<std::string_view>{}(sql); }
    };
    std::unordered_map<std::string, Statement, SqlHash, std::equal_to<>> statements_;
    // The server-side statement for `sql`, prepared (with these types) if need be, and prepared
    // again when these values' types differ from those it was prepared with.
    Statement& prepared(std::string_view sql, const EncodedParams& e);
    void prepare(std::string_view sql, Statement& statement, const EncodedParams& e);
    void forget(StatementEntry& entry);  // deallocates it on the server and drops it
    void deallocate(const std::string& name);
    void remember_shape(Statement& statement, std::shared_ptr<const ResultShape> shape);
    Statement* last_statement_ = nullptr;  // the named statement run() just executed; null if unnamed
    // Runs a query and wraps its result (query() and visit_rows()); `owned`: the cursor keeps
    // its own copy of the SQL (for its errors), since it may outlive the caller's text.
    PgCursor run_query(std::string_view sql, std::span<const Value> params, bool owned);
    std::size_t next_statement_ = 0;
    std::unique_ptr<PgChangeFeed> feed_;
    EncodedParams scratch_;  // the parameters of the statement being sent, reused
};

}  // namespace rex::postgres

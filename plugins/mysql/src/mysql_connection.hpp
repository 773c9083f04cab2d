// One MySQL/MariaDB connection (no automatic reconnect: a lost connection raises a
// ConnectionError and the pool replaces it), used by one thread at a time.
#pragma once

#include "mysql_options.hpp"
#include "mysql_statement.hpp"

#include <rex/sdk/adapter.hpp>

#include <mysql.h>

#include <atomic>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

namespace rex::mysql {

class MysqlConnection final : public Connection {
public:
    explicit MysqlConnection(const MysqlOptions& options);
    ~MysqlConnection() override;

    std::unique_ptr<Cursor> query(std::string_view sql, const Params& params) override;
    ResultSet execute(std::string_view sql, const Params& params = {}) override;
    std::int64_t visit_rows(std::string_view sql, std::span<const Value> params, RowVisitor visitor) override;
    std::vector<StatementOutcome> execute_batch(std::string_view sql, ValueRows rows,
                                                const std::vector<std::size_t>& parameter_map) override;
    void execute_script(std::string_view sql) override;
    void begin(const TransactionOptions& options) override;
    void commit() override;
    void rollback() override;
    bool in_transaction() const override;
    // MySQL has no ANSI-quoted identifiers by default: savepoints use backticks.
    void savepoint(std::string_view name) override;
    void release_savepoint(std::string_view name) override;
    void rollback_to_savepoint(std::string_view name) override;
    bool ping() override;
    bool is_usable() noexcept override;
    // A connection asked to cancel is lost too: a KILL QUERY that lands after its statement
    // ended stays with the session and stalled a later statement (see cancel()).
    bool is_lost() const noexcept override { return !conn_ || broken_ || cancelled_.load(); }
    std::string_view dialect() const override { return "mysql"; }
    std::string server_version() const override { return mysql_get_server_info(conn_); }
    // KILL QUERY <this session's id> on a second connection made with the same options.
    bool cancel() noexcept override;

private:
    friend struct StatementReturn;
    // A statement lent for one run: one from the cache (marked busy), or one of its own when the
    // cached one is busy or nothing is cached.
    struct Lease {
        MysqlStatement* statement = nullptr;
        std::unique_ptr<MysqlStatement> own;
    };
    // Runs `sql` on a lent statement (parameters as MysqlStatement::execute takes them), to be
    // handed back with end_run(); throws (after handing it back) when the run fails.
    Lease run(std::string_view sql, std::span<const Value> row, const std::vector<std::size_t>* map = nullptr);
    Lease lend(std::string_view sql);
    void end_run(Lease& lease) noexcept;
    void forget(std::string_view sql) noexcept;  // closes the cached statement for `sql`
    // Takes a statement out of the cache for a cursor that may outlive the call, and takes it back.
    std::unique_ptr<MysqlStatement> detach(Lease& lease);
    void give_back(std::unique_ptr<MysqlStatement> statement) noexcept;
    void remember(std::unique_ptr<MysqlStatement> statement);
    void require_usable(std::string_view sql) const;
    void simple(const std::string& sql);
    [[noreturn]] void fail(std::string_view sql);
    struct RunEnd;

    MYSQL* conn_ = nullptr;
    MysqlOptions options_;            // for cancel()'s second connection
    unsigned long thread_id_ = 0;     // this session's id on the server
    std::atomic<bool> cancelled_{false};  // cancel() ran: not lent again by a pool
    // Owns conn_; cursors from query() share it, so that their rows stay readable after this
    // connection is gone (the last one closes it).
    std::shared_ptr<MYSQL> session_;
    std::size_t cache_size_;
    // Prepared statements by SQL text (the key views the statement's own copy).
    std::unordered_map<std::string_view, std::unique_ptr<MysqlStatement>> statements_;
    std::list<MysqlStatement*> lru_;  // the cached statements, most recently used at the back
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // cursors may outlive the connection
    bool broken_ = false;
};

}  // namespace rex::mysql

// One MySQL/MariaDB connection (no automatic reconnect: a lost connection raises a
// ConnectionError and the pool replaces it), used by one thread at a time.
#pragma once

#include "mysql_options.hpp"

#include <rex/sdk/adapter.hpp>

#include <mysql.h>

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
    bool is_lost() const noexcept override { return !conn_ || broken_; }
    std::string_view dialect() const override { return "mysql"; }
    std::string server_version() const override { return mysql_get_server_info(conn_); }

private:
    MYSQL_STMT* prepare(const std::string& sql);
    void give_back(MYSQL_STMT* stmt, std::string sql);
    void simple(const std::string& sql);
    [[noreturn]] void fail(MYSQL_STMT* stmt, std::string_view sql);

    MYSQL* conn_ = nullptr;
    std::size_t cache_size_;
    std::list<std::pair<std::string, MYSQL_STMT*>> cache_;  // most recently used first
    std::unordered_map<std::string_view, std::list<std::pair<std::string, MYSQL_STMT*>>::iterator> index_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // cursors may outlive the connection
    bool broken_ = false;
};

}  // namespace rex::mysql

// One SQLite database handle, used by one thread at a time.
#pragma once

#include "sqlite_options.hpp"

#include <rex/sdk/adapter.hpp>

#include <sqlite3.h>

#include <list>
#include <memory>
#include <string>
#include <unordered_map>

namespace rex::sqlite {

// Prepared statements by SQL text, least recently used evicted. A statement handed to a cursor
// leaves the cache until the cursor gives it back, so two cursors never share one.
class StatementCache {
public:
    explicit StatementCache(std::size_t capacity) : capacity_(capacity) {}
    ~StatementCache();
    sqlite3_stmt* take(std::string_view sql);  // nullptr if not cached
    void give_back(sqlite3_stmt* stmt);         // resets, clears bindings, caches
    void clear();

private:
    std::size_t capacity_;
    std::list<std::pair<std::string, sqlite3_stmt*>> entries_;  // most recent first
    std::unordered_map<std::string_view, std::list<std::pair<std::string, sqlite3_stmt*>>::iterator> index_;
};

class SqliteConnection final : public Connection {
public:
    explicit SqliteConnection(const SqliteOptions& options);
    ~SqliteConnection() override;

    std::unique_ptr<Cursor> query(std::string_view sql, const Params& params) override;
    void execute_script(std::string_view sql) override;
    void begin(const TransactionOptions& options) override;
    void commit() override;
    void rollback() override;
    bool in_transaction() const override;
    bool ping() override;
    bool is_usable() noexcept override { return db_ != nullptr; }
    std::string_view dialect() const override { return "sqlite"; }
    std::string server_version() const override { return sqlite3_libversion(); }

private:
    sqlite3_stmt* prepare(std::string_view sql);
    void run(const char* sql);

    sqlite3* db_ = nullptr;
    std::shared_ptr<StatementCache> cache_;  // shared with cursors, which may outlive nothing else
    bool read_only_transaction_ = false;
};

}  // namespace rex::sqlite

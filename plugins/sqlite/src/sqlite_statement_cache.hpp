// Prepared statements of one connection by SQL text, with their result columns described once,
// least recently used evicted. A statement lent to a cursor is marked in use, so two cursors
// never share one; lending and giving back allocate nothing.
#pragma once

#include <rex/sdk/result.hpp>

#include <sqlite3.h>

#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rex::sqlite {

struct PreparedStatement {
    std::string sql;
    sqlite3_stmt* stmt = nullptr;
    std::vector<Column> columns;  // names and declared kinds, from the statement
    bool is_insert = false;       // INSERT / REPLACE: the cursor reports the new rowid
    bool in_use = false;
    bool cached = true;  // false: a second copy of a statement in use, finalized when given back
    int reprepared = 0;  // SQLite's re-prepare count when `columns` was made

    // Reads the columns again when SQLite has re-prepared the statement (the schema changed).
    void refresh_columns();
};

class StatementCache {
public:
    explicit StatementCache(std::size_t capacity) : capacity_(capacity) {}
    ~StatementCache();
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;

    // The idle cached statement for this SQL, now in use; nullptr when there is none.
    PreparedStatement* take(std::string_view sql);
    // Takes a freshly prepared statement and lends it (in use). It is cached unless a statement
    // with the same SQL already is (that one is in use); then it lives until given back.
    PreparedStatement* add(std::string_view sql, sqlite3_stmt* stmt, bool is_insert);
    // Resets the statement; it becomes idle (or is finalized).
    void give_back(PreparedStatement* statement) noexcept;
    // Finalizes every idle statement; those in use are finalized when given back.
    void clear() noexcept;

private:
    void evict_idle();

    std::size_t capacity_;
    bool closed_ = false;
    std::list<PreparedStatement> entries_;  // most recently lent first
    std::unordered_map<std::string_view, std::list<PreparedStatement>::iterator> index_;
};

}  // namespace rex::sqlite

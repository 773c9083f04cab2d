// One prepared statement and what it keeps between its runs: its parameters' binds, its result's
// columns and the buffers its rows are fetched into. The columns are learnt on the first run and
// compared with the server's description on every run, since one SQL text may describe other
// columns later (after an ALTER TABLE, or SELECT ? bound to a value of another kind); the string
// buffers grow to the longest value of each result (STMT_ATTR_UPDATE_MAX_LENGTH).
#pragma once

#include "mysql_params.hpp"

#include <rex/sdk/result.hpp>

#include <mysql.h>

#include <list>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace rex::mysql {

class MysqlConnection;

// Classes of field types that are fetched into a fixed-size buffer of their own C type.
inline bool is_integer(enum_field_types t) noexcept {
    return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT || t == MYSQL_TYPE_LONG || t == MYSQL_TYPE_INT24 ||
           t == MYSQL_TYPE_LONGLONG || t == MYSQL_TYPE_YEAR;
}
inline bool is_float(enum_field_types t) noexcept { return t == MYSQL_TYPE_FLOAT || t == MYSQL_TYPE_DOUBLE; }
inline bool is_temporal(enum_field_types t) noexcept {
    return t == MYSQL_TYPE_DATE || t == MYSQL_TYPE_NEWDATE || t == MYSQL_TYPE_TIME || t == MYSQL_TYPE_DATETIME ||
           t == MYSQL_TYPE_TIMESTAMP;
}

// Where one column of the current row is fetched to.
struct ResultSlot {
    std::vector<char> buffer;
    unsigned long length = 0;
    my_bool null = 0;
    my_bool error = 0;
    enum_field_types type = MYSQL_TYPE_NULL;
    bool is_unsigned = false;
};

class MysqlStatement {
public:
    // Prepares `sql` on `conn`; throws the SDK error (naming the SQL) on failure.
    MysqlStatement(MYSQL* conn, std::string_view sql);
    ~MysqlStatement();
    MysqlStatement(const MysqlStatement&) = delete;
    MysqlStatement& operator=(const MysqlStatement&) = delete;

    const std::string& sql() const noexcept { return sql_; }
    MYSQL_STMT* handle() const noexcept { return stmt_; }
    bool is_insert() const noexcept { return is_insert_; }
    // SELECT, WITH, SHOW...: running it twice changes nothing.
    bool is_read_only() const noexcept { return is_read_only_; }

    // Binds row[k] as parameter k, or row[(*map)[k]] when a map is given (read during the call
    // only), runs the statement and buffers its rows; throws the SDK error naming the SQL. False
    // when the server ran it but described a different number of result columns than when it
    // was prepared (a table was altered): libmariadb cannot read that run, and the statement
    // must be prepared again. Call finish() before running it again.
    [[nodiscard]] bool execute(std::span<const Value> row, const std::vector<std::size_t>* map = nullptr);
    // Frees the buffered rows (and resets the statement after a failure) so it can run again.
    void finish() noexcept;

    // The last run's result; no columns for a statement without a result set.
    const std::vector<Column>& columns() const noexcept { return columns_; }
    const std::vector<ResultSlot>& slots() const noexcept { return slots_; }
    // After a fetch reported MYSQL_DATA_TRUNCATED: grows the short buffers and fetches those
    // columns of the current row again.
    void refetch_truncated();

    // The connection's statement cache keeps these.
    std::list<MysqlStatement*>::iterator lru;
    bool busy = false;  // a cursor is reading its result

private:
    bool same_columns(const MYSQL_FIELD* fields, unsigned count) const;
    void describe(const MYSQL_FIELD* fields, unsigned count);
    void size_buffers(const MYSQL_FIELD* fields);
    void bind_results();

    MYSQL_STMT* stmt_ = nullptr;
    std::string sql_;
    bool is_insert_ = false;
    bool is_read_only_ = false;
    unsigned long parameter_count_ = 0;
    BoundParams params_;
    std::vector<Column> columns_;
    std::vector<ResultSlot> slots_;
    std::vector<MYSQL_BIND> binds_;
    bool rebind_ = true;  // binds_ changed since mysql_stmt_bind_result last saw them
};

// Gives a statement a cursor owned back to its connection's cache, or closes it when the
// connection is gone (a cursor from query() may outlive its connection).
struct StatementReturn {
    MysqlConnection* connection = nullptr;
    std::shared_ptr<const bool> alive;
    std::shared_ptr<MYSQL> session;  // kept open while the statement lives: its rows are read through it
    void operator()(MysqlStatement* statement) const noexcept;  // in mysql_connection.cpp
};
using OwnedStatement = std::unique_ptr<MysqlStatement, StatementReturn>;

}  // namespace rex::mysql

// A Cursor over one prepared statement. The statement is stepped once when the cursor is made
// (so DML runs and errors surface in query()); rows are read straight from the statement.
#pragma once

#include <rex/sdk/result.hpp>

#include "sqlite_statement_cache.hpp"

#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

namespace rex::sqlite {

class SqliteCursor final : public Cursor {
public:
    // Borrows the statement, already bound, and steps it once; gives it back to the cache when
    // destroyed (or when the first step throws the mapped SDK error). `keep` holds the cache for a
    // cursor that may outlive its connection (query()); one on the connection's stack needs none.
    SqliteCursor(sqlite3* db, PreparedStatement* statement, StatementCache& cache, std::shared_ptr<StatementCache> keep = nullptr);
    ~SqliteCursor() override;

    const std::vector<Column>& columns() const override { return statement_->columns; }
    bool next() override;
    Value value(std::size_t column) const override;
    bool is_null(std::size_t column) const override;
    std::int64_t int64(std::size_t column) const override;
    double float64(std::size_t column) const override;
    std::string_view text(std::size_t column) const override;
    void read_row(std::span<const ValueKind> kinds, std::span<Cell> cells) const override;
    std::int64_t affected_rows() const override { return affected_rows_; }
    std::optional<std::int64_t> last_insert_id() const override { return last_insert_id_; }

private:
    void step();
    void check_row(std::size_t column) const {
        if (!on_row_ || column >= statement_->columns.size()) [[unlikely]]
            raise_bad_read(column);
    }
    [[noreturn]] void raise_bad_read(std::size_t column) const;

    sqlite3* db_;
    PreparedStatement* statement_;
    StatementCache* cache_;
    std::shared_ptr<StatementCache> keep_;  // see the constructor
    sqlite3_stmt* stmt_;
    std::string_view sql_;
    bool pending_row_ = false;  // the first step found a row not yet returned by next()
    bool on_row_ = false;
    bool done_ = false;
    std::int64_t affected_rows_ = 0;
    std::optional<std::int64_t> last_insert_id_;
};

}  // namespace rex::sqlite

// A Cursor over one run of a prepared statement, whose rows are buffered client-side
// (mysql_stmt_store_result) and fetched into the statement's slots.
#pragma once

#include "mysql_statement.hpp"

#include <rex/sdk/result.hpp>

namespace rex::mysql {

class MysqlCursor final : public Cursor {
public:
    // Reads the run `statement` has just made; the caller finishes the statement afterwards.
    explicit MysqlCursor(MysqlStatement& statement);
    // The same, owning the statement until it is destroyed (query()'s cursors).
    explicit MysqlCursor(OwnedStatement statement);

    const std::vector<Column>& columns() const override { return statement_.columns(); }
    bool next() override;
    Value value(std::size_t column) const override;
    bool is_null(std::size_t column) const override;
    std::int64_t int64(std::size_t column) const override;
    double float64(std::size_t column) const override;
    std::string_view text(std::size_t column) const override;
    void read_row(std::span<const ValueKind> kinds, std::span<Cell> cells) const override;
    std::int64_t affected_rows() const override { return affected_rows_; }
    // The result is stored on the client, so its size is known before the first row.
    std::size_t size_hint() const override {
        return statement_.columns().empty() ? 0 : static_cast<std::size_t>(mysql_stmt_num_rows(statement_.handle()));
    }
    std::optional<std::int64_t> last_insert_id() const override { return last_insert_id_; }

private:
    void check(std::size_t column) const;
    const ResultSlot& slot(std::size_t column) const { return statement_.slots()[column]; }

    OwnedStatement owned_;  // empty for a cursor that only reads
    MysqlStatement& statement_;
    bool on_row_ = false;
    std::int64_t affected_rows_ = 0;
    std::optional<std::int64_t> last_insert_id_;
};

}  // namespace rex::mysql

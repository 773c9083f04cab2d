// A Cursor over one executed prepared statement whose rows are buffered client-side
// (mysql_stmt_store_result), read through bound result buffers sized from the data.
#pragma once

#include <rex/sdk/result.hpp>

#include <mysql.h>

#include <functional>
#include <string>
#include <vector>

namespace rex::mysql {

class MysqlCursor final : public Cursor {
public:
    using Release = std::function<void(MYSQL_STMT*)>;

    // Takes an executed statement; reads its metadata and buffers its rows. Throws on failure
    // (after releasing the statement).
    MysqlCursor(MYSQL_STMT* stmt, std::string sql, bool is_insert, Release release);
    ~MysqlCursor() override;

    const std::vector<Column>& columns() const override { return columns_; }
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
        return columns_.empty() ? 0 : static_cast<std::size_t>(mysql_stmt_num_rows(stmt_));
    }
    std::optional<std::int64_t> last_insert_id() const override { return last_insert_id_; }

private:
    struct Slot {
        std::vector<char> buffer;
        unsigned long length = 0;
        my_bool null = 0;
        my_bool error = 0;
        enum_field_types type = MYSQL_TYPE_NULL;
        bool is_unsigned = false;
    };
    void setup_results();
    void check(std::size_t column) const;
    void refetch_truncated();

    MYSQL_STMT* stmt_;
    std::string sql_;
    Release release_;
    std::vector<Column> columns_;
    std::vector<Slot> slots_;
    std::vector<MYSQL_BIND> binds_;
    bool on_row_ = false;
    std::int64_t affected_rows_ = 0;
    std::optional<std::int64_t> last_insert_id_;
};

}  // namespace rex::mysql

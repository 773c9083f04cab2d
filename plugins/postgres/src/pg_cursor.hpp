// A Cursor over one PGresult (libpq delivers the whole result at once).
#pragma once

#include <rex/sdk/result.hpp>

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

namespace rex::postgres {

struct ResultDeleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// The columns of a result. Every execution of one named statement has the same, so the
// connection keeps them with the statement instead of describing each result again.
struct ResultShape {
    std::vector<Column> columns;
    std::vector<Oid> types;
};

// Rows a statement wrote, from its command tag (0 for a SELECT).
std::int64_t affected_rows_of(const PGresult* result);

class PgCursor final : public Cursor {
public:
    // `sql` is kept for error messages: copied when `own_sql`, else it must outlive the cursor.
    // `shape`: the statement's columns when known; described from the result otherwise.
    PgCursor(ResultPtr result, std::string_view sql, bool own_sql, std::shared_ptr<const ResultShape> shape = nullptr);

    const std::vector<Column>& columns() const override { return shape_->columns; }
    const std::shared_ptr<const ResultShape>& shape() const noexcept { return shape_; }
    bool next() override;
    Value value(std::size_t column) const override;
    bool is_null(std::size_t column) const override;
    std::int64_t int64(std::size_t column) const override;
    double float64(std::size_t column) const override;
    std::string_view text(std::size_t column) const override;
    void read_row(std::span<const ValueKind> kinds, std::span<Cell> cells) const override;
    std::int64_t affected_rows() const override { return affected_rows_of(result_.get()); }
    std::size_t size_hint() const override { return static_cast<std::size_t>(rows_); }

private:
    void check(std::size_t column) const {
        if (row_ < 0 || row_ >= rows_ || column >= width_) [[unlikely]]
            raise_bad_read(column);
    }
    [[noreturn]] void raise_bad_read(std::size_t column) const;
    bool decode_int64(std::string_view bytes, std::size_t column, std::int64_t& out) const;
    bool decode_float64(std::string_view bytes, std::size_t column, double& out) const;
    bool decode_text(std::string_view bytes, std::size_t column, std::string_view& out) const;

    // The cell's bytes, whichever the format.
    std::string_view field(int column) const {
        return {PQgetvalue(result_.get(), row_, column), static_cast<std::size_t>(PQgetlength(result_.get(), row_, column))};
    }

    ResultPtr result_;
    std::unique_ptr<const std::string> owned_sql_;  // on the heap: sql_ stays valid when the cursor moves
    std::string_view sql_;
    bool binary_ = false;               // the result is in the binary format (see pg_binary.hpp)
    mutable std::string text_scratch_;  // text() of a binary cell whose bytes are not its text
    std::shared_ptr<const ResultShape> shape_;
    std::size_t width_ = 0;  // columns
    int rows_ = 0;
    int row_ = -1;
};

}  // namespace rex::postgres

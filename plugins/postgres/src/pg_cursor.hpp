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

class PgCursor final : public Cursor {
public:
    PgCursor(ResultPtr result, std::string sql);

    const std::vector<Column>& columns() const override { return columns_; }
    bool next() override;
    Value value(std::size_t column) const override;
    bool is_null(std::size_t column) const override;
    std::int64_t int64(std::size_t column) const override;
    double float64(std::size_t column) const override;
    std::string_view text(std::size_t column) const override;
    std::int64_t affected_rows() const override { return affected_rows_; }
    std::size_t size_hint() const override { return static_cast<std::size_t>(rows_); }

private:
    void check(std::size_t column) const {
        if (row_ < 0 || row_ >= rows_ || column >= columns_.size()) [[unlikely]]
            raise_bad_read(column);
    }
    [[noreturn]] void raise_bad_read(std::size_t column) const;

    ResultPtr result_;
    std::string sql_;
    std::vector<Column> columns_;
    std::vector<Oid> types_;
    int rows_ = 0;
    int row_ = -1;
    std::int64_t affected_rows_ = 0;
};

}  // namespace rex::postgres

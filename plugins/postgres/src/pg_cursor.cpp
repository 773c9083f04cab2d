#include "pg_cursor.hpp"

#include "pg_binary.hpp"
#include "pg_types.hpp"

#include <rex/sdk/error.hpp>

#include <charconv>
#include <cstdlib>

namespace rex::postgres {

PgCursor::PgCursor(ResultPtr result, std::string_view sql, bool own_sql, std::shared_ptr<const ResultShape> shape)
    : result_(std::move(result)),
      owned_sql_(own_sql ? std::make_unique<const std::string>(sql) : nullptr),
      sql_(owned_sql_ ? std::string_view(*owned_sql_) : sql),
      shape_(std::move(shape)) {
    PGresult* r = result_.get();
    const int n = PQnfields(r);
    if (!shape_ || shape_->columns.size() != static_cast<std::size_t>(n)) {
        auto described = std::make_shared<ResultShape>();
        described->types.reserve(static_cast<std::size_t>(n));
        described->columns.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            const Oid type = PQftype(r, i);
            described->types.push_back(type);
            described->columns.push_back({PQfname(r, i), kind_of_oid(type), std::to_string(type)});
        }
        shape_ = std::move(described);
    }
    width_ = shape_->columns.size();
    rows_ = PQntuples(r);
    binary_ = n > 0 && PQfformat(r, 0) == 1;
}

std::int64_t affected_rows_of(const PGresult* r) {
    const char* tuples = PQcmdTuples(const_cast<PGresult*>(r));
    if (!tuples || !*tuples) return 0;
    // A SELECT's tag counts rows read; INSERT ... RETURNING reports rows and affected rows.
    const bool select = PQnfields(r) > 0 && std::string_view(PQcmdStatus(const_cast<PGresult*>(r))).starts_with("SELECT");
    return select ? 0 : std::strtoll(tuples, nullptr, 10);
}

bool PgCursor::next() {
    if (row_ + 1 >= rows_) {
        row_ = rows_;
        return false;
    }
    ++row_;
    return true;
}

void PgCursor::raise_bad_read(std::size_t column) const {
    if (row_ < 0 || row_ >= rows_) raise({ErrorCategory::internal, "cursor is not on a row (call next() first)", {}, std::string(sql_)});
    raise({ErrorCategory::not_found,
           "column " + std::to_string(column) + " out of range (" + std::to_string(shape_->columns.size()) + " columns)", {}, std::string(sql_)});
}

Value PgCursor::value(std::size_t column) const {
    check(column);
    const int c = static_cast<int>(column);
    if (PQgetisnull(result_.get(), row_, c)) return Value();
    return binary_ ? decode_binary(field(c), shape_->types[column]) : decode(field(c), shape_->types[column]);
}

bool PgCursor::is_null(std::size_t column) const {
    check(column);
    return PQgetisnull(result_.get(), row_, static_cast<int>(column));
}

// A cell's bytes read as the kind asked, in this result's format; false when they are not one
// (the caller then goes through value(), which converts or names what is wrong).
bool PgCursor::decode_int64(std::string_view bytes, std::size_t column, std::int64_t& out) const {
    return binary_ ? binary_int64(bytes, shape_->types[column], out) : read_int64(bytes.data(), bytes.data() + bytes.size(), out);
}

bool PgCursor::decode_float64(std::string_view bytes, std::size_t column, double& out) const {
    if (binary_) return binary_float64(bytes, shape_->types[column], out);
    // NaN and Infinity are spelled differently from from_chars: value() reads them.
    const auto [end, ec] = std::from_chars(bytes.data(), bytes.data() + bytes.size(), out);
    return ec == std::errc() && end == bytes.data() + bytes.size();
}

bool PgCursor::decode_text(std::string_view bytes, std::size_t column, std::string_view& out) const {
    if (binary_) return binary_text(bytes, shape_->types[column], out);
    out = bytes;
    return true;
}

std::int64_t PgCursor::int64(std::size_t column) const {
    check(column);
    std::int64_t v = 0;
    if (decode_int64(field(static_cast<int>(column)), column, v)) return v;
    return value(column).as_int64();
}

double PgCursor::float64(std::size_t column) const {
    check(column);
    double v = 0;
    if (decode_float64(field(static_cast<int>(column)), column, v)) return v;
    return value(column).as_double();  // NaN, Infinity, NULL, numeric: the general decoder
}

void PgCursor::read_row(std::span<const ValueKind> kinds, std::span<Cell> cells) const {
    if (!cells.empty()) check(cells.size() - 1);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        auto& cell = cells[i];
        const int c = static_cast<int>(i);
        const auto bytes = field(c);
        // libpq gives a NULL as an empty field, so only empty cells need asking.
        if (bytes.empty() && PQgetisnull(result_.get(), row_, c)) {
            cell.state = CellState::null;
            continue;
        }
        bool ready = false;
        switch (i < kinds.size() ? kinds[i] : ValueKind::null) {
            case ValueKind::int64: ready = decode_int64(bytes, i, cell.integer); break;
            case ValueKind::float64: ready = decode_float64(bytes, i, cell.real); break;
            case ValueKind::text: ready = decode_text(bytes, i, cell.text); break;
            default: break;
        }
        cell.state = ready ? CellState::ready : CellState::fallback;
    }
}

std::string_view PgCursor::text(std::size_t column) const {
    check(column);
    const int c = static_cast<int>(column);
    std::string_view out;
    if (decode_text(field(c), column, out)) return out;
    if (shape_->types[column] == oids::bytea_oid) return field(c);  // the bytes themselves
    // A number, date, uuid...: its display text, kept until the next call.
    if (PQgetisnull(result_.get(), row_, c)) return {};
    text_scratch_ = value(column).to_display();
    return text_scratch_;
}

}  // namespace rex::postgres

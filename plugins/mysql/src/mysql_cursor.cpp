#include "mysql_cursor.hpp"

#include "mysql_errors.hpp"

#include <charconv>
#include <cstring>

namespace rex::mysql {

namespace {

std::int64_t micros_of(const MYSQL_TIME& t) {
    return ((static_cast<std::int64_t>(t.hour) * 60 + t.minute) * 60 + t.second) * 1'000'000 +
           static_cast<std::int64_t>(t.second_part);
}

}  // namespace

MysqlCursor::MysqlCursor(MysqlStatement& statement) : statement_(statement) {
    if (statement_.columns().empty()) {
        auto* stmt = statement_.handle();
        affected_rows_ = static_cast<std::int64_t>(mysql_stmt_affected_rows(stmt));
        const auto id = mysql_stmt_insert_id(stmt);  // 0 when no AUTO_INCREMENT value was made
        if (statement_.is_insert() && affected_rows_ > 0 && id != 0) last_insert_id_ = static_cast<std::int64_t>(id);
    }
}

MysqlCursor::MysqlCursor(OwnedStatement statement) : MysqlCursor(*statement) { owned_ = std::move(statement); }

bool MysqlCursor::next() {
    if (statement_.columns().empty()) return false;
    const int rc = mysql_stmt_fetch(statement_.handle());
    if (rc == MYSQL_NO_DATA) {
        on_row_ = false;
        return false;
    }
    if (rc == MYSQL_DATA_TRUNCATED) {
        statement_.refetch_truncated();
    } else if (rc != 0) {
        raise_error(statement_.handle(), statement_.sql());
    }
    on_row_ = true;
    return true;
}

void MysqlCursor::check(std::size_t column) const {
    if (!on_row_) raise({ErrorCategory::internal, "cursor is not on a row (call next() first)", {}, statement_.sql()});
    const auto count = statement_.columns().size();
    if (column >= count)
        raise({ErrorCategory::not_found, "column " + std::to_string(column) + " out of range (" + std::to_string(count) + " columns)",
               {}, statement_.sql()});
}

bool MysqlCursor::is_null(std::size_t column) const {
    check(column);
    return slot(column).null;
}

std::int64_t MysqlCursor::int64(std::size_t column) const {
    check(column);
    const auto& s = slot(column);
    if (is_integer(s.type) && !s.null) {
        long long v;
        std::memcpy(&v, s.buffer.data(), sizeof v);
        if (!(s.is_unsigned && v < 0)) return v;  // an unsigned value past int64: value() says so
    }
    return value(column).as_int64();
}

double MysqlCursor::float64(std::size_t column) const {
    check(column);
    const auto& s = slot(column);
    if (is_float(s.type) && !s.null) {
        double v;
        std::memcpy(&v, s.buffer.data(), sizeof v);
        return v;
    }
    return value(column).as_double();
}

std::string_view MysqlCursor::text(std::size_t column) const {
    check(column);
    const auto& s = slot(column);
    if (s.null || is_integer(s.type) || is_float(s.type) || is_temporal(s.type)) return {};
    return {s.buffer.data(), s.length};
}

void MysqlCursor::read_row(std::span<const ValueKind> kinds, std::span<Cell> cells) const {
    if (!cells.empty()) check(cells.size() - 1);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        auto& cell = cells[i];
        const auto& s = slot(i);
        if (s.null) {
            cell.state = CellState::null;
            continue;
        }
        cell.state = CellState::fallback;
        switch (i < kinds.size() ? kinds[i] : ValueKind::null) {
        case ValueKind::int64:
            if (is_integer(s.type)) {
                long long v;
                std::memcpy(&v, s.buffer.data(), sizeof v);
                cell.integer = v;
                if (!(s.is_unsigned && v < 0)) cell.state = CellState::ready;
            }
            break;
        case ValueKind::float64:
            if (is_float(s.type)) {
                std::memcpy(&cell.real, s.buffer.data(), sizeof cell.real);
                cell.state = CellState::ready;
            }
            break;
        case ValueKind::text:
            if (!is_integer(s.type) && !is_float(s.type) && !is_temporal(s.type)) {
                cell.text = {s.buffer.data(), s.length};
                cell.state = CellState::ready;
            }
            break;
        default: break;
        }
    }
}

Value MysqlCursor::value(std::size_t column) const {
    check(column);
    const auto& s = slot(column);
    if (s.null) return Value();
    const auto kind = statement_.columns()[column].kind;
    if (is_integer(s.type)) {
        long long v;
        std::memcpy(&v, s.buffer.data(), sizeof v);
        if (kind == ValueKind::boolean) return Value(v != 0);
        if (s.is_unsigned && v < 0)
            raise({ErrorCategory::invalid_value, "mysql: unsigned value does not fit in int64", {}, statement_.sql()});
        return Value(static_cast<std::int64_t>(v));
    }
    if (is_float(s.type)) {
        double v;
        std::memcpy(&v, s.buffer.data(), sizeof v);
        return Value(v);
    }
    if (is_temporal(s.type)) {
        MYSQL_TIME t;
        std::memcpy(&t, s.buffer.data(), sizeof t);
        if (kind == ValueKind::time) return Value(Time{micros_of(t)});
        const Date d = make_date(static_cast<int>(t.year), t.month, t.day);
        if (kind == ValueKind::date) return Value(d);
        return Value(Timestamp{static_cast<std::int64_t>(d.days) * 86'400'000'000 + micros_of(t)});
    }
    const std::string_view bytes(s.buffer.data(), s.length);
    switch (kind) {
        case ValueKind::decimal: return Value(Decimal{std::string(bytes)});
        case ValueKind::json: return Value(Json{std::string(bytes)});
        case ValueKind::uuid: return Value(parse_uuid(bytes));
        case ValueKind::bytes: return Value(Bytes(bytes.begin(), bytes.end()));
        default: return Value(std::string(bytes));
    }
}

}  // namespace rex::mysql

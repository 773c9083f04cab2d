#include "mysql_cursor.hpp"

#include "mysql_errors.hpp"

#include <charconv>
#include <cstring>

namespace rex::mysql {

namespace {

constexpr unsigned binary_charset = 63;

bool is_integer(enum_field_types t) {
    return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT || t == MYSQL_TYPE_LONG || t == MYSQL_TYPE_INT24 ||
           t == MYSQL_TYPE_LONGLONG || t == MYSQL_TYPE_YEAR;
}
bool is_float(enum_field_types t) { return t == MYSQL_TYPE_FLOAT || t == MYSQL_TYPE_DOUBLE; }
bool is_temporal(enum_field_types t) {
    return t == MYSQL_TYPE_DATE || t == MYSQL_TYPE_NEWDATE || t == MYSQL_TYPE_TIME || t == MYSQL_TYPE_DATETIME ||
           t == MYSQL_TYPE_TIMESTAMP;
}

// MariaDB's extended metadata: the data type name of plugin types (UUID, INET6) and the format
// name of JSON columns, which are LONGTEXT on the wire.
std::string field_attr(const MYSQL_FIELD* field, mariadb_field_attr_t which) {
    MARIADB_CONST_STRING attr{nullptr, 0};
    if (mariadb_field_attr(&attr, field, which) == 0 && attr.str) return {attr.str, attr.length};
    return {};
}

ValueKind kind_of(const MYSQL_FIELD* f) {
    if (field_attr(f, MARIADB_FIELD_ATTR_FORMAT_NAME) == "json") return ValueKind::json;
    if (field_attr(f, MARIADB_FIELD_ATTR_DATA_TYPE_NAME) == "uuid") return ValueKind::uuid;
    switch (f->type) {
        case MYSQL_TYPE_TINY: return f->length == 1 ? ValueKind::boolean : ValueKind::int64;  // TINYINT(1)
        case MYSQL_TYPE_SHORT:
        case MYSQL_TYPE_LONG:
        case MYSQL_TYPE_INT24:
        case MYSQL_TYPE_LONGLONG:
        case MYSQL_TYPE_YEAR:
        case MYSQL_TYPE_BIT: return ValueKind::int64;
        case MYSQL_TYPE_FLOAT:
        case MYSQL_TYPE_DOUBLE: return ValueKind::float64;
        case MYSQL_TYPE_DECIMAL:
        case MYSQL_TYPE_NEWDECIMAL: return ValueKind::decimal;
        case MYSQL_TYPE_DATE:
        case MYSQL_TYPE_NEWDATE: return ValueKind::date;
        case MYSQL_TYPE_TIME: return ValueKind::time;
        case MYSQL_TYPE_DATETIME:
        case MYSQL_TYPE_TIMESTAMP: return ValueKind::timestamp;
        case MYSQL_TYPE_JSON: return ValueKind::json;
        case MYSQL_TYPE_NULL: return ValueKind::null;
        case MYSQL_TYPE_GEOMETRY: return ValueKind::bytes;
        default: return f->charsetnr == binary_charset ? ValueKind::bytes : ValueKind::text;
    }
}

std::int64_t micros_of(const MYSQL_TIME& t) {
    return ((static_cast<std::int64_t>(t.hour) * 60 + t.minute) * 60 + t.second) * 1'000'000 +
           static_cast<std::int64_t>(t.second_part);
}

}  // namespace

MysqlCursor::MysqlCursor(MYSQL_STMT* stmt, std::string sql, bool is_insert, Release release)
    : stmt_(stmt), sql_(std::move(sql)), release_(std::move(release)) {
    try {
        setup_results();
    } catch (...) {
        release_(stmt_);
        stmt_ = nullptr;
        throw;
    }
    if (columns_.empty()) {
        affected_rows_ = static_cast<std::int64_t>(mysql_stmt_affected_rows(stmt_));
        const auto id = mysql_stmt_insert_id(stmt_);  // 0 when no AUTO_INCREMENT value was made
        if (is_insert && affected_rows_ > 0 && id != 0) last_insert_id_ = static_cast<std::int64_t>(id);
    }
}

MysqlCursor::~MysqlCursor() {
    if (stmt_) release_(stmt_);
}

void MysqlCursor::setup_results() {
    if (mysql_stmt_field_count(stmt_) == 0) return;
    if (mysql_stmt_store_result(stmt_) != 0) raise_error(stmt_, sql_);
    MYSQL_RES* meta = mysql_stmt_result_metadata(stmt_);
    if (!meta) raise_error(stmt_, sql_);
    const unsigned n = mysql_num_fields(meta);
    const MYSQL_FIELD* fields = mysql_fetch_fields(meta);
    slots_.resize(n);
    binds_.resize(n);  // value-initialised: every MYSQL_BIND starts zeroed
    for (unsigned i = 0; i < n; ++i) {
        const auto& f = fields[i];
        auto& s = slots_[i];
        auto& b = binds_[i];
        columns_.push_back({f.name, kind_of(&f), std::to_string(f.type)});
        s.type = f.type;
        s.is_unsigned = f.flags & UNSIGNED_FLAG;
        if (is_integer(f.type)) {
            s.buffer.resize(sizeof(long long));
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.is_unsigned = s.is_unsigned;
        } else if (is_float(f.type)) {
            s.buffer.resize(sizeof(double));
            b.buffer_type = MYSQL_TYPE_DOUBLE;
        } else if (is_temporal(f.type)) {
            s.buffer.resize(sizeof(MYSQL_TIME));
            b.buffer_type = f.type == MYSQL_TYPE_NEWDATE ? MYSQL_TYPE_DATE : f.type;
        } else {
            // max_length is exact: STMT_ATTR_UPDATE_MAX_LENGTH was set before store_result.
            s.buffer.resize(std::max<unsigned long>(f.max_length, 1));
            b.buffer_type = f.charsetnr == binary_charset ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
        }
        b.buffer = s.buffer.data();
        b.buffer_length = s.buffer.size();
        b.length = &s.length;
        b.is_null = &s.null;
        b.error = &s.error;
    }
    mysql_free_result(meta);
    if (mysql_stmt_bind_result(stmt_, binds_.data()) != 0) raise_error(stmt_, sql_);
}

void MysqlCursor::refetch_truncated() {
    for (unsigned i = 0; i < slots_.size(); ++i) {
        auto& s = slots_[i];
        if (!s.error || s.length <= s.buffer.size()) continue;
        s.buffer.resize(s.length);
        auto& b = binds_[i];
        b.buffer = s.buffer.data();
        b.buffer_length = s.buffer.size();
        if (mysql_stmt_fetch_column(stmt_, &b, i, 0) != 0) raise_error(stmt_, sql_);
    }
    // Rebind so the next fetch writes into the grown buffers.
    if (mysql_stmt_bind_result(stmt_, binds_.data()) != 0) raise_error(stmt_, sql_);
}

bool MysqlCursor::next() {
    if (columns_.empty()) return false;
    const int rc = mysql_stmt_fetch(stmt_);
    if (rc == MYSQL_NO_DATA) {
        on_row_ = false;
        return false;
    }
    if (rc == MYSQL_DATA_TRUNCATED) {
        refetch_truncated();
    } else if (rc != 0) {
        raise_error(stmt_, sql_);
    }
    on_row_ = true;
    return true;
}

void MysqlCursor::check(std::size_t column) const {
    if (!on_row_) raise({ErrorCategory::internal, "cursor is not on a row (call next() first)", {}, sql_});
    if (column >= columns_.size())
        raise({ErrorCategory::not_found,
               "column " + std::to_string(column) + " out of range (" + std::to_string(columns_.size()) + " columns)", {}, sql_});
}

bool MysqlCursor::is_null(std::size_t column) const {
    check(column);
    return slots_[column].null;
}

std::int64_t MysqlCursor::int64(std::size_t column) const {
    check(column);
    const auto& s = slots_[column];
    if (is_integer(s.type) && !s.null) {
        long long v;
        std::memcpy(&v, s.buffer.data(), sizeof v);
        if (!(s.is_unsigned && v < 0)) return v;  // an unsigned value past int64: value() says so
    }
    return value(column).as_int64();
}

double MysqlCursor::float64(std::size_t column) const {
    check(column);
    const auto& s = slots_[column];
    if (is_float(s.type) && !s.null) {
        double v;
        std::memcpy(&v, s.buffer.data(), sizeof v);
        return v;
    }
    return value(column).as_double();
}

std::string_view MysqlCursor::text(std::size_t column) const {
    check(column);
    const auto& s = slots_[column];
    if (s.null || is_integer(s.type) || is_float(s.type) || is_temporal(s.type)) return {};
    return {s.buffer.data(), s.length};
}

void MysqlCursor::read_row(std::span<const ValueKind> kinds, std::span<Cell> cells) const {
    if (!cells.empty()) check(cells.size() - 1);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        auto& cell = cells[i];
        const auto& s = slots_[i];
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
    const auto& s = slots_[column];
    if (s.null) return Value();
    const auto kind = columns_[column].kind;
    if (is_integer(s.type)) {
        long long v;
        std::memcpy(&v, s.buffer.data(), sizeof v);
        if (kind == ValueKind::boolean) return Value(v != 0);
        if (s.is_unsigned && v < 0)
            raise({ErrorCategory::invalid_value, "mysql: unsigned value does not fit in int64", {}, sql_});
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

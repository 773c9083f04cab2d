#include "sqlite_types.hpp"

#include <rex/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

namespace rex::sqlite {

namespace {

bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

std::string sql_timestamp(Timestamp ts) {
    auto text = format_timestamp(ts);  // 2024-01-31T12:00:00.25Z
    text[10] = ' ';
    text.pop_back();
    return text;
}

int bind_text(sqlite3_stmt* stmt, int index, const std::string& text, BindLifetime lifetime = BindLifetime::copy) {
    return sqlite3_bind_text64(stmt, index, text.data(), text.size(),
                               lifetime == BindLifetime::borrowed ? SQLITE_STATIC : SQLITE_TRANSIENT, SQLITE_UTF8);
}

std::string_view column_text(sqlite3_stmt* stmt, int column) {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
    return {data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, column))};
}

Value by_storage_class(sqlite3_stmt* stmt, int column) {
    switch (sqlite3_column_type(stmt, column)) {
        case SQLITE_INTEGER: return Value(static_cast<std::int64_t>(sqlite3_column_int64(stmt, column)));
        case SQLITE_FLOAT: return Value(sqlite3_column_double(stmt, column));
        case SQLITE_TEXT: return Value(std::string(column_text(stmt, column)));
        case SQLITE_BLOB: {
            const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, column));
            return Value(Bytes(data, data + sqlite3_column_bytes(stmt, column)));
        }
        default: return Value();
    }
}

std::string number_text(sqlite3_stmt* stmt, int column) {
    if (sqlite3_column_type(stmt, column) == SQLITE_INTEGER) return std::to_string(sqlite3_column_int64(stmt, column));
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, sqlite3_column_double(stmt, column));
    return std::string(buf, end);
}

// Parses text stored in a typed column; text that does not parse is returned as text rather
// than failing the whole query (SQLite lets any column hold any value).
template <class Parse>
Value parsed_or_text(sqlite3_stmt* stmt, int column, Parse parse) {
    const auto text = column_text(stmt, column);
    try {
        return Value(parse(text));
    } catch (const InvalidValue&) {
        return Value(std::string(text));
    }
}

}  // namespace

ValueKind kind_of_declared_type(std::string_view declared) noexcept {
    if (declared.empty()) return ValueKind::null;
    std::string t(declared);
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::toupper(c); });
    if (contains(t, "BOOL")) return ValueKind::boolean;
    if (contains(t, "UUID")) return ValueKind::uuid;
    if (contains(t, "JSON")) return ValueKind::json;
    if (contains(t, "TIMESTAMP") || contains(t, "DATETIME")) return ValueKind::timestamp;
    if (contains(t, "DATE")) return ValueKind::date;
    if (contains(t, "TIME")) return ValueKind::time;
    if (contains(t, "DECIMAL") || contains(t, "NUMERIC")) return ValueKind::decimal;
    if (contains(t, "INT")) return ValueKind::int64;
    if (contains(t, "REAL") || contains(t, "FLOA") || contains(t, "DOUB")) return ValueKind::float64;
    if (contains(t, "BLOB") || contains(t, "BYTEA") || contains(t, "BINARY")) return ValueKind::bytes;
    if (contains(t, "CHAR") || contains(t, "CLOB") || contains(t, "TEXT")) return ValueKind::text;
    return ValueKind::null;
}

int bind_value(sqlite3_stmt* stmt, int index, const Value& value, BindLifetime lifetime) {
    // The kind is known in each case, so the unchecked get_if reads the cell inline.
    switch (value.kind()) {
        case ValueKind::null: return sqlite3_bind_null(stmt, index);
        case ValueKind::boolean: return sqlite3_bind_int(stmt, index, *value.get_if<bool>() ? 1 : 0);
        case ValueKind::int64: return sqlite3_bind_int64(stmt, index, *value.get_if<std::int64_t>());
        case ValueKind::float64: return sqlite3_bind_double(stmt, index, *value.get_if<double>());
        case ValueKind::decimal: return bind_text(stmt, index, value.as_decimal().text, lifetime);
        case ValueKind::text: return bind_text(stmt, index, *value.get_if<std::string>(), lifetime);
        case ValueKind::bytes: {
            const auto& b = value.as_bytes();
            // A null pointer would bind NULL; an empty blob must stay an empty blob.
            if (b.empty()) return sqlite3_bind_zeroblob(stmt, index, 0);
            return sqlite3_bind_blob64(stmt, index, b.data(), b.size(), lifetime == BindLifetime::borrowed ? SQLITE_STATIC : SQLITE_TRANSIENT);
        }
        case ValueKind::date: return bind_text(stmt, index, format_date(value.as_date()));
        case ValueKind::time: return bind_text(stmt, index, format_time(value.as_time()));
        case ValueKind::timestamp: return bind_text(stmt, index, sql_timestamp(value.as_timestamp()));
        case ValueKind::uuid: return bind_text(stmt, index, format_uuid(value.as_uuid()));
        case ValueKind::json: return bind_text(stmt, index, value.as_json().text, lifetime);
    }
    return SQLITE_MISUSE;
}

Value read_value(sqlite3_stmt* stmt, int column, ValueKind declared) {
    const int storage = sqlite3_column_type(stmt, column);
    if (storage == SQLITE_NULL) return Value();
    switch (declared) {
        case ValueKind::boolean:
            if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT) return Value(sqlite3_column_int64(stmt, column) != 0);
            break;
        case ValueKind::int64:
            if (storage == SQLITE_INTEGER) return Value(static_cast<std::int64_t>(sqlite3_column_int64(stmt, column)));
            break;
        case ValueKind::float64:
            if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT) return Value(sqlite3_column_double(stmt, column));
            break;
        case ValueKind::decimal:
            if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT) return Value(Decimal{number_text(stmt, column)});
            if (storage == SQLITE_TEXT) return Value(Decimal{std::string(column_text(stmt, column))});
            break;
        case ValueKind::text:
            if (storage == SQLITE_TEXT) return Value(std::string(column_text(stmt, column)));
            break;
        case ValueKind::bytes:
            if (storage == SQLITE_TEXT) {
                const auto text = column_text(stmt, column);
                return Value(Bytes(text.begin(), text.end()));
            }
            break;
        case ValueKind::date:
            if (storage == SQLITE_TEXT) return parsed_or_text(stmt, column, parse_date);
            break;
        case ValueKind::time:
            if (storage == SQLITE_TEXT) return parsed_or_text(stmt, column, parse_time);
            break;
        case ValueKind::timestamp:
            if (storage == SQLITE_TEXT) return parsed_or_text(stmt, column, parse_timestamp);
            if (storage == SQLITE_INTEGER) return Value(Timestamp{sqlite3_column_int64(stmt, column) * 1'000'000});
            break;
        case ValueKind::uuid:
            if (storage == SQLITE_TEXT) return parsed_or_text(stmt, column, parse_uuid);
            if (storage == SQLITE_BLOB && sqlite3_column_bytes(stmt, column) == 16) {
                Uuid u;
                std::copy_n(static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, column)), 16, u.bytes.begin());
                return Value(u);
            }
            break;
        case ValueKind::json:
            if (storage == SQLITE_TEXT) return Value(Json{std::string(column_text(stmt, column))});
            if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT) return Value(Json{number_text(stmt, column)});
            break;
        default: break;
    }
    return by_storage_class(stmt, column);
}

}  // namespace rex::sqlite

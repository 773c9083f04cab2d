#include "pg_types.hpp"

#include <rex/sdk/adapter.hpp>
#include <rex/sdk/error.hpp>

#include <charconv>
#include <cmath>
#include <limits>

namespace rex::postgres {

using namespace oids;

namespace {

std::string float_text(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, end);
}

double parse_float(std::string_view text) {
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (text == "Infinity") return std::numeric_limits<double>::infinity();
    if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
    double d = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc())
        raise({ErrorCategory::invalid_value, "postgres: cannot read '" + std::string(text) + "' as a float", {}, {}});
    return d;
}

std::int64_t parse_int(std::string_view text) {
    std::int64_t v = 0;
    if (!read_int64(text.data(), text.data() + text.size(), v))
        raise({ErrorCategory::invalid_value, "postgres: cannot read '" + std::string(text) + "' as an integer", {}, {}});
    return v;
}

Bytes parse_bytea(std::string_view text) {
    // bytea_output = hex (the default since 9.0): \x0a0b...
    if (!text.starts_with("\\x"))
        raise({ErrorCategory::invalid_value, "postgres: bytea not in hex format (set bytea_output = hex)", {}, {}});
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    Bytes out((text.size() - 2) / 2);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<std::uint8_t>(nibble(text[2 + 2 * i]) << 4 | nibble(text[3 + 2 * i]));
    return out;
}

// "12:34:56.789+02" (timetz) -> the local time part.
std::string_view strip_offset(std::string_view time) {
    const auto sign = time.find_first_of("+-", 1);
    return sign == std::string_view::npos ? time : time.substr(0, sign);
}

}  // namespace

ValueKind kind_of_oid(Oid type) noexcept {
    switch (type) {
        case bool_oid: return ValueKind::boolean;
        case int2_oid:
        case int4_oid:
        case int8_oid:
        case oid_oid: return ValueKind::int64;
        case float4_oid:
        case float8_oid: return ValueKind::float64;
        case numeric_oid: return ValueKind::decimal;
        case bytea_oid: return ValueKind::bytes;
        case date_oid: return ValueKind::date;
        case time_oid:
        case timetz_oid: return ValueKind::time;
        case timestamp_oid:
        case timestamptz_oid: return ValueKind::timestamp;
        case uuid_oid: return ValueKind::uuid;
        case json_oid:
        case jsonb_oid: return ValueKind::json;
        case text_oid:
        case varchar_oid:
        case bpchar_oid:
        case name_oid:
        case char_oid: return ValueKind::text;
        default: return ValueKind::text;  // enums, domains, arrays...: their text form
    }
}

Oid parameter_type(ValueKind kind) noexcept {
    switch (kind) {
        case ValueKind::boolean: return bool_oid;
        case ValueKind::int64: return int8_oid;
        case ValueKind::float64: return float8_oid;
        case ValueKind::bytes: return bytea_oid;
        default: return 0;
    }
}

namespace {

void refuse_nul(const std::string& text, std::size_t index) {
    const auto at = text.find('\0');
    if (at == std::string::npos) return;
    raise({ErrorCategory::invalid_value,
           "postgres: parameter $" + std::to_string(index + 1) + " holds a NUL byte (at offset " + std::to_string(at) +
               "), which PostgreSQL text cannot store; bind it as bytes",
           {}, {}});
}

}  // namespace

EncodedParams encode(std::span<const Value> row, const std::vector<std::size_t>* map) {
    EncodedParams e;
    encode(e, row, map);
    return e;
}

void encode(EncodedParams& e, std::span<const Value> row, const std::vector<std::size_t>* map) {
    const auto n = map ? map->size() : row.size();
    // Refilled in place: a reused EncodedParams keeps its vectors' and strings' room.
    e.types.resize(n);
    e.storage.resize(n);
    e.values.assign(n, nullptr);
    e.lengths.assign(n, 0);
    e.formats.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& v = map ? batch_parameter(row, (*map)[i]) : row[i];
        auto& s = e.storage[i];
        e.types[i] = parameter_type(v.kind());
        switch (v.kind()) {
            case ValueKind::null: continue;  // values[i] stays null
            case ValueKind::boolean:
                s = v.as_bool() ? "t" : "f";
                break;
            case ValueKind::int64: {
                // Written into the reused string's own room: no temporary per parameter.
                char digits[24];
                const auto end = std::to_chars(digits, digits + sizeof digits, v.as_int64()).ptr;
                s.assign(digits, end);
                break;
            }
            case ValueKind::float64:
                s = float_text(v.as_double());
                break;
            case ValueKind::decimal: s = v.as_decimal().text; break;
            case ValueKind::text: s = v.as_text(); break;
            case ValueKind::bytes: {
                const auto& b = v.as_bytes();
                e.formats[i] = 1;  // binary: no escaping, no doubling
                s.assign(b.begin(), b.end());
                break;
            }
            case ValueKind::date: s = format_date(v.as_date()); break;
            case ValueKind::time: s = format_time(v.as_time()); break;
            case ValueKind::timestamp: s = format_timestamp(v.as_timestamp()); break;
            case ValueKind::uuid: s = format_uuid(v.as_uuid()); break;
            case ValueKind::json: s = v.as_json().text; break;
        }
        // Parameters in text format end at their first NUL, so such a value would be stored cut.
        if (e.formats[i] == 0) refuse_nul(s, i);
        e.values[i] = s.data();
        e.lengths[i] = static_cast<int>(s.size());
    }
}

Value decode(std::string_view text, Oid type) {
    if ((type == date_oid || type == timestamp_oid || type == timestamptz_oid) && (text == "infinity" || text == "-infinity"))
        raise({ErrorCategory::invalid_value,
               std::string("postgres: an infinite ") + (type == date_oid ? "date" : "timestamp") + " has no Rex value", {}, {}});
    switch (type) {
        case bool_oid: return Value(text == "t");
        case int2_oid:
        case int4_oid:
        case int8_oid:
        case oid_oid: return Value(parse_int(text));
        case float4_oid:
        case float8_oid: return Value(parse_float(text));
        case numeric_oid: return Value(Decimal{std::string(text)});
        case bytea_oid: return Value(parse_bytea(text));
        case date_oid: return Value(parse_date(text));
        case time_oid: return Value(parse_time(text));
        case timetz_oid: return Value(parse_time(strip_offset(text)));
        case timestamp_oid:
        case timestamptz_oid: return Value(parse_timestamp(text));
        case uuid_oid: return Value(parse_uuid(text));
        case json_oid:
        case jsonb_oid: return Value(Json{std::string(text)});
        default: return Value(std::string(text));
    }
}

}  // namespace rex::postgres

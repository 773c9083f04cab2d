#include "pg_binary.hpp"

#include <rex/sdk/error.hpp>

#include <charconv>
#include <cmath>
#include <limits>

namespace rex::postgres {

using namespace oids;

namespace {

// PostgreSQL counts dates and timestamps from 2000-01-01; Rex from 1970-01-01.
constexpr std::int32_t epoch_days = 10957;
constexpr std::int64_t epoch_micros = std::int64_t{epoch_days} * 86'400'000'000;

[[noreturn]] void malformed(Oid type, std::string_view what) {
    raise({ErrorCategory::invalid_value, "postgres: binary value of type " + std::to_string(type) + ": " + std::string(what), {}, {}});
}

std::uint64_t field_bits(std::string_view field, std::size_t bytes, Oid type) {
    if (field.size() != bytes) malformed(type, std::to_string(field.size()) + " bytes, expected " + std::to_string(bytes));
    return detail::big_endian(field.data(), bytes);
}

// numeric: ndigits, weight, sign, dscale (int16 each), then ndigits base-10000 digits; the
// text is what numeric_out writes (dscale digits after the point).
std::string numeric_text(std::string_view field) {
    if (field.size() < 8) malformed(numeric_oid, "shorter than its header");
    auto word = [&](std::size_t at) { return static_cast<std::uint16_t>(detail::big_endian(field.data() + at, 2)); };
    const int ndigits = word(0);
    const int weight = static_cast<std::int16_t>(word(2));
    const std::uint16_t sign = word(4);
    const int dscale = word(6);
    if (field.size() != 8 + 2 * static_cast<std::size_t>(ndigits)) malformed(numeric_oid, "digit count does not match its size");
    switch (sign) {
        case 0x0000:
        case 0x4000: break;
        case 0xC000: return "NaN";
        case 0xD000: return "Infinity";
        case 0xF000: return "-Infinity";
        default: malformed(numeric_oid, "unknown sign");
    }
    auto digit = [&](int i) { return i >= 0 && i < ndigits ? static_cast<int>(word(8 + 2 * static_cast<std::size_t>(i))) : 0; };
    auto append4 = [](std::string& out, int group) {
        char buf[4] = {char('0' + group / 1000), char('0' + group / 100 % 10), char('0' + group / 10 % 10), char('0' + group % 10)};
        out.append(buf, 4);
    };
    std::string out;
    if (sign == 0x4000) out += '-';
    if (weight < 0) {
        out += '0';
    } else {
        out += std::to_string(digit(0));
        for (int i = 1; i <= weight; ++i) append4(out, digit(i));
    }
    if (dscale > 0) {
        out += '.';
        const auto point = out.size();
        for (int i = weight + 1; static_cast<int>(out.size() - point) < dscale; ++i) append4(out, digit(i));
        out.resize(point + static_cast<std::size_t>(dscale));
    }
    return out;
}

}  // namespace

bool binary_decodable(Oid type) noexcept {
    switch (type) {
        case bool_oid:
        case bytea_oid:
        case char_oid:
        case name_oid:
        case int8_oid:
        case int2_oid:
        case int4_oid:
        case text_oid:
        case oid_oid:
        case json_oid:
        case float4_oid:
        case float8_oid:
        case bpchar_oid:
        case varchar_oid:
        case date_oid:
        case time_oid:
        case timestamp_oid:
        case timestamptz_oid:
        case timetz_oid:
        case numeric_oid:
        case uuid_oid:
        case jsonb_oid: return true;
        default: return false;
    }
}

bool binary_text(std::string_view field, Oid type, std::string_view& out) noexcept {
    switch (type) {
        case text_oid:
        case varchar_oid:
        case bpchar_oid:
        case name_oid:
        case char_oid:
        case json_oid: out = field; return true;
        case jsonb_oid:
            if (field.empty() || field[0] != 1) return false;  // version 1 is the only one
            out = field.substr(1);
            return true;
        default: return false;
    }
}

bool binary_float4(std::string_view field, double& out) noexcept {
    if (field.size() != 4) return false;
    const auto bits = static_cast<std::uint32_t>(detail::big_endian(field.data(), 4));
    float f;
    std::memcpy(&f, &bits, sizeof f);
    if (!std::isfinite(f)) {
        out = f;
        return true;
    }
    // The shortest text that reads back as this float, read as a double: what the text format gives.
    char buf[32];
    const auto written = std::to_chars(buf, buf + sizeof buf, f);
    return std::from_chars(buf, written.ptr, out).ec == std::errc();
}

Value decode_binary(std::string_view field, Oid type) {
    std::int64_t integer = 0;
    if (binary_int64(field, type, integer)) return Value(integer);
    double real = 0;
    if (binary_float64(field, type, real)) return Value(real);
    std::string_view text;
    if (binary_text(field, type, text)) return type == json_oid || type == jsonb_oid ? Value(Json{std::string(text)}) : Value(std::string(text));
    switch (type) {
        case bool_oid: return Value(field_bits(field, 1, type) != 0);
        case bytea_oid: return Value(Bytes(field.begin(), field.end()));
        case date_oid: {
            const auto days = static_cast<std::int32_t>(field_bits(field, 4, type));
            if (days == std::numeric_limits<std::int32_t>::max() || days == std::numeric_limits<std::int32_t>::min())
                raise({ErrorCategory::invalid_value, "postgres: an infinite date has no Rex value", {}, {}});
            return Value(Date{days + epoch_days});
        }
        case time_oid: return Value(Time{static_cast<std::int64_t>(field_bits(field, 8, type))});
        case timetz_oid:  // the local time, then the zone: the zone is dropped, as from the text format
            if (field.size() != 12) malformed(type, "not 12 bytes");
            return Value(Time{static_cast<std::int64_t>(detail::big_endian(field.data(), 8))});
        case timestamp_oid:
        case timestamptz_oid: {  // timestamptz counts in UTC
            const auto micros = static_cast<std::int64_t>(field_bits(field, 8, type));
            if (micros == std::numeric_limits<std::int64_t>::max() || micros == std::numeric_limits<std::int64_t>::min())
                raise({ErrorCategory::invalid_value, "postgres: an infinite timestamp has no Rex value", {}, {}});
            return Value(Timestamp{micros + epoch_micros});
        }
        case numeric_oid: return Value(Decimal{numeric_text(field)});
        case uuid_oid: {
            if (field.size() != 16) malformed(type, "not 16 bytes");
            Uuid u;
            std::memcpy(u.bytes.data(), field.data(), 16);
            return Value(u);
        }
        case int2_oid:
        case int4_oid:
        case int8_oid:
        case oid_oid:
        case float4_oid:
        case float8_oid: malformed(type, std::to_string(field.size()) + " bytes, not the type's size");
        default: malformed(type, "no binary decoder for this type");
    }
}

}  // namespace rex::postgres

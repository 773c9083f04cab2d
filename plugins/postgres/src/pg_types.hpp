// PostgreSQL type OIDs <-> Rex values. Parameters go in text format (bytea in binary), typed by
// OID where the type matters for resolution (bool, int8, float8, bytea) and left to the server
// to infer otherwise, so a text value fits a varchar, json or enum column alike. Results come in
// text format and are decoded by column type OID; timestamptz text carries its offset and is
// normalised to UTC, so the session time zone never matters (PgBouncer-safe).
#pragma once

#include <rex/sdk/value.hpp>

#include <libpq-fe.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rex::postgres {

// OIDs from pg_type.dat; stable across PostgreSQL versions.
namespace oids {
inline constexpr Oid bool_oid = 16, bytea_oid = 17, char_oid = 18, name_oid = 19, int8_oid = 20, int2_oid = 21,
                     int4_oid = 23, text_oid = 25, oid_oid = 26, json_oid = 114, float4_oid = 700, float8_oid = 701,
                     bpchar_oid = 1042, varchar_oid = 1043, date_oid = 1082, time_oid = 1083, timestamp_oid = 1114,
                     timestamptz_oid = 1184, timetz_oid = 1266, numeric_oid = 1700, uuid_oid = 2950, jsonb_oid = 3802;
}  // namespace oids

ValueKind kind_of_oid(Oid type) noexcept;

// The OID a parameter of this kind is declared with: bool, int8, float8 and bytea, whose type
// decides how the server reads the value; 0 (inferred from the SQL) for the others.
Oid parameter_type(ValueKind kind) noexcept;

// Parameters in libpq's arrays; owns the text it points to.
struct EncodedParams {
    std::vector<Oid> types;
    std::vector<std::string> storage;
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
};

// The parameters in libpq's form: row[i], or row[(*map)[i]] when a map is given
// (Connection::execute_batch).
EncodedParams encode(std::span<const Value> row, const std::vector<std::size_t>* map = nullptr);
// The same into `e`, reusing its room.
void encode(EncodedParams& e, std::span<const Value> row, const std::vector<std::size_t>* map = nullptr);

Value decode(std::string_view text, Oid type);

// An integer as the server writes it in text format: an optional '-' and decimal digits.
// False for anything else or for a value past int64. Inline and narrower than std::from_chars,
// because hydration reads every integer cell through it.
inline bool read_int64(const char* p, const char* end, std::int64_t& out) noexcept {
    const bool negative = p != end && *p == '-';
    p += negative;
    if (p == end || end - p > 19) return false;
    std::uint64_t v = 0;  // 19 digits cannot overflow it
    for (; p != end; ++p) {
        const unsigned digit = static_cast<unsigned char>(*p) - unsigned{'0'};
        if (digit > 9) return false;
        v = v * 10 + digit;
    }
    constexpr std::uint64_t max = std::uint64_t{1} << 63;  // |INT64_MIN|
    if (v > max - !negative) return false;
    out = static_cast<std::int64_t>(negative ? 0 - v : v);  // modular: 0 - 2^63 is INT64_MIN
    return true;
}

}  // namespace rex::postgres

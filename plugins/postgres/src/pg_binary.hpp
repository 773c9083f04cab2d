// PostgreSQL's binary result format, for the types Rex maps. A named statement whose every
// result column has a type decoded here asks for its results in binary: numbers, dates and
// uuids then cross the wire as fixed-size fields, which neither the server has to format nor
// the client to parse. The values are the same as the text format's (tested side by side).
#pragma once

#include "pg_types.hpp"

#include <rex/sdk/value.hpp>

#include <libpq-fe.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rex::postgres {

// The types decoded here. Anything else (enums, arrays, domains, intervals, ...) keeps its
// statement in the text format.
bool binary_decodable(Oid type) noexcept;

// The cell's Value; throws InvalidValue for a malformed field or one Rex cannot hold
// (an infinite date or timestamp).
Value decode_binary(std::string_view field, Oid type);

// The cell as text where the type's binary form is its text (text, varchar, name, json, ...;
// jsonb without its version byte); false for every other type.
bool binary_text(std::string_view field, Oid type, std::string_view& out) noexcept;

namespace detail {
// A big-endian field of 1, 2, 4 or 8 bytes (network order, as the server sends it).
inline std::uint64_t big_endian(const char* p, std::size_t bytes) noexcept {
    switch (bytes) {
        case 8: {
            std::uint64_t v;
            std::memcpy(&v, p, 8);
            return __builtin_bswap64(v);
        }
        case 4: {
            std::uint32_t v;
            std::memcpy(&v, p, 4);
            return __builtin_bswap32(v);
        }
        case 2: {
            std::uint16_t v;
            std::memcpy(&v, p, 2);
            return __builtin_bswap16(v);
        }
        default: {
            std::uint64_t v = 0;
            for (std::size_t i = 0; i < bytes; ++i) v = v << 8 | static_cast<unsigned char>(p[i]);
            return v;
        }
    }
}

// A big-endian integer field of exactly sizeof(Int) bytes.
template <class Int>
bool big_endian_integer(std::string_view field, std::int64_t& out) noexcept {
    if (field.size() != sizeof(Int)) return false;
    out = static_cast<Int>(big_endian(field.data(), sizeof(Int)));
    return true;
}
}  // namespace detail

// Integer types (int2, int4, int8, oid); false for any other type or a field of the wrong size.
inline bool binary_int64(std::string_view field, Oid type, std::int64_t& out) noexcept {
    switch (type) {
        case oids::int8_oid: return detail::big_endian_integer<std::int64_t>(field, out);
        case oids::int4_oid: return detail::big_endian_integer<std::int32_t>(field, out);
        case oids::int2_oid: return detail::big_endian_integer<std::int16_t>(field, out);
        case oids::oid_oid: return detail::big_endian_integer<std::uint32_t>(field, out);
        default: return false;
    }
}

// float8 and float4; false for any other type or a field of the wrong size. A float4 becomes
// the double of its shortest decimal form, as the text format gives it (1.1, not 1.100000024).
bool binary_float4(std::string_view field, double& out) noexcept;
inline bool binary_float64(std::string_view field, Oid type, double& out) noexcept {
    if (type == oids::float8_oid && field.size() == 8) {
        const auto bits = detail::big_endian(field.data(), 8);
        std::memcpy(&out, &bits, sizeof out);
        return true;
    }
    return type == oids::float4_oid && binary_float4(field, out);
}

}  // namespace rex::postgres

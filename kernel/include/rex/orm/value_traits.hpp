// How C++ member types map to Rex values and logical column types. Specialise
// rex::ValueTraits<T> to map a type of your own.
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/result.hpp>
#include <rex/sdk/types.hpp>
#include <rex/sdk/value.hpp>

#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

namespace rex {

template <class T>
struct ValueTraits;  // to_value, from_value, column_type

// SUM over integers comes back as a decimal from PostgreSQL and MariaDB; a whole one fits an int.
REX_KERNEL_API std::int64_t integral_decimal(const std::string& text);

// A NULL read for a member that cannot hold one.
[[noreturn]] inline void raise_null_member(const char* what) {
    raise({ErrorCategory::invalid_value, std::string("NULL read for ") + what + " member (map it as std::optional)", {}, {}});
}

// An int64 read from the database, checked to fit a narrower or unsigned member.
template <std::integral T>
T narrow_integer(std::int64_t i) {
    if constexpr (sizeof(T) < sizeof(std::int64_t) || std::is_unsigned_v<T>) {
        if (i < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
            static_cast<std::uint64_t>(i) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
            raise({ErrorCategory::invalid_value, "value " + std::to_string(i) + " does not fit the member's type", {}, {}});
    }
    return static_cast<T>(i);
}

template <std::integral T>
    requires(!std::same_as<T, bool>)
struct ValueTraits<T> {
    static Value to_value(T v) { return Value(static_cast<std::int64_t>(v)); }
    static T from_value(const Value& v) {
        if (v.is_null()) raise_null_member("an integer");
        return narrow_integer<T>(v.kind() == ValueKind::decimal ? integral_decimal(v.as_decimal().text) : v.as_int64());
    }
    static ColumnType column_type() { return sizeof(T) <= 4 ? LogicalType::int32 : LogicalType::int64; }
};

template <>
struct ValueTraits<bool> {
    static Value to_value(bool v) { return Value(v); }
    static bool from_value(const Value& v) { return v.kind() == ValueKind::int64 ? v.as_int64() != 0 : v.as_bool(); }
    static ColumnType column_type() { return LogicalType::boolean; }
};

template <std::floating_point T>
struct ValueTraits<T> {
    static Value to_value(T v) { return Value(static_cast<double>(v)); }
    static T from_value(const Value& v) {
        if (v.kind() == ValueKind::decimal) return static_cast<T>(std::stod(v.as_decimal().text));
        return static_cast<T>(v.as_double());
    }
    static ColumnType column_type() { return LogicalType::float64; }
};

template <>
struct ValueTraits<std::string> {
    static Value to_value(const std::string& v) { return Value(v); }
    static std::string from_value(const Value& v) {
        if (v.kind() == ValueKind::text) return v.as_text();
        return display_not_null(v);
    }
    // A value read for hydration is not used again: its text moves instead of being copied.
    static std::string from_value(Value&& v) {
        if (const auto* text = v.get_if<std::string>()) return std::move(*const_cast<std::string*>(text));  // v is ours
        return display_not_null(v);
    }
    // Other kinds become their text; NULL is not the text "NULL".
    static std::string display_not_null(const Value& v) {
        if (v.is_null()) raise_null_member("a std::string");
        return v.to_display();
    }
    static ColumnType column_type() { return {LogicalType::string, 255}; }
};

// Date, Time, Timestamp, Uuid, Json, Decimal, Bytes map to themselves.
template <class T>
    requires(std::same_as<T, Date> || std::same_as<T, Time> || std::same_as<T, Timestamp> || std::same_as<T, Uuid> ||
             std::same_as<T, Json> || std::same_as<T, Decimal> || std::same_as<T, Bytes>)
struct ValueTraits<T> {
    static Value to_value(const T& v) { return Value(v); }
    static T from_value(const Value& v) {
        if (const T* p = v.get_if<T>()) return *p;
        if constexpr (std::same_as<T, Json>) return Json{v.to_display()};
        if constexpr (std::same_as<T, Decimal>) return Decimal{v.to_display()};
        if constexpr (std::same_as<T, Uuid>) return parse_uuid(v.as_text());
        if constexpr (std::same_as<T, Timestamp>) return parse_timestamp(v.as_text());
        if constexpr (std::same_as<T, Date>) return parse_date(v.as_text());
        if constexpr (std::same_as<T, Time>) return parse_time(v.as_text());
        if constexpr (std::same_as<T, Bytes>) {
            const auto& t = v.as_text();
            return Bytes(t.begin(), t.end());
        }
    }
    static ColumnType column_type() {
        if constexpr (std::same_as<T, Date>) return LogicalType::date;
        if constexpr (std::same_as<T, Time>) return LogicalType::time;
        if constexpr (std::same_as<T, Timestamp>) return LogicalType::timestamp;
        if constexpr (std::same_as<T, Uuid>) return LogicalType::uuid;
        if constexpr (std::same_as<T, Json>) return LogicalType::json;
        if constexpr (std::same_as<T, Decimal>) return ColumnType::decimal(18, 4);
        if constexpr (std::same_as<T, Bytes>) return LogicalType::bytes;
    }
};

template <class T>
struct ValueTraits<std::optional<T>> {
    static Value to_value(const std::optional<T>& v) { return v ? ValueTraits<T>::to_value(*v) : Value(); }
    static std::optional<T> from_value(const Value& v) {
        if (v.is_null()) return std::nullopt;
        return ValueTraits<T>::from_value(v);
    }
    static std::optional<T> from_value(Value&& v) {
        if (v.is_null()) return std::nullopt;
        return ValueTraits<T>::from_value(std::move(v));
    }
    static ColumnType column_type() { return ValueTraits<T>::column_type(); }
};

// Hydration's fast path: a cell decoded by Cursor::read_row goes straight into the member,
// without a Value, when the column's declared kind is `kind` (the member type's own
// representation). `take` returns false when the cell needs the general path through Value (not
// decoded, or a NULL for a member that cannot hold one, so that the error is the general path's).
// Types without a fast path keep kind == ValueKind::null.
template <class T>
struct DirectRead {
    static constexpr ValueKind kind = ValueKind::null;
    static bool take(const Cell&, T&) { return false; }
};

template <std::integral T>
    requires(!std::same_as<T, bool>)
struct DirectRead<T> {
    static constexpr ValueKind kind = ValueKind::int64;
    static bool take(const Cell& cell, T& out) {
        if (cell.state != CellState::ready) return false;
        out = narrow_integer<T>(cell.integer);
        return true;
    }
};

template <std::floating_point T>
struct DirectRead<T> {
    static constexpr ValueKind kind = ValueKind::float64;
    static bool take(const Cell& cell, T& out) {
        if (cell.state != CellState::ready) return false;
        out = static_cast<T>(cell.real);
        return true;
    }
};

template <>
struct DirectRead<std::string> {
    static constexpr ValueKind kind = ValueKind::text;
    // assign() reuses the member's buffer.
    static bool take(const Cell& cell, std::string& out) {
        if (cell.state != CellState::ready) return false;
        out.assign(cell.text);
        return true;
    }
};

template <class T>
struct DirectRead<std::optional<T>> {
    static constexpr ValueKind kind = DirectRead<T>::kind;
    static bool take(const Cell& cell, std::optional<T>& out) {
        if (cell.state == CellState::null) {
            out.reset();
            return true;
        }
        if (cell.state != CellState::ready) return false;
        if (!out) out.emplace();
        return DirectRead<T>::take(cell, *out);
    }
};

template <class T>
concept Mappable = requires(const T& t, const Value& v) {
    { ValueTraits<T>::to_value(t) } -> std::same_as<Value>;
    { ValueTraits<T>::from_value(v) } -> std::convertible_to<T>;
    { ValueTraits<T>::column_type() } -> std::convertible_to<ColumnType>;
};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// The value type under an optional: optional<int> -> int.
template <class T>
struct unwrap_optional {
    using type = T;
};
template <class T>
struct unwrap_optional<std::optional<T>> {
    using type = T;
};
template <class T>
using unwrap_optional_t = typename unwrap_optional<T>::type;

}  // namespace rex

// Value: one database value, null or typed, as bound parameters and as read back.
#pragma once

#include <rex/sdk/abi.hpp>

#include <array>
#include <compare>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

REX_SDK_BEGIN

// Representations (documented in docs/architecture.md, "Values"):
//  Date       days since 1970-01-01, proleptic Gregorian calendar
//  Time       microseconds since midnight, 0 <= micros < 86'400'000'000
//  Timestamp  microseconds since 1970-01-01T00:00:00Z; always UTC
//  Uuid       the 16 bytes in RFC 4122 order
//  Json       the JSON document as UTF-8 text (the SDK carries no JSON library)
//  Decimal    exact decimal number as canonical text ("-12.340"), never a double
struct Date {
    std::int32_t days = 0;
    friend auto operator<=>(const Date&, const Date&) = default;
};
struct Time {
    std::int64_t micros = 0;
    friend auto operator<=>(const Time&, const Time&) = default;
};
struct Timestamp {
    std::int64_t micros = 0;
    friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};
struct Uuid {
    std::array<std::uint8_t, 16> bytes{};
    friend auto operator<=>(const Uuid&, const Uuid&) = default;
};
struct Json {
    std::string text;
    friend bool operator==(const Json&, const Json&) = default;
};
struct Decimal {
    std::string text;
    friend bool operator==(const Decimal&, const Decimal&) = default;
};
using Bytes = std::vector<std::uint8_t>;

enum class ValueKind : std::uint8_t {
    null,
    boolean,
    int64,
    float64,
    decimal,
    text,
    bytes,
    date,
    time,
    timestamp,
    uuid,
    json,
};

REX_SDK_API std::string_view to_string(ValueKind kind) noexcept;

class REX_SDK_API Value {
public:
    Value() = default;
    Value(std::nullptr_t) {}
    Value(bool v) : data_(v) {}
    template <std::integral T>
        requires(!std::same_as<T, bool> && !std::same_as<T, char>)
    Value(T v) : data_(static_cast<std::int64_t>(v)) {}
    template <std::floating_point T>
    Value(T v) : data_(static_cast<double>(v)) {}
    Value(std::string v) : data_(std::move(v)) {}
    Value(std::string_view v) : data_(std::string(v)) {}
    Value(const char* v) : data_(std::string(v)) {}
    Value(Bytes v) : data_(std::move(v)) {}
    Value(Decimal v) : data_(std::move(v)) {}
    Value(Date v) : data_(v) {}
    Value(Time v) : data_(v) {}
    Value(Timestamp v) : data_(v) {}
    Value(Uuid v) : data_(v) {}
    Value(Json v) : data_(std::move(v)) {}
    template <class T>
    Value(const std::optional<T>& v) {
        if (v) *this = Value(*v);
    }

    ValueKind kind() const noexcept { return static_cast<ValueKind>(data_.index()); }
    bool is_null() const noexcept { return data_.index() == 0; }
    explicit operator bool() const = delete;  // ambiguous: null or false?

    // Checked accessors: a wrong kind throws InvalidValue naming both kinds.
    bool as_bool() const;
    std::int64_t as_int64() const;
    double as_double() const;  // also accepts int64
    const std::string& as_text() const;
    const Bytes& as_bytes() const;
    const Decimal& as_decimal() const;
    Date as_date() const;
    Time as_time() const;
    Timestamp as_timestamp() const;
    const Uuid& as_uuid() const;
    const Json& as_json() const;

    template <class T>
    const T* get_if() const noexcept {
        return std::get_if<T>(&data_);
    }

    // Human-readable form: NULL, true, 42, ISO dates, hex for bytes (\x0a0b), JSON text.
    std::string to_display() const;

    friend bool operator==(const Value&, const Value&) = default;

private:
    std::variant<std::monostate, bool, std::int64_t, double, Decimal, std::string, Bytes, Date, Time,
                 Timestamp, Uuid, Json>
        data_;
};

using Params = std::vector<Value>;

// ISO 8601 text forms, used by adapters that exchange text with the database.
REX_SDK_API std::string format_date(Date d);
REX_SDK_API std::string format_time(Time t);
REX_SDK_API std::string format_timestamp(Timestamp ts);  // 2024-01-31T12:00:00.123456Z
REX_SDK_API std::string format_uuid(const Uuid& u);      // 8-4-4-4-12 lower-case hex
// Parsers throw InvalidValue with the offending text. parse_timestamp accepts a 'T' or
// space separator, optional fraction, and 'Z', '+hh', '+hh:mm' or '+hhmm' offsets
// (normalised to UTC); without an offset the text is taken as UTC.
REX_SDK_API Date parse_date(std::string_view text);
REX_SDK_API Time parse_time(std::string_view text);
REX_SDK_API Timestamp parse_timestamp(std::string_view text);
REX_SDK_API Uuid parse_uuid(std::string_view text);

REX_SDK_API Date make_date(int year, unsigned month, unsigned day);
struct CivilDate {
    int year;
    unsigned month;  // 1-12
    unsigned day;    // 1-31
};
REX_SDK_API CivilDate civil(Date d) noexcept;
REX_SDK_API Time make_time(unsigned hour, unsigned minute, unsigned second, std::uint32_t micros = 0);

REX_SDK_END

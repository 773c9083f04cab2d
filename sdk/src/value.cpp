#include <rex/sdk/error.hpp>
#include <rex/sdk/value.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>

REX_SDK_BEGIN

namespace {

constexpr std::int64_t micros_per_second = 1'000'000;
constexpr std::int64_t micros_per_day = 86'400 * micros_per_second;

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

constexpr Civil civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

constexpr bool leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
    constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

[[noreturn]] void bad_text(std::string_view what, std::string_view text) {
    raise({ErrorCategory::invalid_value,
           "invalid " + std::string(what) + " '" + std::string(text.substr(0, 64)) + "'", {}, {}});
}

[[noreturn]] void wrong_kind(ValueKind have, ValueKind want) {
    raise({ErrorCategory::invalid_value,
           "value is " + std::string(to_string(have)) + ", expected " + std::string(to_string(want)),
           {}, {}});
}

// A small cursor over text for the ISO parsers.
struct Scanner {
    std::string_view text;
    std::size_t pos = 0;

    bool done() const { return pos >= text.size(); }
    char peek() const { return done() ? '\0' : text[pos]; }
    bool eat(char c) {
        if (peek() != c) return false;
        ++pos;
        return true;
    }
    // Exactly `n` digits.
    bool digits(std::size_t n, std::int64_t& out) {
        if (pos + n > text.size()) return false;
        std::int64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const char c = text[pos + i];
            if (c < '0' || c > '9') return false;
            v = v * 10 + (c - '0');
        }
        pos += n;
        out = v;
        return true;
    }
    // ".ffffff": up to 9 digits, truncated to microseconds.
    std::int64_t fraction() {
        if (!eat('.')) return 0;
        std::int64_t micros = 0;
        std::size_t count = 0;
        while (!done() && peek() >= '0' && peek() <= '9') {
            if (count < 6) micros = micros * 10 + (peek() - '0');
            ++count;
            ++pos;
        }
        for (; count < 6; ++count) micros *= 10;
        return micros;
    }
};

bool scan_date(Scanner& s, std::int64_t& days) {
    std::int64_t y = 0, m = 0, d = 0;
    const bool negative = s.eat('-');
    if (!s.digits(4, y) || !s.eat('-') || !s.digits(2, m) || !s.eat('-') || !s.digits(2, d)) return false;
    if (negative) y = -y;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, static_cast<unsigned>(m))) return false;
    days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
    return true;
}

bool scan_time(Scanner& s, std::int64_t& micros) {
    std::int64_t h = 0, mi = 0, sec = 0;
    if (!s.digits(2, h) || !s.eat(':') || !s.digits(2, mi)) return false;
    if (s.eat(':') && !s.digits(2, sec)) return false;
    if (h > 23 || mi > 59 || sec > 60) return false;  // 60: leap second, folded below
    if (sec == 60) sec = 59;
    micros = ((h * 60 + mi) * 60 + sec) * micros_per_second + s.fraction();
    return true;
}

std::string two(std::int64_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d", static_cast<int>(v));
    return buf;
}

std::string format_time_of_day(std::int64_t micros) {
    const auto secs = micros / micros_per_second;
    const auto frac = micros % micros_per_second;
    std::string out = two(secs / 3600) + ":" + two(secs / 60 % 60) + ":" + two(secs % 60);
    if (frac) {
        char buf[16];
        std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
        out += buf;
        while (out.back() == '0') out.pop_back();
    }
    return out;
}

std::string format_days(std::int64_t days) {
    const auto c = civil_from_days(days);
    char buf[32];
    if (c.year >= 0 && c.year <= 9999)
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
    else
        std::snprintf(buf, sizeof buf, "%lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
    return buf;
}

// floor division for negative timestamps
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::string_view to_string(ValueKind kind) noexcept {
    switch (kind) {
        case ValueKind::null: return "null";
        case ValueKind::boolean: return "bool";
        case ValueKind::int64: return "int64";
        case ValueKind::float64: return "float64";
        case ValueKind::decimal: return "decimal";
        case ValueKind::text: return "text";
        case ValueKind::bytes: return "bytes";
        case ValueKind::date: return "date";
        case ValueKind::time: return "time";
        case ValueKind::timestamp: return "timestamp";
        case ValueKind::uuid: return "uuid";
        case ValueKind::json: return "json";
    }
    return "unknown";
}

#define REX_VALUE_GETTER(Ret, Name, Type, Kind)              \
    Ret Value::Name() const {                                \
        if (auto p = std::get_if<Type>(&data_)) return *p;   \
        wrong_kind(kind(), ValueKind::Kind);                 \
    }

REX_VALUE_GETTER(bool, as_bool, bool, boolean)
REX_VALUE_GETTER(std::int64_t, as_int64, std::int64_t, int64)
REX_VALUE_GETTER(const std::string&, as_text, std::string, text)
REX_VALUE_GETTER(const Bytes&, as_bytes, Bytes, bytes)
REX_VALUE_GETTER(const Decimal&, as_decimal, Decimal, decimal)
REX_VALUE_GETTER(Date, as_date, Date, date)
REX_VALUE_GETTER(Time, as_time, Time, time)
REX_VALUE_GETTER(Timestamp, as_timestamp, Timestamp, timestamp)
REX_VALUE_GETTER(const Uuid&, as_uuid, Uuid, uuid)
REX_VALUE_GETTER(const Json&, as_json, Json, json)

#undef REX_VALUE_GETTER

double Value::as_double() const {
    if (auto p = std::get_if<double>(&data_)) return *p;
    if (auto p = std::get_if<std::int64_t>(&data_)) return static_cast<double>(*p);
    wrong_kind(kind(), ValueKind::float64);
}

std::string Value::to_display() const {
    switch (kind()) {
        case ValueKind::null: return "NULL";
        case ValueKind::boolean: return as_bool() ? "true" : "false";
        case ValueKind::int64: return std::to_string(as_int64());
        case ValueKind::float64: {
            const double d = std::get<double>(data_);
            if (std::isnan(d)) return "NaN";
            if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
            char buf[64];
            auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
            return std::string(buf, end);
        }
        case ValueKind::decimal: return as_decimal().text;
        case ValueKind::text: return as_text();
        case ValueKind::bytes: {
            static constexpr char hex[] = "0123456789abcdef";
            std::string out = "\\x";
            for (auto b : as_bytes()) {
                out += hex[b >> 4];
                out += hex[b & 15];
            }
            return out;
        }
        case ValueKind::date: return format_date(as_date());
        case ValueKind::time: return format_time(as_time());
        case ValueKind::timestamp: return format_timestamp(as_timestamp());
        case ValueKind::uuid: return format_uuid(as_uuid());
        case ValueKind::json: return as_json().text;
    }
    return {};
}

Date make_date(int year, unsigned month, unsigned day) {
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        raise({ErrorCategory::invalid_value,
               "invalid date " + std::to_string(year) + "-" + std::to_string(month) + "-" + std::to_string(day),
               {}, {}});
    return Date{static_cast<std::int32_t>(days_from_civil(year, month, day))};
}

Time make_time(unsigned hour, unsigned minute, unsigned second, std::uint32_t micros) {
    if (hour > 23 || minute > 59 || second > 59 || micros >= micros_per_second)
        raise({ErrorCategory::invalid_value, "invalid time of day", {}, {}});
    return Time{((hour * 60LL + minute) * 60LL + second) * micros_per_second + micros};
}

std::string format_date(Date d) { return format_days(d.days); }

CivilDate civil(Date d) noexcept {
    const auto c = civil_from_days(d.days);
    return {static_cast<int>(c.year), c.month, c.day};
}

std::string format_time(Time t) { return format_time_of_day(t.micros); }

std::string format_timestamp(Timestamp ts) {
    const auto days = floor_div(ts.micros, micros_per_day);
    const auto rest = ts.micros - days * micros_per_day;
    return format_days(days) + "T" + format_time_of_day(rest) + "Z";
}

std::string format_uuid(const Uuid& u) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex[u.bytes[i] >> 4];
        out += hex[u.bytes[i] & 15];
    }
    return out;
}

Date parse_date(std::string_view text) {
    Scanner s{text};
    std::int64_t days = 0;
    if (!scan_date(s, days) || !s.done()) bad_text("date", text);
    return Date{static_cast<std::int32_t>(days)};
}

Time parse_time(std::string_view text) {
    Scanner s{text};
    std::int64_t micros = 0;
    if (!scan_time(s, micros) || !s.done()) bad_text("time", text);
    return Time{micros};
}

Timestamp parse_timestamp(std::string_view text) {
    Scanner s{text};
    std::int64_t days = 0, micros = 0;
    if (!scan_date(s, days)) bad_text("timestamp", text);
    if (!s.done()) {
        if (!s.eat('T') && !s.eat(' ') && !s.eat('t')) bad_text("timestamp", text);
        if (!scan_time(s, micros)) bad_text("timestamp", text);
    }
    std::int64_t offset_minutes = 0;
    if (s.eat('Z') || s.eat('z')) {
    } else if (s.peek() == '+' || s.peek() == '-') {
        const bool negative = s.peek() == '-';
        ++s.pos;
        std::int64_t oh = 0, om = 0;
        if (!s.digits(2, oh)) bad_text("timestamp", text);
        if (s.eat(':')) {
            if (!s.digits(2, om)) bad_text("timestamp", text);
        } else if (!s.done()) {
            if (!s.digits(2, om)) bad_text("timestamp", text);
        }
        offset_minutes = (oh * 60 + om) * (negative ? -1 : 1);
    }
    if (!s.done()) bad_text("timestamp", text);
    return Timestamp{days * micros_per_day + micros - offset_minutes * 60 * micros_per_second};
}

Uuid parse_uuid(std::string_view text) {
    Uuid u;
    std::size_t n = 0;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string_view body = text;
    if (body.size() == 38 && body.front() == '{' && body.back() == '}') body = body.substr(1, 36);
    int high = -1;
    for (char c : body) {
        if (c == '-') continue;
        const int v = nibble(c);
        if (v < 0 || n >= 16) bad_text("uuid", text);
        if (high < 0) {
            high = v;
        } else {
            u.bytes[n++] = static_cast<std::uint8_t>(high << 4 | v);
            high = -1;
        }
    }
    if (n != 16 || high >= 0) bad_text("uuid", text);
    return u;
}

REX_SDK_END

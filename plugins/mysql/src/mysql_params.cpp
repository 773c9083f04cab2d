#include "mysql_params.hpp"

#include <rex/sdk/adapter.hpp>

#include <cstring>

namespace rex::mysql {

namespace {

constexpr std::int64_t micros_per_second = 1'000'000;
constexpr std::int64_t micros_per_day = 86'400 * micros_per_second;

void set_date(MYSQL_TIME& t, std::int64_t days) {
    const auto c = civil(Date{static_cast<std::int32_t>(days)});
    t.year = static_cast<unsigned>(c.year);
    t.month = c.month;
    t.day = c.day;
}

void set_time_of_day(MYSQL_TIME& t, std::int64_t micros) {
    const auto seconds = micros / micros_per_second;
    t.hour = static_cast<unsigned>(seconds / 3600);
    t.minute = static_cast<unsigned>(seconds / 60 % 60);
    t.second = static_cast<unsigned>(seconds % 60);
    t.second_part = static_cast<unsigned long>(micros % micros_per_second);
}

}  // namespace

MYSQL_TIME to_mysql_time(const Value& value) {
    MYSQL_TIME t;
    std::memset(&t, 0, sizeof t);
    switch (value.kind()) {
        case ValueKind::date:
            t.time_type = MYSQL_TIMESTAMP_DATE;
            set_date(t, value.as_date().days);
            break;
        case ValueKind::time:
            t.time_type = MYSQL_TIMESTAMP_TIME;
            set_time_of_day(t, value.as_time().micros);
            break;
        default: {
            const auto micros = value.as_timestamp().micros;
            auto days = micros / micros_per_day;
            auto rest = micros % micros_per_day;
            if (rest < 0) {
                rest += micros_per_day;
                --days;
            }
            t.time_type = MYSQL_TIMESTAMP_DATETIME;
            set_date(t, days);
            set_time_of_day(t, rest);
        }
    }
    return t;
}

void BoundParams::bind(std::span<const Value> row, const std::vector<std::size_t>* map) {
    const auto n = map ? map->size() : row.size();
    binds_.assign(n, MYSQL_BIND{});  // every MYSQL_BIND starts zeroed
    // Room for n of each up front: binds point into these vectors.
    integers_.clear();
    doubles_.clear();
    times_.clear();
    texts_.clear();
    integers_.reserve(n);
    doubles_.reserve(n);
    times_.reserve(n);
    texts_.reserve(n);
    nulls_.assign(n, 1);
    for (std::size_t i = 0; i < n; ++i) {
        auto& b = binds_[i];
        const auto& v = map ? batch_parameter(row, (*map)[i]) : row[i];
        auto text = [&](enum_field_types type, const std::string& s) {
            b.buffer_type = type;
            b.buffer = const_cast<char*>(s.data());
            b.buffer_length = s.size();
        };
        switch (v.kind()) {
            case ValueKind::null:
                b.buffer_type = MYSQL_TYPE_NULL;
                b.is_null = &nulls_[i];
                break;
            case ValueKind::boolean:
            case ValueKind::int64:
                integers_.push_back(v.kind() == ValueKind::boolean ? (v.as_bool() ? 1 : 0) : v.as_int64());
                b.buffer_type = MYSQL_TYPE_LONGLONG;
                b.buffer = &integers_.back();
                break;
            case ValueKind::float64:
                doubles_.push_back(v.as_double());
                b.buffer_type = MYSQL_TYPE_DOUBLE;
                b.buffer = &doubles_.back();
                break;
            case ValueKind::decimal: text(MYSQL_TYPE_NEWDECIMAL, v.as_decimal().text); break;
            case ValueKind::text: text(MYSQL_TYPE_STRING, v.as_text()); break;
            case ValueKind::json: text(MYSQL_TYPE_STRING, v.as_json().text); break;
            case ValueKind::uuid:
                texts_.push_back(format_uuid(v.as_uuid()));
                text(MYSQL_TYPE_STRING, texts_.back());
                break;
            case ValueKind::bytes: {
                const auto& bytes = v.as_bytes();
                static char empty = 0;  // a null buffer would bind NULL; an empty blob is not NULL
                b.buffer_type = MYSQL_TYPE_BLOB;
                b.buffer = bytes.empty() ? static_cast<void*>(&empty) : const_cast<std::uint8_t*>(bytes.data());
                b.buffer_length = bytes.size();
                break;
            }
            case ValueKind::date:
            case ValueKind::time:
            case ValueKind::timestamp:
                times_.push_back(to_mysql_time(v));
                b.buffer_type = v.kind() == ValueKind::date   ? MYSQL_TYPE_DATE
                                : v.kind() == ValueKind::time ? MYSQL_TYPE_TIME
                                                              : MYSQL_TYPE_DATETIME;
                b.buffer = &times_.back();
                break;
        }
    }
}

}  // namespace rex::mysql

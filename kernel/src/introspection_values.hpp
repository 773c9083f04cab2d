// Reading the flag columns of introspection queries, which databases answer as a boolean
// (PostgreSQL), 0/1 (MySQL, SQLite) or text.
#pragma once

#include <rex/sdk/value.hpp>

namespace rex {

inline bool truthy(const Value& v) {
    if (v.kind() == ValueKind::boolean) return v.as_bool();
    if (v.kind() == ValueKind::int64) return v.as_int64() != 0;
    return !v.is_null() && v.to_display() != "0";
}

}  // namespace rex

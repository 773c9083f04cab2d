// A string(n) field holds at most n characters (code points), checked before any SQL is sent
// by the typed API and DynamicQuery alike: databases differ (SQLite stores any length, MySQL
// may cut, PostgreSQL refuses), so the check is Rex's.
#pragma once

#include <rex/sdk/catalog.hpp>
#include <rex/sdk/error.hpp>

#include <algorithm>
#include <string>

namespace rex::detail {

inline std::size_t utf8_length(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Raises InvalidValue "<label> is string(n); the value has m characters" when `v` is longer
// than a string(n) field `f` allows; `label()` names the field (built only then).
template <class Label>
void check_text_length(const FieldInfo& f, const Value& v, Label&& label) {
    if (f.type.type != LogicalType::string || !f.type.length || v.kind() != ValueKind::text) return;
    const auto& text = v.as_text();
    const auto limit = static_cast<std::size_t>(*f.type.length);
    if (text.size() <= limit) return;  // bytes bound code points: no count needed
    const auto n = utf8_length(text);
    if (n <= limit) return;
    raise({ErrorCategory::invalid_value,
           label() + " is " + std::string(to_string(f.type.type)) + "(" + std::to_string(limit) + "); the value has " + std::to_string(n) +
               " characters",
           {}, {}});
}

}  // namespace rex::detail

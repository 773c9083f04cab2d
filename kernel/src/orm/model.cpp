#include <rex/orm/model.hpp>
#include <rex/orm/value_traits.hpp>

#include <charconv>

namespace rex {

std::int64_t integral_decimal(const std::string& text) {
    std::int64_t out = 0;
    auto end = text.data() + text.size();
    // "42" and "42.000" are whole; "42.5" is not.
    const auto dot = text.find('.');
    const char* digits_end = dot == std::string::npos ? end : text.data() + dot;
    auto [ptr, ec] = std::from_chars(text.data(), digits_end, out);
    bool whole = ec == std::errc{} && ptr == digits_end;
    for (const char* p = digits_end + (dot == std::string::npos ? 0 : 1); whole && p < end; ++p) whole = *p == '0';
    if (!whole) raise({ErrorCategory::invalid_value, "decimal " + text + " is not a whole number that fits an integer member", {}, {}});
    return out;
}

EntityInfo EntityModel::info() const {
    EntityInfo e;
    e.name = name;
    e.table = table;
    for (const auto& f : fields) {
        e.fields.push_back(f.info);
        for (const auto& r : f.rules) e.rules.push_back({f.info.name, r.name, r.argument});
    }
    e.indexes = indexes;
    return e;
}

}  // namespace rex

#include "api/rules.hpp"

#include <optional>
#include <regex>

namespace rex::graphql {

namespace {

std::string text_of(const Value& v) {
    if (const auto* s = v.get_if<std::string>()) return *s;
    return v.to_display();
}

std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

std::optional<std::pair<std::string, std::string>> bounds(const std::string& argument) {
    const auto dots = argument.find("..");
    if (dots == std::string::npos) return std::nullopt;
    return std::pair{argument.substr(0, dots), argument.substr(dots + 2)};
}

// The failure message, or nullopt when the value passes (NULL passes every rule).
std::optional<std::string> check(const ValidationRuleInfo& r, const Value& v) {
    if (v.is_null()) return std::nullopt;
    if (r.rule == "not_empty") {
        if (text_of(v).find_first_not_of(" \t\r\n") == std::string::npos) return "must not be empty";
    } else if (r.rule == "length") {
        const auto b = bounds(r.argument);
        if (!b) return std::nullopt;
        const auto n = utf8_length(text_of(v));
        if (n < std::stoul(b->first) || n > std::stoul(b->second))
            return "must be " + b->first + " to " + b->second + " characters long (is " + std::to_string(n) + ")";
    } else if (r.rule == "range") {
        const auto b = bounds(r.argument);
        if (!b) return std::nullopt;
        double d = 0;
        if (const auto* dec = v.get_if<Decimal>()) d = std::stod(dec->text);
        else if (v.kind() == ValueKind::int64 || v.kind() == ValueKind::float64) d = v.as_double();
        else return std::nullopt;
        if (d < std::stod(b->first) || d > std::stod(b->second)) return "must be between " + b->first + " and " + b->second;
    } else if (r.rule == "pattern") {
        if (!std::regex_match(text_of(v), std::regex(r.argument, std::regex::ECMAScript))) return "must match " + r.argument;
    } else if (r.rule == "email") {
        static const std::regex re(R"([^@\s]+@[^@\s.]+(\.[^@\s.]+)+)");
        if (!std::regex_match(text_of(v), re)) return "must be an email address";
    } else if (r.rule == "one_of") {
        const auto t = text_of(v);
        for (std::size_t start = 0;;) {
            const auto comma = r.argument.find(", ", start);
            if (r.argument.substr(start, comma - start) == t) return std::nullopt;
            if (comma == std::string::npos) break;
            start = comma + 2;
        }
        return "must be one of: " + r.argument;
    }
    return std::nullopt;
}

}  // namespace

std::vector<RuleFailure> check_rules(const EntityInfo& entity, const std::vector<std::pair<const FieldInfo*, Value>>& values) {
    std::vector<RuleFailure> out;
    for (const auto& rule : entity.rules)
        for (const auto& [field, value] : values) {
            if (field->name != rule.field) continue;
            try {
                if (auto message = check(rule, value)) out.push_back({field->name, rule.rule, std::move(*message)});
            } catch (const std::exception&) {
                // A malformed argument (bad regex, bounds) is the model's fault, not the caller's: skip.
            }
        }
    return out;
}

}  // namespace rex::graphql

#include <rex/orm/rules.hpp>

#include <regex>

namespace rex {

namespace {

std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string text_of(const Value& v) { return v.kind() == ValueKind::text ? v.as_text() : v.to_display(); }

std::string number(double d) {
    auto s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

Rule not_empty() {
    return {"not_empty", "", [](const Value& v) -> std::optional<std::string> {
                if (v.is_null()) return std::nullopt;
                const auto t = text_of(v);
                if (t.find_first_not_of(" \t\r\n") == std::string::npos) return "must not be empty";
                return std::nullopt;
            }};
}

Rule length(std::size_t min, std::size_t max) {
    return {"length", std::to_string(min) + ".." + std::to_string(max), [min, max](const Value& v) -> std::optional<std::string> {
                if (v.is_null()) return std::nullopt;
                const auto n = utf8_length(text_of(v));
                if (n < min || n > max)
                    return "must be " + std::to_string(min) + " to " + std::to_string(max) + " characters long (is " +
                           std::to_string(n) + ")";
                return std::nullopt;
            }};
}

Rule range(double min, double max) {
    return {"range", number(min) + ".." + number(max), [min, max](const Value& v) -> std::optional<std::string> {
                if (v.is_null()) return std::nullopt;
                double d = 0;
                if (v.kind() == ValueKind::decimal)
                    d = std::stod(v.as_decimal().text);
                else
                    d = v.as_double();
                if (d < min || d > max) return "must be between " + number(min) + " and " + number(max) + " (is " + v.to_display() + ")";
                return std::nullopt;
            }};
}

Rule pattern(std::string expression) {
    auto re = std::make_shared<std::regex>(expression, std::regex::ECMAScript);
    return {"pattern", expression, [re, expression](const Value& v) -> std::optional<std::string> {
                if (v.is_null()) return std::nullopt;
                if (!std::regex_match(text_of(v), *re)) return "must match " + expression;
                return std::nullopt;
            }};
}

Rule email() {
    // Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is the mail
    // server's question.
    static const std::regex re(R"([^@\s]+@[^@\s.]+(\.[^@\s.]+)+)");
    return {"email", "", [](const Value& v) -> std::optional<std::string> {
                if (v.is_null()) return std::nullopt;
                if (!std::regex_match(text_of(v), re)) return "must be an email address";
                return std::nullopt;
            }};
}

Rule one_of(std::vector<std::string> allowed) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return {"one_of", list, [allowed, list](const Value& v) -> std::optional<std::string> {
                if (v.is_null()) return std::nullopt;
                const auto t = text_of(v);
                for (const auto& a : allowed)
                    if (a == t) return std::nullopt;
                return "must be one of: " + list;
            }};
}

Rule custom(std::string name, std::function<std::optional<std::string>(const Value&)> check) {
    return {std::move(name), "", std::move(check)};
}

}  // namespace rex

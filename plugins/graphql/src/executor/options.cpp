#include "executor/options.hpp"

#include <rex/sdk/error.hpp>

#include <charconv>
#include <cstdlib>
#include <string>

namespace rex::graphql {

namespace {

std::optional<std::int64_t> number(const char* name) {
    const char* text = std::getenv(name);
    if (!text || !*text) return std::nullopt;
    std::int64_t out = 0;
    const std::string_view s(text);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc{} || end != s.data() + s.size() || out < 0)
        raise({ErrorCategory::configuration, std::string(name) + " must be a non-negative integer, not \"" + std::string(s) + "\"", {}, {}});
    return out;
}

}  // namespace

ExecutorOptions ExecutorOptions::from_environment() {
    ExecutorOptions o;
    if (const char* naming = std::getenv("REX_GRAPHQL_NAMING"); naming && *naming) {
        const auto parsed = parse_naming(naming);
        if (!parsed) raise({ErrorCategory::configuration, "REX_GRAPHQL_NAMING must be as-is or camel, not \"" + std::string(naming) + "\"", {}, {}});
        o.api.naming = *parsed;
    }
    if (auto v = number("REX_GRAPHQL_DEFAULT_LIMIT")) o.pages.default_limit = *v;
    if (auto v = number("REX_GRAPHQL_MAX_LIMIT")) o.pages.max_limit = *v;
    if (auto v = number("REX_GRAPHQL_MAX_BODY")) o.max_body = static_cast<std::size_t>(*v);
    if (auto v = number("REX_GRAPHQL_MAX_NODES")) o.max_nodes = static_cast<std::size_t>(*v);
    if (auto v = number("REX_GRAPHQL_MAX_DEPTH")) o.limits.max_depth = static_cast<std::size_t>(*v);
    if (auto v = number("REX_GRAPHQL_INTROSPECTION")) o.limits.introspection = *v != 0;
    if (auto v = number("REX_GRAPHQL_STATEMENT_TIMEOUT_MS")) o.statement_timeout = std::chrono::milliseconds(*v);
    return o;
}

}  // namespace rex::graphql

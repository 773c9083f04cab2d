#include "executor/options.hpp"

#include "executor/sha256.hpp"

#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <fstream>

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

[[noreturn]] void bad_list(const std::string& path, const std::string& why) {
    raise({ErrorCategory::configuration, "REX_GRAPHQL_PERSISTED_QUERIES " + path + ": " + why, {}, {}});
}

std::shared_ptr<const std::map<std::string, std::string, std::less<>>> load_persisted_queries(const std::string& path) {
    std::ifstream in(path);
    if (!in) bad_list(path, "cannot be read");
    const auto document = nlohmann::json::parse(in, nullptr, false);
    auto out = std::make_shared<std::map<std::string, std::string, std::less<>>>();
    if (document.is_array()) {
        for (const auto& q : document) {
            if (!q.is_string()) bad_list(path, "an array must hold query texts");
            (*out)[sha256_hex(q.get<std::string>())] = q.get<std::string>();
        }
    } else if (document.is_object()) {
        for (const auto& [hash, q] : document.items()) {
            if (!q.is_string()) bad_list(path, "an object must map sha256 hashes to query texts");
            if (sha256_hex(q.get<std::string>()) != hash) bad_list(path, "the query under " + hash + " has another sha256");
            (*out)[hash] = q.get<std::string>();
        }
    } else {
        bad_list(path, "is not a JSON array or object");
    }
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
    if (auto v = number("REX_GRAPHQL_SIMPLE_NAMES")) o.api.simple_names = *v != 0;
    if (auto v = number("REX_GRAPHQL_DEFAULT_LIMIT")) o.pages.default_limit = *v;
    if (auto v = number("REX_GRAPHQL_MAX_LIMIT")) o.pages.max_limit = *v;
    if (auto v = number("REX_GRAPHQL_MAX_BODY")) o.max_body = static_cast<std::size_t>(*v);
    if (auto v = number("REX_GRAPHQL_MAX_NODES")) o.max_nodes = static_cast<std::size_t>(*v);
    if (auto v = number("REX_GRAPHQL_MAX_DEPTH")) o.limits.max_depth = static_cast<std::size_t>(*v);
    if (auto v = number("REX_GRAPHQL_INTROSPECTION")) o.limits.introspection = *v != 0;
    if (auto v = number("REX_GRAPHQL_STATEMENT_TIMEOUT_MS")) o.statement_timeout = std::chrono::milliseconds(*v);
    if (const char* path = std::getenv("REX_GRAPHQL_PERSISTED_QUERIES"); path && *path) o.persisted_queries = load_persisted_queries(path);
    return o;
}

}  // namespace rex::graphql

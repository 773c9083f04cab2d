#include "executor/options.hpp"

#include "executor/sha256.hpp"

#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>

#include <cstdint>
#include <limits>
#include <string>

namespace rex::graphql {

namespace {

[[noreturn]] void bad_list(const std::string& path, const std::string& why) {
    raise({ErrorCategory::configuration, "persisted_queries " + path + ": " + why, {}, {}});
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

// "cache": true | false | {"enabled", "max_entries", "max_bytes", "ttl_ms"}; an object without
// "enabled" turns the cache on.
void read_cache(const PluginSettings& settings, ResponseCacheOptions& cache) {
    bool object = false;
    for (const auto& [key, value] : settings.values()) {
        if (!key.starts_with("cache.")) continue;
        object = true;
        const auto name = std::string_view(key).substr(6);
        if (name != "enabled" && name != "max_entries" && name != "max_bytes" && name != "ttl_ms")
            raise({ErrorCategory::configuration,
                   settings.origin() + "/cache/" + std::string(name) + ": unknown setting (known: enabled, max_entries, max_bytes, ttl_ms)", {}, {}});
    }
    if (!object) {
        cache.enabled = settings.boolean("cache", cache.enabled);
        return;
    }
    constexpr std::int64_t most = std::numeric_limits<std::int32_t>::max();
    cache.enabled = settings.boolean("cache.enabled", true);
    cache.max_entries = static_cast<std::size_t>(settings.integer("cache.max_entries", static_cast<std::int64_t>(cache.max_entries), 0, most));
    cache.max_bytes = static_cast<std::size_t>(settings.integer("cache.max_bytes", static_cast<std::int64_t>(cache.max_bytes), 0, 1LL << 40));
    cache.ttl = std::chrono::milliseconds(settings.integer("cache.ttl_ms", cache.ttl.count(), 0, most));
}

// A query's "roles": a JSON array of role names (the config hands arrays over as JSON text).
std::vector<std::string> role_list(const std::string& text, const std::function<void(const std::string&)>& fail) {
    const auto parsed = nlohmann::json::parse(text, nullptr, false);
    std::vector<std::string> out;
    if (!parsed.is_array()) fail("expected an array of role names");
    for (const auto& r : parsed) {
        if (!r.is_string() || r.get_ref<const std::string&>().empty()) fail("expected an array of role names");
        out.push_back(r.get<std::string>());
    }
    return out;
}

// "queries": {"<name>": {"sql": "...", "args": {"<arg>": "<type>"}, "returns": "<type>", "description": "...", "roles": [...]}},
// flattened by the config into "queries.<name>.sql", "queries.<name>.args.<arg>", ...
std::vector<std::shared_ptr<const SqlQueryDef>> sql_queries(const PluginSettings& settings) {
    std::vector<std::shared_ptr<SqlQueryDef>> out;
    const auto fail = [&](std::string_view key, const std::string& problem) {
        std::string pointer(key);
        for (auto& c : pointer)
            if (c == '.') c = '/';
        raise({ErrorCategory::configuration, settings.origin() + "/" + pointer + ": " + problem, {}, {}});
    };
    for (const auto& [key, value] : settings.values()) {
        if (key != "queries" && !key.starts_with("queries.")) continue;
        const auto dot = key.find('.', 8);
        if (key == "queries" || dot == std::string::npos) fail(key, "expected an object {\"sql\": ..., \"args\": {...}, \"returns\": ...}");
        const auto name = key.substr(8, dot - 8);
        const auto member = key.substr(dot + 1);
        auto it = std::find_if(out.begin(), out.end(), [&](const auto& q) { return q->name == name; });
        if (it == out.end()) {
            auto q = std::make_shared<SqlQueryDef>();
            q->name = name;
            q->origin = settings.origin() + "/queries/" + name;
            it = out.insert(out.end(), std::move(q));
        }
        auto& q = **it;
        if (member == "sql") q.sql = value;
        else if (member == "returns") q.returns = value;
        else if (member == "description") q.description = value;
        else if (member.starts_with("args.") && member.size() > 5) q.arguments.emplace_back(member.substr(5), value);
        else if (member == "roles") q.roles = role_list(value, [&fail, &key = key](const std::string& problem) { fail(key, problem); });
        else fail(key, "unknown member (known: sql, args, returns, description, roles)");
    }
    std::vector<std::shared_ptr<const SqlQueryDef>> done;
    for (auto& q : out) {
        if (q->sql.empty()) fail("queries." + q->name + ".sql", "missing: the SQL text of the query");
        if (q->returns.empty()) fail("queries." + q->name + ".returns", "missing: the GraphQL type of the result");
        done.push_back(std::move(q));
    }
    return done;
}

}  // namespace

ExecutorOptions ExecutorOptions::from_settings(const PluginSettings& settings) {
    settings.check_known({"naming", "simple_names", "default_limit", "max_limit", "max_body", "max_nodes", "max_depth",
                          "introspection", "statement_timeout_ms", "persisted_queries", "live_debounce_ms", "max_subscriptions", "inline_integers", "cache", "console",
                          "queries"});
    constexpr std::int64_t most = std::numeric_limits<std::int32_t>::max();
    ExecutorOptions o;
    o.api.naming = *parse_naming(settings.choice("naming", "as-is", {"as-is", "camel"}));
    o.api.simple_names = settings.boolean("simple_names", o.api.simple_names);
    o.api.queries = sql_queries(settings);
    if (settings.find("default_limit")) o.pages.default_limit = settings.integer("default_limit", 0, 1, most);
    if (settings.find("max_limit")) o.pages.max_limit = settings.integer("max_limit", 0, 1, most);
    o.max_body = static_cast<std::size_t>(settings.integer("max_body", static_cast<std::int64_t>(o.max_body), 1, 1LL << 34));
    o.max_nodes = static_cast<std::size_t>(settings.integer("max_nodes", static_cast<std::int64_t>(o.max_nodes), 0, most));
    o.limits.max_depth = static_cast<std::size_t>(settings.integer("max_depth", static_cast<std::int64_t>(o.limits.max_depth), 1, 1000));
    o.limits.introspection = settings.boolean("introspection", o.limits.introspection);
    o.statement_timeout = std::chrono::milliseconds(settings.integer("statement_timeout_ms", 0, 0, most));
    o.live_debounce = std::chrono::milliseconds(settings.integer("live_debounce_ms", o.live_debounce.count(), 0, 60000));
    o.max_subscriptions = static_cast<std::size_t>(settings.integer("max_subscriptions", static_cast<std::int64_t>(o.max_subscriptions), 0, most));
    if (const auto path = settings.find("persisted_queries"); path && !path->empty()) o.persisted_queries = load_persisted_queries(std::string(*path));
    o.console = settings.boolean("console", o.console);
    o.inline_integers = settings.boolean("inline_integers", o.inline_integers);
    read_cache(settings, o.cache);
    return o;
}

}  // namespace rex::graphql

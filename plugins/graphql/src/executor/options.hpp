// The executor's settings, from the config's "settings": {"graphql": {...}} section
// (docs/graphql.md); an absent key means the default.
#pragma once

#include "api/api.hpp"
#include "executor/response_cache.hpp"
#include "schema/operation.hpp"
#include "sql/writer.hpp"

#include <rex/sdk/settings.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>

namespace rex::graphql {

struct ExecutorOptions {
    ApiOptions api;
    Limits limits;                       // depth, aliases, tokens, introspection (language side)
    CompileLimits pages;                 // default and maximum page size
    std::size_t max_body = 1 << 20;      // bytes of a request body
    std::size_t max_nodes = 100000;      // estimated rows a query may select (from its limits); 0: no check
    std::chrono::milliseconds statement_timeout{0};  // 0: none (PostgreSQL and MariaDB only)
    // Allow-list mode when set: sha256 hex of a query's text -> the text. Requests then name a
    // query by extensions.persistedQuery.sha256Hash, and nothing else runs.
    std::shared_ptr<const std::map<std::string, std::string, std::less<>>> persisted_queries;
    ResponseCacheOptions cache;  // off unless "cache": true or {"enabled": true, ...}
    bool console = true;         // the console page at / (and GET /graphql from a browser)
    // Subscriptions: changes arriving within this interval cause one re-run of a live query;
    // at most this many subscriptions run at once (live queries and streams; 0: no limit).
    std::chrono::milliseconds live_debounce{50};
    std::size_t max_subscriptions = 10000;
    // Opt-in (off by default: values are bound parameters): on PostgreSQL, the SQL the plan cache
    // keeps for a document without variables sent again has the document's own integers written
    // as literals (CompileLimits::literal_integers), so PostgreSQL plans it once per connection
    // instead of on every run when it finds the generic plan dearer (docs/performance.md).
    bool inline_integers = false;

    // naming (as-is | camel), simple_names, default_limit, max_limit, max_body, max_nodes, max_depth,
    // introspection, statement_timeout_ms, persisted_queries (a JSON file: an array of query texts, or
    // an object from their sha256 to them), live_debounce_ms, max_subscriptions, inline_integers, cache (true/false or {enabled,
    // max_entries, max_bytes, ttl_ms}), console, queries (named SQL queries as root fields). An unknown key or a
    // malformed value throws
    // ConfigurationError naming the config file and the key.
    static ExecutorOptions from_settings(const PluginSettings& settings);
};

}  // namespace rex::graphql

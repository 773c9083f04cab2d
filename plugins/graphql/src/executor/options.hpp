// The executor's settings. Plugins get no configuration through the SDK yet, so they are read
// from the environment (REX_GRAPHQL_*, docs/graphql.md); unset means the default.
#pragma once

#include "api/api.hpp"
#include "schema/operation.hpp"
#include "sql/writer.hpp"

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

    // REX_GRAPHQL_NAMING (as-is | camel), REX_GRAPHQL_SIMPLE_NAMES (0 | 1), REX_GRAPHQL_DEFAULT_LIMIT, REX_GRAPHQL_MAX_LIMIT,
    // REX_GRAPHQL_MAX_BODY, REX_GRAPHQL_MAX_NODES, REX_GRAPHQL_MAX_DEPTH, REX_GRAPHQL_INTROSPECTION
    // (0 | 1), REX_GRAPHQL_STATEMENT_TIMEOUT_MS, REX_GRAPHQL_PERSISTED_QUERIES (a JSON file: an array
    // of query texts, or an object from their sha256 to them). A malformed value throws ConfigurationError.
    static ExecutorOptions from_environment();
};

}  // namespace rex::graphql

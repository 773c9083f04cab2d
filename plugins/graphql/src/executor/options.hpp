// The executor's settings. Plugins get no configuration through the SDK yet, so they are read
// from the environment (REX_GRAPHQL_*, docs/graphql.md); unset means the default.
#pragma once

#include "api/api.hpp"
#include "schema/operation.hpp"
#include "sql/writer.hpp"

#include <chrono>
#include <cstddef>

namespace rex::graphql {

struct ExecutorOptions {
    ApiOptions api;
    Limits limits;                       // depth, aliases, tokens, introspection (language side)
    CompileLimits pages;                 // default and maximum page size
    std::size_t max_body = 1 << 20;      // bytes of a request body
    std::size_t max_nodes = 100000;      // estimated rows a query may select (from its limits); 0: no check
    std::chrono::milliseconds statement_timeout{0};  // 0: none (PostgreSQL and MariaDB only)

    // REX_GRAPHQL_NAMING (as-is | camel), REX_GRAPHQL_DEFAULT_LIMIT, REX_GRAPHQL_MAX_LIMIT,
    // REX_GRAPHQL_MAX_BODY, REX_GRAPHQL_MAX_NODES, REX_GRAPHQL_MAX_DEPTH, REX_GRAPHQL_INTROSPECTION
    // (0 | 1), REX_GRAPHQL_STATEMENT_TIMEOUT_MS. A malformed value throws ConfigurationError.
    static ExecutorOptions from_environment();
};

}  // namespace rex::graphql

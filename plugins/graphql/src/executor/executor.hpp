// GraphQL over HTTP (POST application/json, GET with query parameters; the GraphQL-over-HTTP
// spec's media types and status codes) on top of prepare() and the SQL compiler: each query root
// field is one SQL statement, a request's mutations share one transaction.
#pragma once

#include "executor/options.hpp"

#include <rex/sdk/exporter.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rex::graphql {

class GraphqlExecutor : public RequestExecutor {
public:
    GraphqlExecutor(ExecutorContext& context, ExecutorOptions options);

    HttpResponse execute(const HttpRequest& request) override;

    struct Result {
        std::string body;          // {"data":...} and/or {"errors":[...]}
        bool request_error = false;  // no data: the document did not parse or validate
        bool unavailable = false;    // no database connection was free (HTTP 503, Retry-After)
        OperationKind kind = OperationKind::query;
    };
    // Runs one request (any transport). `allow_mutation` false: a mutation is refused (HTTP GET).
    Result run(const GraphqlRequest& request, bool allow_mutation = true);

    // The API for the catalog as it is now (rebuilt when entities were added or replaced).
    std::shared_ptr<const Api> api();

private:
    struct Built {
        std::vector<std::shared_ptr<const EntityInfo>> entities;
        std::shared_ptr<const Api> api;
    };

    ExecutorContext& context_;
    ExecutorOptions options_;
    std::mutex mutex_;
    std::shared_ptr<const Built> built_;
};

}  // namespace rex::graphql

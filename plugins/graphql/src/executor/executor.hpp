// GraphQL over HTTP (POST application/json, GET with query parameters; the GraphQL-over-HTTP
// spec's media types and status codes) on top of prepare() and the SQL compiler: each query root
// field is one SQL statement, a request's mutations share one transaction.
#pragma once

#include "executor/options.hpp"

#include <rex/sdk/access.hpp>
#include <rex/sdk/exporter.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rex::graphql {

class ParsedRules;

class GraphqlExecutor : public RequestExecutor {
public:
    GraphqlExecutor(ExecutorContext& context, ExecutorOptions options);

    HttpResponse execute(const HttpRequest& request) override;

    struct Result {
        std::string body;          // {"data":...} and/or {"errors":[...]}
        bool request_error = false;  // no data: the document did not parse or validate
        OperationKind kind = OperationKind::query;
        bool unauthenticated = false;  // the context refused the credentials (HTTP 401)
    };
    // Runs one request (any transport). `allow_mutation` false: a mutation is refused (HTTP GET).
    // `who`: the requester (rex/sdk/access.hpp), identified by the transport from its headers or
    // connection params (ExecutorContext::identify); nullptr: identified from no credentials at all.
    Result run(const GraphqlRequest& request, bool allow_mutation = true, std::shared_ptr<const Identity> who = nullptr);

    // The API for the catalog as it is now (rebuilt when entities were added or replaced).
    std::shared_ptr<const Api> api();
    // The API `who` sees (api/role_api.hpp): `full` itself for the admin, else the role's, cached.
    std::shared_ptr<const Api> api_for(const std::shared_ptr<const Api>& full, const Identity& who);

private:
    struct Built {
        std::vector<std::shared_ptr<const EntityInfo>> entities;
        std::shared_ptr<const Api> api;
    };

    ExecutorContext& context_;
    ExecutorOptions options_;
    std::mutex mutex_;
    std::shared_ptr<const Built> built_;
    struct RoleView {
        std::shared_ptr<const Api> full;          // the API it was made from
        std::shared_ptr<const RoleRules> rules;   // the rules it shows
        std::shared_ptr<const Api> api;
        std::shared_ptr<const ParsedRules> parsed;  // the rules' conditions, parsed once
    };
    struct Viewed {
        std::shared_ptr<const Api> api;
        std::shared_ptr<const ParsedRules> parsed;  // nullptr for the admin
    };
    Viewed view_for(const std::shared_ptr<const Api>& full, const Identity& who);
    std::map<std::string, RoleView, std::less<>> roles_;  // by role, under mutex_
};

}  // namespace rex::graphql

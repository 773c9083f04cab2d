// GraphQL over HTTP (POST application/json, GET with query parameters; the GraphQL-over-HTTP
// spec's media types and status codes) on top of prepare() and the SQL compiler: each query root
// field is one SQL statement, a request's mutations share one transaction.
#pragma once

#include "executor/options.hpp"
#include "executor/plan_cache.hpp"

#include <rex/sdk/access.hpp>
#include <rex/sdk/exporter.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rex::graphql {

class GraphqlOperations;
class ParsedRules;

class GraphqlExecutor : public RequestExecutor, public std::enable_shared_from_this<GraphqlExecutor> {
public:
    GraphqlExecutor(ExecutorContext& context, ExecutorOptions options);
    ~GraphqlExecutor() override;

    HttpResponse execute(const HttpRequest& request) override;
    // Queries, mutations and subscriptions for transports (executor/operations.hpp); it keeps this
    // executor alive. Needs the executor to be owned by a shared_ptr.
    std::shared_ptr<OperationExecutor> operations() override;

    struct Result {
        std::string body;          // {"data":...} and/or {"errors":[...]}
        bool request_error = false;  // no data: the document did not parse or validate
        bool failed = false;         // a field failed: "data" is null (a mutation rolled back)
        bool unavailable = false;    // no database connection was free (HTTP 503, Retry-After)
        OperationKind kind = OperationKind::query;
        bool unauthenticated = false;  // the context refused the credentials (HTTP 401)
    };
    // Runs one request (any transport). `allow_mutation` false: a mutation is refused (HTTP GET).
    // `who`: the requester (rex/sdk/access.hpp), identified by the transport from its headers or
    // connection params (ExecutorContext::identify); nullptr: identified from no credentials at all.
    Result run(const GraphqlRequest& request, bool allow_mutation = true, std::shared_ptr<const Identity> who = nullptr);

    // run() in two halves, for subscriptions: the API and the prepared operation (or, when the
    // request does not parse or validate, `refused` holds the errors), then the execution of its
    // fields (a subscription's as a query's: one live-query result).
    // Who runs an operation: the full API the SQL compiles against, the requester and the role's
    // parsed rules (sql/access.hpp). Empty (or an admin): no rule applies.
    struct Requester {
        std::shared_ptr<const Api> full;
        std::shared_ptr<const Identity> who;
        std::shared_ptr<const ParsedRules> parsed;
    };
    struct Preparation {
        std::shared_ptr<const Api> api;  // the requester's view: validation and introspection
        std::optional<PreparedOperation> operation;
        Result refused;
        Requester requester;
    };
    // `who` nullptr: identified from no credentials (the anonymous role, or refused).
    Preparation prepare_request(const GraphqlRequest& request, std::shared_ptr<const Identity> who = nullptr);
    // `request` (optional) gives custom resolvers the headers and lets a hang-up cancel the statement.
    // `compiled` (optional, a query of plain root fields only): with `reuse` its statements run,
    // one per root field, instead of being compiled; otherwise the compiled ones go to `made`.
    struct Compiled {
        const std::vector<Statement>* reuse = nullptr;
        std::vector<Statement> made;
        // `made` on PostgreSQL with the integers as literals (CompileLimits::literal_integers):
        // not for a request with variables, whose values would make a statement per value.
        bool literal = true;
    };
    Result run_prepared(const Api& api, const PreparedOperation& op, const GraphqlRequest* request = nullptr,
                        const Requester* requester = nullptr, Compiled* compiled = nullptr);

    ExecutorContext& context() noexcept { return context_; }
    const ExecutorOptions& options() const noexcept { return options_; }

    // The API for the catalog as it is now (rebuilt when entities were added or replaced).
    std::shared_ptr<const Api> api();
    // nullptr when settings.cache is off.
    ResponseCache* cache() noexcept { return cache_.get(); }
    PlanCache& plans() noexcept { return plans_; }
    // The API `who` sees (api/role_api.hpp): `full` itself for the admin, else the role's, cached.
    std::shared_ptr<const Api> api_for(const std::shared_ptr<const Api>& full, const Identity& who);

private:
    struct Built {
        std::vector<std::shared_ptr<const EntityInfo>> entities;
        std::vector<std::shared_ptr<const Resolver>> resolvers;
        std::shared_ptr<const Api> api;
    };

    ExecutorContext& context_;
    ExecutorOptions options_;
    std::mutex mutex_;
    std::shared_ptr<const Built> built_;
    std::unique_ptr<GraphqlOperations> operations_;  // made on first use
    std::unique_ptr<ResponseCache> cache_;
    PlanCache plans_;
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

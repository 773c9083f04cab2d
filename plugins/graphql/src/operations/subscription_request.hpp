// What a subscription (a live query or a stream) runs with: the executor, the API it was
// prepared against (kept alive: the operation points into its schema), the operation, and the
// requester whose rules every execution applies (its role's rows and session variables).
#pragma once

#include "executor/executor.hpp"
#include "schema/operation.hpp"

#include <memory>
#include <string>

namespace rex::graphql {

struct Api;

struct SubscriptionRequest {
    std::shared_ptr<GraphqlExecutor> executor;
    std::shared_ptr<const Api> api;
    PreparedOperation operation;  // a subscription of one root field
    std::string key;              // live queries: equal keys share one execution
    GraphqlExecutor::Requester requester;  // empty: the admin
};

}  // namespace rex::graphql

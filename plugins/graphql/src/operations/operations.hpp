// The GraphQL executor for realtime transports (rex/sdk/operation.hpp): queries and mutations
// give one result then complete; subscriptions (live queries and streams, operations/
// subscriptions.hpp) give results until stopped. All work runs on ExecutorContext::post.
#pragma once

#include "operations/live_queries.hpp"

#include <rex/sdk/access.hpp>
#include <rex/sdk/operation.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace rex::graphql {

class GraphqlExecutor;
struct GraphqlRequest;

class GraphqlOperations final : public OperationExecutor {
public:
    explicit GraphqlOperations(GraphqlExecutor& executor);
    ~GraphqlOperations() override;

    std::unique_ptr<OperationHandle> start(OperationRequest request, std::shared_ptr<OperationSink> sink) override;

    // Subscriptions running now, and the executions that serve them (identical live queries share one).
    std::size_t subscriptions() const noexcept { return subscriptions_->load(); }
    std::size_t live_executions() const { return live_.executions(); }

private:
    class Job;
    GraphqlExecutor& executor_;
    LiveQueries live_;
    std::shared_ptr<std::atomic<std::size_t>> subscriptions_ = std::make_shared<std::atomic<std::size_t>>(0);
};

// Who asks, as far as subscriptions sharing one execution are concerned: requests with the same
// identity (role and session values) see the same rows.
std::string requester_identity(const Identity& who);

// A JSON array with one GraphQL error: [{"message":…,"extensions":{"code":…}}].
std::string one_error(const std::string& message, const std::string& code);

// The JSON array of a request-error body {"errors":[…]} (as run() writes it).
std::string errors_array(const std::string& body);

}  // namespace rex::graphql

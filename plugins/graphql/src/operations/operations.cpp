#include "operations/operations.hpp"

#include "executor/executor.hpp"
#include "executor/variables.hpp"
#include "operations/delivery.hpp"
#include "operations/stream.hpp"

#include <rex/sdk/log.hpp>

#include <nlohmann/json.hpp>

namespace rex::graphql {

namespace {

// The request's JSON parts as a GraphqlRequest; throws std::invalid_argument with one line.
GraphqlRequest to_graphql(const OperationRequest& request) {
    GraphqlRequest out;
    out.query = request.query;
    if (!request.operation_name.empty()) out.operation_name = request.operation_name;
    if (!request.variables.empty()) {
        const auto variables = nlohmann::json::parse(request.variables, nullptr, false);
        if (variables.is_discarded()) throw std::invalid_argument("variables is not valid JSON");
        if (!variables.is_null() && !variables.is_object()) throw std::invalid_argument("variables must be a JSON object");
        try {
            if (variables.is_object()) out.variables = input_from_json(variables);
        } catch (const TooDeep& e) {
            throw std::invalid_argument(e.what());
        }
    }
    if (out.query.empty()) throw std::invalid_argument("the request has no query string");
    return out;
}

}  // namespace

std::string one_error(const std::string& message, const std::string& code) {
    nlohmann::ordered_json e;
    e["message"] = message;
    e["extensions"] = {{"code", code}};
    return nlohmann::ordered_json::array({e}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string errors_array(const std::string& body) {
    constexpr std::string_view prefix = "{\"errors\":";
    if (body.size() > prefix.size() + 1 && body.compare(0, prefix.size(), prefix) == 0 && body.back() == '}')
        return body.substr(prefix.size(), body.size() - prefix.size() - 1);
    return one_error("Internal error", "internal");
}

GraphqlOperations::GraphqlOperations(GraphqlExecutor& executor)
    : executor_(executor), live_(executor.context(), executor.options().live_debounce) {}

GraphqlOperations::~GraphqlOperations() = default;

std::string requester_identity(const OperationRequest&) { return {}; }

// One started operation, run on a worker.
class GraphqlOperations::Job {
public:
    Job(GraphqlOperations& owner, OperationRequest request, std::shared_ptr<Delivery> delivery, std::shared_ptr<StoppingHandle::Keep> keep)
        : owner_(owner), executor_(owner.executor_.shared_from_this()), request_(std::move(request)), delivery_(std::move(delivery)),
          keep_(std::move(keep)) {}

    void operator()() {
        if (!delivery_->active()) return;  // stopped before it ran: a mutation is not run either
        try {
            run();
        } catch (const std::exception& e) {
            executor_->context().logger().log(LogLevel::error, "graphql", std::string("operation failed: ") + e.what());
            delivery_->error(one_error("Internal error", "internal"));
        }
    }

private:
    void run() {
        GraphqlRequest gql;
        try {
            gql = to_graphql(request_);
        } catch (const std::invalid_argument& e) {
            delivery_->error(one_error(e.what(), "BAD_REQUEST"));
            return;
        }
        auto prepared = executor_->prepare_request(gql);
        if (!prepared.operation) {
            delivery_->error(errors_array(prepared.refused.body));
            return;
        }
        if (prepared.operation->kind != OperationKind::subscription) {
            auto result = executor_->run_prepared(*prepared.api, *prepared.operation);
            if (delivery_->next(std::move(result.body))) delivery_->complete();
            return;
        }
        subscribe(prepared);
    }

    void subscribe(GraphqlExecutor::Preparation& prepared) {
        const auto& field = prepared.operation->fields.front();  // validation: exactly one, not introspection
        const auto root = prepared.api->subscription_fields.find(field.name);
        if (root == prepared.api->subscription_fields.end()) {
            delivery_->error(one_error("field '" + field.name + "' not found in type: 'subscription_root'", "validation-failed"));
            return;
        }
        const auto limit = executor_->options().max_subscriptions;
        auto& count = *owner_.subscriptions_;
        if (limit && count.fetch_add(1) >= limit) {
            --count;
            delivery_->error(one_error("Too many subscriptions: at most " + std::to_string(limit) + " run at once (max_subscriptions)", "limit-exceeded"));
            return;
        }
        if (!limit) ++count;
        keep_->counted = owner_.subscriptions_;
        std::shared_ptr<void> membership;
        if (root->second.kind == RootKind::stream) {
            membership = start_stream({executor_, prepared.api, std::move(*prepared.operation), {}}, delivery_);
        } else {
            SubscriptionRequest live{executor_, prepared.api, std::move(*prepared.operation), share_key()};
            membership = owner_.live_.join(std::move(live), delivery_);
        }
        std::lock_guard lock(keep_->mutex);
        keep_->membership = std::move(membership);  // released with the handle, or with this job if the handle went first
    }

    // Identical requests from one identity share an execution; variables compare as JSON values.
    std::string share_key() const {
        std::string variables;
        if (!request_.variables.empty()) variables = nlohmann::json::parse(request_.variables, nullptr, false).dump();
        return requester_identity(request_) + '\n' + request_.operation_name + '\n' + variables + '\n' + request_.query;
    }

    GraphqlOperations& owner_;
    std::shared_ptr<GraphqlExecutor> executor_;  // alive while the work waits for a worker
    OperationRequest request_;
    std::shared_ptr<Delivery> delivery_;
    std::shared_ptr<StoppingHandle::Keep> keep_;
};

std::unique_ptr<OperationHandle> GraphqlOperations::start(OperationRequest request, std::shared_ptr<OperationSink> sink) {
    auto delivery = std::make_shared<Delivery>(std::move(sink));
    auto keep = std::make_shared<StoppingHandle::Keep>();
    auto handle = std::make_unique<StoppingHandle>(delivery, keep);
    auto job = std::make_shared<Job>(*this, std::move(request), std::move(delivery), std::move(keep));
    executor_.context().post([job] { (*job)(); });
    return handle;
}

}  // namespace rex::graphql

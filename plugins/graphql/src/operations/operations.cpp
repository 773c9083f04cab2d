#include "operations/operations.hpp"

#include "executor/executor.hpp"
#include "executor/response_cache.hpp"
#include "executor/sha256.hpp"
#include "executor/variables.hpp"
#include "operations/delivery.hpp"
#include "operations/stream.hpp"

#include <rex/sdk/log.hpp>

#include <nlohmann/json.hpp>

namespace rex::graphql {

namespace {

// A refusal with its code, as over HTTP.
struct Refused {
    std::string message, code;
};

// The request's JSON parts as a GraphqlRequest, persisted queries resolved as over HTTP
// (executor.cpp): a hash must be the query's sha256; in allow-list mode only listed queries run.
GraphqlRequest to_graphql(const OperationRequest& request, const ExecutorOptions& options) {
    GraphqlRequest out;
    out.query = request.query;
    if (!request.operation_name.empty()) out.operation_name = request.operation_name;
    if (!request.variables.empty()) {
        const auto variables = nlohmann::json::parse(request.variables, nullptr, false);
        if (variables.is_discarded()) throw Refused{"variables is not valid JSON", "BAD_REQUEST"};
        if (!variables.is_null() && !variables.is_object()) throw Refused{"variables must be a JSON object", "BAD_REQUEST"};
        try {
            if (variables.is_object()) out.variables = input_from_json(variables);
        } catch (const TooDeep& e) {
            throw Refused{e.what(), "BAD_REQUEST"};
        }
    }
    std::string hash;
    if (!request.extensions.empty()) {
        const auto extensions = nlohmann::json::parse(request.extensions, nullptr, false);
        if (extensions.is_discarded() || !(extensions.is_object() || extensions.is_null())) throw Refused{"extensions must be an object", "BAD_REQUEST"};
        if (extensions.is_object())
            if (auto pq = extensions.find("persistedQuery"); pq != extensions.end() && pq->is_object())
                if (auto h = pq->find("sha256Hash"); h != pq->end() && h->is_string()) hash = h->get<std::string>();
    }
    if (!out.query.empty() && !hash.empty() && sha256_hex(out.query) != hash)
        throw Refused{"extensions.persistedQuery.sha256Hash is not the sha256 of the query", "BAD_REQUEST"};
    if (options.persisted_queries) {
        if (hash.empty()) throw Refused{"Only persisted queries run here: send extensions.persistedQuery.sha256Hash", "PERSISTED_QUERY_REQUIRED"};
        const auto known = options.persisted_queries->find(hash);
        if (known == options.persisted_queries->end()) throw Refused{"PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"};
        out.query = known->second;
    } else if (out.query.empty()) {
        if (!hash.empty()) throw Refused{"PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"};
        throw Refused{"The request has no query string", "BAD_REQUEST"};
    }
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

// Live queries share an execution only within one identity (a role and its session values).
std::string requester_identity(const Identity& who) { return cache_scope(who); }

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
            gql = to_graphql(request_, executor_->options());
        } catch (const Refused& r) {
            delivery_->error(one_error(r.message, r.code));
            return;
        }
        // The socket's opening headers or its handshake's params name the requester, as HTTP does.
        auto identified = executor_->context().identify({&request_.headers, request_.connection_params});
        if (!identified.identity) {
            delivery_->error(one_error(identified.refusal, "invalid-jwt"));
            return;
        }
        who_ = identified.identity;
        auto prepared = executor_->prepare_request(gql, std::move(identified.identity));
        if (!prepared.operation) {
            delivery_->error(errors_array(prepared.refused.body));
            return;
        }
        if (prepared.operation->kind != OperationKind::subscription) {
            gql.headers = &request_.headers;  // custom resolvers read them
            auto result = executor_->run_prepared(*prepared.api, *prepared.operation, &gql, &prepared.requester);
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
            membership = start_stream({executor_, prepared.api, std::move(*prepared.operation), {}, std::move(prepared.requester)}, delivery_);
        } else {
            // The API's identity is part of the key: after a catalog change new subscribers get a new execution.
            auto key = share_key() + '\n' + std::to_string(reinterpret_cast<std::uintptr_t>(prepared.api.get()));
            // The key holds the requester's role and session values: only they share the execution.
            SubscriptionRequest live{executor_, prepared.api, std::move(*prepared.operation), std::move(key), std::move(prepared.requester)};
            membership = owner_.live_.join(std::move(live), delivery_);
        }
        std::lock_guard lock(keep_->mutex);
        keep_->membership = std::move(membership);  // released with the handle, or with this job if the handle went first
    }

    // Identical requests from one identity share an execution; variables compare as JSON values.
    std::string share_key() const {
        std::string variables;
        if (!request_.variables.empty()) variables = nlohmann::json::parse(request_.variables, nullptr, false).dump();
        return requester_identity(who_ ? *who_ : *Identity::administrator()) + '\n' + request_.operation_name + '\n' + variables + '\n' + request_.query;
    }

    GraphqlOperations& owner_;
    std::shared_ptr<GraphqlExecutor> executor_;  // alive while the work waits for a worker
    OperationRequest request_;
    std::shared_ptr<const Identity> who_;  // set once identified
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

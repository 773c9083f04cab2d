// Live queries: `subscription { t(where: …) { … } }` (also _by_pk, _aggregate). One execution
// per distinct (requester identity, document, operation name, variables): its subscribers share
// each result. The first result reflects a change-bus sequence taken before its SQL ran, and the
// execution follows the bus from exactly there, so no change in between is missed; a change
// that may affect the result (operations/row_match.hpp, read_entities.hpp) re-runs the query after the debounce
// interval, and a result equal to the last one is not sent.
#pragma once

#include "operations/delivery.hpp"
#include "operations/scheduler.hpp"
#include "operations/subscription_request.hpp"

#include <rex/sdk/exporter.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace rex::graphql {

class LiveQueries {
public:
    LiveQueries(ExecutorContext& context, std::chrono::milliseconds debounce);
    ~LiveQueries();

    // Adds `delivery` to the execution of `request` (starting it when it is the first); the
    // result is the membership, which leaves the execution when destroyed (the last member
    // stops it). Call from a worker thread: a joiner's first result may be delivered here.
    std::shared_ptr<void> join(SubscriptionRequest request, std::shared_ptr<Delivery> delivery);

    // Executions running now (tests: identical subscriptions share one).
    std::size_t executions() const;

    struct Registry;
    class Live;

private:
    std::shared_ptr<Registry> registry_;
};

// `body` ({"data":…}) with "extensions": {"rex": {"sequence": n}} added.
std::string with_sequence(const std::string& body, std::uint64_t sequence);

}  // namespace rex::graphql

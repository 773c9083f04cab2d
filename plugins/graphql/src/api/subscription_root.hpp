// The subscription root of the API: for each entity the query root's list, _by_pk and _aggregate
// fields as live queries, and `<t>_stream(batch_size:, cursor:, where:)` (Hasura's streaming
// subscription, but resumable on the change bus's sequence: docs/graphql.md#subscriptions).
#pragma once

#include "api/api.hpp"

namespace rex::graphql {

// Adds subscription_root and its input types to `api` (built with its query root) and fills
// api.subscription_fields.
void add_subscription_root(Api& api);

// The names the stream's arguments have under the API's naming.
struct StreamNames {
    std::string batch_size, cursor, initial_value, ordering, after_sequence;
    explicit StreamNames(const Names& names);
};

}  // namespace rex::graphql

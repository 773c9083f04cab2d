// Streaming subscriptions: `t_stream(batch_size:, cursor: [{initial_value: {col: v}, ordering:,
// after_sequence:}], where:)`. Hasura's shape, but ordered by the change bus's sequence instead
// of the cursor column, so a row committed late with a smaller cursor value is not skipped:
//   1. the rows after initial_value in cursor order (then key order), batch_size per message,
//      all reflecting the bus sequence S taken before the first page;
//   2. then the rows of every insert and update after S, in sequence order, batch_size per
//      message, each message carrying the sequence it reaches (extensions.rex.sequence).
// A row read in step 1 whose change after S it already showed is not sent again (sent_rows.hpp). With
// after_sequence step 1 is skipped: the client resumes after a message's sequence (while the
// bus still retains it). Deleted rows are not rows: they are skipped.
#pragma once

#include "operations/delivery.hpp"
#include "operations/subscription_request.hpp"

#include <memory>

namespace rex::graphql {

// Starts the stream; what it returns stops it when destroyed. A bad cursor or a sequence no
// longer retained is reported by delivery->error() (and nullptr returned).
std::shared_ptr<void> start_stream(SubscriptionRequest request, std::shared_ptr<Delivery> delivery);

}  // namespace rex::graphql

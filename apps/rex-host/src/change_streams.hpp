// The host's plain change stream (rex/sdk/change_stream.hpp), the one implementation behind
// GET /changes over SSE and /changes over WebSocket: entity names checked against the catalog,
// the `where` filter (row_filter.hpp) checked against each entity and evaluated per event, the
// requester's identity applied, events rendered as JSON messages, and resume after a sequence
// number (or "refetch" when it is no longer retained).
#pragma once

#include <rex/sdk/catalog.hpp>
#include <rex/sdk/change.hpp>
#include <rex/sdk/change_stream.hpp>
#include <rex/sdk/log.hpp>

#include <memory>
#include <string>

namespace rex::host {

class HostChangeStreams final : public ChangeStreams {
public:
    HostChangeStreams(const CatalogView& catalog, ChangeBus& bus, Logger& logger);
    ~HostChangeStreams() override;

    std::unique_ptr<ChangeSubscription> open(ChangeStreamRequest request, std::shared_ptr<ChangeStreamSink> sink) override;

private:
    struct Views;
    const CatalogView& catalog_;
    ChangeBus& bus_;
    Logger& logger_;
    std::unique_ptr<Views> views_;
};

// {"event":"insert|update|delete","model":…,"data":{…},"old":{…}?,"seq":n}: "data" is the row
// after the change (before it, for a delete), "old" the row before an update when it is known.
std::string change_message(const ChangeEvent& event);

}  // namespace rex::host

// The host's plain change stream (rex/sdk/change_stream.hpp), the one implementation behind
// GET /changes over SSE and /changes over WebSocket: entity names checked against the catalog,
// the `where` filter (row_filter.hpp) checked against each entity and evaluated per event, the
// requester's identity and role rules applied (stream_access.hpp), events rendered as JSON
// messages, and resume after a sequence number (or "refetch" when it is no longer retained).
#pragma once

#include <rex/sdk/catalog.hpp>
#include <rex/sdk/change.hpp>
#include <rex/sdk/change_stream.hpp>
#include <rex/sdk/access.hpp>
#include <rex/sdk/log.hpp>

#include <functional>
#include <memory>
#include <string>

namespace rex::host {

// Who opens a stream, from its headers and connection params (the host's Authenticator).
using Identify = std::function<IdentifyResult(const IdentityRequest&)>;

class HostChangeStreams final : public ChangeStreams {
public:
    // Without `identify`, every requester is the admin (a host without permissions).
    HostChangeStreams(const CatalogView& catalog, ChangeBus& bus, Logger& logger, Identify identify = {});
    ~HostChangeStreams() override;

    std::unique_ptr<ChangeSubscription> open(ChangeStreamRequest request, std::shared_ptr<ChangeStreamSink> sink) override;

private:
    struct Views;
    const CatalogView& catalog_;
    ChangeBus& bus_;
    Logger& logger_;
    Identify identify_;
    std::unique_ptr<Views> views_;
};

// {"event":"insert|update|delete","model":…,"data":{…},"old":{…}?,"seq":n}: "data" is the row
// after the change (before it, for a delete), "old" the row before an update when it is known.
std::string change_message(const ChangeEvent& event);

}  // namespace rex::host

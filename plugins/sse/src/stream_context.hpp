// What every route of the transport shares: the host's I/O context and services, the options
// from settings("sse"), and the registry of live streams.
#pragma once

#include "event_stream.hpp"

#include <rex/sdk/log.hpp>
#include <rex/sdk/transport.hpp>

#include <memory>

namespace rex::sse {

struct SseOptions {
    StreamOptions stream;
    std::size_t max_connections = 10000;
    std::chrono::milliseconds retry{2000};  // the reconnect delay EventSource clients are told
};

struct StreamContext {
    TransportContext& host;
    SseOptions options;
    std::shared_ptr<StreamRegistry> registry;

    // A stream for `socket`, admitted under the connection limit; nullptr (after answering 503)
    // when the limit is reached or the transport is stopping.
    std::shared_ptr<EventStream> adopt(StreamSocket socket) const;
};

}  // namespace rex::sse

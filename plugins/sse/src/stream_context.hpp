// What every route of the transport shares: the host's services, the transport's own I/O
// context, the options from settings("sse"), and the registry of live streams.
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
    unsigned threads = 1;                   // of the transport's I/O context
};

struct StreamContext {
    TransportContext& host;
    // The transport's own, not the host's: this plugin carries its own copy of Boost.Asio (hidden
    // symbols), whose per-thread state is set only by its own run(); a reactor of the plugin's
    // copy running on a thread of the host's copy finds no thread state and crashes.
    boost::asio::io_context& io;
    SseOptions options;
    std::shared_ptr<StreamRegistry> registry;

    // A stream for `socket`, admitted under the connection limit; nullptr (after answering 503)
    // when the limit is reached or the transport is stopping.
    std::shared_ptr<EventStream> adopt(StreamSocket socket) const;
};

}  // namespace rex::sse

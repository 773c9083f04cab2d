// The transport's limits and timeouts, from the host config's "settings": {"websocket": {...}}.
#pragma once

#include <rex/sdk/settings.hpp>

#include <chrono>
#include <cstddef>

namespace rex::websocket {

struct Limits {
    std::size_t max_connections = 20000;
    std::size_t max_subscriptions = 100;         // operations or change streams per connection
    std::size_t queue_messages = 1024;           // a connection's write queue, in messages ...
    std::size_t queue_bytes = 4 << 20;           // ... and in bytes; beyond either it is closed
    std::size_t max_message_bytes = 1 << 20;     // largest message a client may send
    std::chrono::milliseconds handshake_timeout{10000};
    std::chrono::milliseconds idle_timeout{60000};          // no frame (pongs count) for this long: closed
    std::chrono::milliseconds connection_init_timeout{3000};
    std::chrono::milliseconds keep_alive{15000};            // legacy "ka" messages
    std::chrono::milliseconds close_timeout{10000};         // a close handshake that hangs is cut
    unsigned threads = 2;                                   // of the transport's own I/O context
    // TCP_NODELAY on each socket: without it Nagle holds a message while the previous one is
    // unacknowledged, up to a delayed-ACK client's timer (docs/performance.md).
    bool tcp_nodelay = true;

    // Reads and checks every key; ConfigurationError names a bad or unknown one.
    static Limits from(const PluginSettings& settings);
};

}  // namespace rex::websocket

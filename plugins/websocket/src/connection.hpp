// One WebSocket connection (Boost.Beast, as in its advanced server): reads, timers and the
// protocol run on the connection's strand; data frames are written by the transport itself (at
// once from the sending thread when nothing is pending, else from a bounded queue); keep-alive
// pings, handshake and idle timeouts from Beast's stream timeouts; a subprotocol (Protocol) on top.
#pragma once

#include "peer.hpp"

#include <rex/sdk/transport.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace rex::websocket {

// Which protocol a path speaks.
enum class Endpoint : std::uint8_t { graphql, changes };

// The transport's registry of live connections: counts them against max_connections and closes
// them all at stop.
class Registry {
public:
    explicit Registry(Services services) : services_(std::move(services)) {}
    const Services& services() const noexcept { return services_; }
    // Takes over the handed-over socket and runs the connection; never throws.
    void accept(boost::asio::io_context& io, Endpoint endpoint, const HttpRequest& request, StreamSocket socket);
    // Closes every connection with 1001 and refuses new ones.
    void stop();
    std::size_t size() const;

    // Used by connections.
    bool enter(std::uint64_t id, std::weak_ptr<Peer> peer);
    void leave(std::uint64_t id);

private:
    Services services_;
    mutable std::mutex mutex_;
    std::condition_variable drained_;
    std::unordered_map<std::uint64_t, std::weak_ptr<Peer>> live_;
    std::uint64_t next_id_ = 0;
    bool stopped_ = false;
};

}  // namespace rex::websocket

// The GraphQL operations of one connection, shared by both GraphQL subprotocols: starts them on
// the host's OperationExecutor with sinks that turn results into the protocol's messages, and
// stops them. Used on the connection's strand only.
#pragma once

#include "peer.hpp"

#include <rex/sdk/operation.hpp>

#include <map>
#include <memory>
#include <string>

namespace rex::websocket {

// The message types a protocol uses for an operation's results.
struct Wording {
    std::string_view next;      // "next" / "data"
    std::string_view error;     // "error"
    std::string_view complete;  // "complete"
};

class Operations {
public:
    Operations(std::weak_ptr<Peer> peer, Wording wording) : peer_(std::move(peer)), wording_(wording) {}
    ~Operations() { stop_all(); }

    bool has(const std::string& id) const { return running_.contains(id); }
    std::size_t size() const { return running_.size(); }
    // Starts `request` as operation `id` (not running), with the upgrade request's headers and
    // the handshake's params. Refusals (max_subscriptions, the executor's rex::Error) come back as
    // the protocol's error message; any other exception propagates (the protocol's 500).
    void start(const std::string& id, OperationRequest request, std::string connection_params);
    // Stops `id` without a message (the client asked); false when it was not running.
    bool stop(const std::string& id);
    void stop_all();

private:
    class Sink;
    struct Running {
        std::shared_ptr<Sink> sink;
        std::unique_ptr<OperationHandle> handle;
        std::uint64_t generation = 0;  // tells a reused id's new operation from the finished one
        GaugeHold counted;
    };
    void forget(const std::string& id, std::uint64_t generation);

    std::weak_ptr<Peer> peer_;
    Wording wording_;
    std::map<std::string, Running, std::less<>> running_;
    std::uint64_t generations_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards the sinks' posts after we are gone
};

}  // namespace rex::websocket

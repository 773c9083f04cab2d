// What a protocol sees of its WebSocket connection. No network library here: the protocols
// (graphql-transport-ws, graphql-ws, the change stream) are plain code over this interface.
#pragma once

#include "limits.hpp"

#include <rex/sdk/access.hpp>
#include <rex/sdk/http.hpp>
#include <rex/sdk/metrics.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

REX_SDK_BEGIN
class ChangeStreams;
class Logger;
class OperationExecutor;
REX_SDK_END

namespace rex::websocket {

// Counts one in a gauge while it lives (an open subscription); movable, so it can sit in a map.
class GaugeHold {
public:
    GaugeHold() = default;
    explicit GaugeHold(std::shared_ptr<MetricValue> gauge) : gauge_(std::move(gauge)) {
        if (gauge_) gauge_->add(1);
    }
    GaugeHold(GaugeHold&&) noexcept = default;
    GaugeHold& operator=(GaugeHold&& other) noexcept {
        if (this != &other) {
            release();
            gauge_ = std::move(other.gauge_);
        }
        return *this;
    }
    ~GaugeHold() { release(); }

private:
    void release() noexcept {
        if (gauge_) gauge_->add(-1);
        gauge_.reset();
    }
    std::shared_ptr<MetricValue> gauge_;
};

// The transport's shared services, valid while it runs.
struct Services {
    Limits limits;
    OperationExecutor* operations = nullptr;
    ChangeStreams* change_streams = nullptr;
    Logger* logger = nullptr;
    // The host's TransportContext::identify; empty: everyone is accepted.
    std::function<IdentifyResult(const IdentityRequest&)> identify;

    // Why the host refuses whoever opened `upgrade` with handshake `params` (a bad, expired or
    // forged token); empty when accepted.
    std::string refusal(const HttpRequest& upgrade, std::string_view params) const {
        if (!identify) return {};
        auto result = identify(IdentityRequest{&upgrade.headers, params});
        return result.identity ? std::string() : result.refusal.empty() ? std::string("the requester is not accepted") : std::move(result.refusal);
    }

    RealtimeMetrics gauges;  // for GET /metrics
};

// One text message: `text`, or a change event as the stream's `head` ({"id":"a",) followed by
// `body` from `body_from`. Both are shared: the body is rendered once for every subscriber, the
// head once per stream, so queueing an event allocates nothing of its own.
struct Outgoing {
    std::string text;
    std::shared_ptr<const std::string> head;
    std::shared_ptr<const std::string> body;
    std::size_t body_from = 0;
    std::uint64_t sequence = 0;  // of the change event carried; 0 for other messages

    std::size_t size() const noexcept { return text.size() + (head ? head->size() : 0) + (body ? body->size() - body_from : 0); }
};

// Close codes of RFC 6455 the transport uses itself.
namespace close_code {
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t try_again_later = 1013;  // too slow, too many connections
}  // namespace close_code

class Peer {
public:
    virtual ~Peer() = default;
    // Queues a text message; any thread. False when the connection is closing or the message
    // overflowed the write queue (the connection is then closed with 1013 and a reason).
    virtual bool send(Outgoing message) = 0;
    bool send(std::string text) { return send(Outgoing{std::move(text), nullptr, nullptr, 0, 0}); }
    // Asks for on_drained once nothing queued is left to write (maybe at once); any thread. A
    // message written straight to the socket never queues, so a protocol holding messages back
    // asks for the call rather than waiting for one.
    virtual void notify_when_drained() = 0;
    // Closes with a code and a one-line reason; any thread; later calls are ignored.
    virtual void close(std::uint16_t code, std::string reason) = 0;
    // Runs `fn` on the connection's strand (any thread); dropped once the connection is gone.
    virtual void post(std::function<void()> fn) = 0;
    // The protocol's timer (one per connection): `fn` runs on the strand after `delay`, unless
    // the timer is set again or the connection closes first.
    virtual void set_timer(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
    virtual const HttpRequest& request() const = 0;  // the upgrade request
    virtual const Services& services() const = 0;
};

// A subprotocol's state machine. Every call comes on the connection's strand.
class Protocol {
public:
    virtual ~Protocol() = default;
    virtual void on_open() {}
    virtual void on_message(std::string_view text) = 0;
    // The write queue just became empty (or notify_when_drained asked): a protocol holding
    // messages back may send more.
    virtual void on_drained() {}
    // The connection is gone or going: stop every operation (the sinks may still be called by a
    // worker until their handles are destroyed, and their sends are then refused).
    virtual void on_close() = 0;
};

// The protocols, made for a peer that outlives them.
std::unique_ptr<Protocol> make_graphql_transport_ws(std::shared_ptr<Peer> peer);
std::unique_ptr<Protocol> make_graphql_ws_legacy(std::shared_ptr<Peer> peer);
std::unique_ptr<Protocol> make_changes_protocol(std::shared_ptr<Peer> peer);

}  // namespace rex::websocket

// The plain change stream over WebSocket on /changes, for clients without GraphQL:
//   → {"type":"subscribe","id":"a","entity":"Track" | "entities":[…],"op":"insert" | […],
//      "where":{…},"after":42}
//   ← {"type":"subscribed","id":"a"}, then {"id":"a","event":"insert","model":…,"data":…,"old":…,"seq":…}
//   ← {"type":"error","id":"a","message":…} (a refused subscribe), {"type":"end","id":"a",
//      "refetch":bool,"reason":…} (the host ended the stream)
//   → {"type":"unsubscribe","id":"a"}, {"type":"ping"} ← {"type":"pong"}
// Events come from the host's ChangeStreams, the same as GET /changes over SSE.
#include "messages.hpp"
#include "peer.hpp"

#include <rex/sdk/change_stream.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/json_text.hpp>
#include <rex/sdk/log.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

namespace rex::websocket {

namespace {

constexpr std::uint16_t bad_request = 4400;
constexpr std::uint16_t subscriber_exists = 4409;

// The stream's id spliced into each event, {"id":"a",<the event's members>}: the head is the
// stream's own, the event's text stays the one shared by every subscriber.
Outgoing tagged(const std::shared_ptr<const std::string>& head, std::uint64_t sequence, std::shared_ptr<const std::string> event) {
    if (event->size() <= 2) return Outgoing{head->substr(0, head->size() - 1) + "}", nullptr, nullptr, 0, sequence};  // {}: no members
    return Outgoing{{}, head, std::move(event), 1, sequence};
}

// Paces what a stream sends: "subscribed" comes first even when open() delivers retained events
// before it returns, and a resume's backlog (up to the bus's whole history) enters the
// connection's bounded queue a slice at a time, as the queue drains, instead of overflowing it at
// once. Events arriving meanwhile wait behind the backlog; a client that never catches up is
// closed once more than `max_held` wait.
class StreamSink final : public ChangeStreamSink {
public:
    StreamSink(std::weak_ptr<Peer> peer, std::string id, const Limits& limits)
        : peer_(std::move(peer)), id_(std::move(id)), slice_messages_(std::max<std::size_t>(1, limits.queue_messages / 2)),
          slice_bytes_(limits.queue_bytes / 2), max_held_(4096 + limits.queue_messages) {
        append_json_string(id_json_, id_);
        head_ = std::make_shared<const std::string>(R"({"id":)" + id_json_ + ",");
    }

    void event(std::uint64_t sequence, std::shared_ptr<const std::string> message) override {
        deliver(tagged(head_, sequence, std::move(message)));
    }

    void end(ChangeStreamEnd why) override {
        std::string text = R"({"type":"end","id":)" + id_json_ + R"(,"refetch":)" + (why.refetch ? "true" : "false") + R"(,"reason":)";
        if (!append_json_string(text, why.reason)) text += R"("")";
        text += '}';
        deliver(Outgoing{std::move(text), nullptr, nullptr, 0, 0});
        ended_.store(true);
    }
    bool ended() const { return ended_.load(); }

    // Sends "subscribed" and the first slice of what was held back.
    void confirm() {
        std::lock_guard lock(mutex_);
        auto peer = peer_.lock();
        if (!peer) return;
        peer->send(message("subscribed", id_));
        confirmed_ = true;
        pump(*peer);
    }
    // The connection's queue drained: the next slice.
    void drained() {
        if (!holding_.load(std::memory_order_acquire)) return;  // the usual case: no lock per written message
        std::lock_guard lock(mutex_);
        if (held_.empty() || !confirmed_ || stopped_) return;
        if (auto peer = peer_.lock()) pump(*peer);
    }
    void stop() {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        held_.clear();
    }

private:
    void deliver(Outgoing text) {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        if (confirmed_ && held_.empty()) {
            if (auto peer = peer_.lock()) peer->send(std::move(text));
            return;
        }
        if (held_.size() >= max_held_) {
            stopped_ = true;
            held_.clear();
            if (auto peer = peer_.lock()) {
                if (const auto& slow = peer->services().gauges.slow_consumers) slow->add(1);
                peer->close(close_code::try_again_later, "client too slow: " + std::to_string(max_held_) + " events held; reconnect and resume");
            }
            return;
        }
        held_.push_back(std::move(text));
        holding_.store(true, std::memory_order_release);
    }

    void pump(Peer& peer) {
        std::size_t count = 0, bytes = 0;
        while (!held_.empty() && (count == 0 || (count < slice_messages_ && bytes + held_.front().size() <= slice_bytes_))) {
            bytes += held_.front().size();
            ++count;
            if (!peer.send(std::move(held_.front()))) {
                held_.clear();
                break;
            }
            held_.pop_front();
        }
        holding_.store(!held_.empty(), std::memory_order_release);
        if (!held_.empty()) peer.notify_when_drained();
    }

    std::weak_ptr<Peer> peer_;
    const std::string id_;
    std::string id_json_;
    std::shared_ptr<const std::string> head_;  // {"id":<id>,
    const std::size_t slice_messages_, slice_bytes_, max_held_;
    std::mutex mutex_;
    std::deque<Outgoing> held_;
    std::atomic<bool> holding_{false};  // held_ is not empty: drained() has work
    bool confirmed_ = false;
    bool stopped_ = false;
    std::atomic<bool> ended_{false};
};

std::optional<ChangeKind> kind_of(const std::string& op) {
    if (op == "insert") return ChangeKind::insert;
    if (op == "update") return ChangeKind::update;
    if (op == "delete") return ChangeKind::remove;
    return std::nullopt;
}

class ChangesProtocol final : public Protocol {
public:
    explicit ChangesProtocol(const std::shared_ptr<Peer>& peer) : peer_(*peer), weak_(peer) {}

    void on_message(std::string_view text) override {
        auto parsed = parse_message(text);
        if (!parsed) return peer_.close(bad_request, "Invalid message: a JSON object with a string \"type\" is expected");
        const auto& msg = *parsed;
        const auto type = msg["type"].get<std::string>();
        if (type == "ping") return (void)peer_.send(message("pong"));
        if (type == "pong") return;
        const auto id_it = msg.find("id");
        if (id_it == msg.end() || !id_it->is_string() || id_it->get_ref<const std::string&>().empty())
            return peer_.close(bad_request, "Invalid message: \"id\" must be a non-empty string");
        const auto& id = id_it->get_ref<const std::string&>();
        if (type == "unsubscribe") return unsubscribe(id);
        if (type == "subscribe") return subscribe(id, msg);
        peer_.close(bad_request, "Invalid message: unknown type '" + type.substr(0, 40) + "'");
    }

    void on_drained() override {
        for (auto& [id, stream] : streams_) stream.sink->drained();
    }

    void on_close() override {
        for (auto& [id, stream] : streams_) stream.sink->stop();
        streams_.clear();
    }

private:
    struct Stream {
        std::shared_ptr<StreamSink> sink;
        std::unique_ptr<ChangeSubscription> subscription;
        GaugeHold counted;
    };

    void refuse(const std::string& id, std::string_view why) {
        std::string text = R"({"type":"error","id":)";
        append_json_string(text, id);
        text += R"(,"message":)";
        if (!append_json_string(text, why)) text += R"("")";
        text += '}';
        peer_.send(std::move(text));
    }

    // The request from the message; refuses (and returns nullopt) when a member is malformed.
    std::optional<ChangeStreamRequest> request_of(const std::string& id, const nlohmann::json& msg) {
        ChangeStreamRequest request;
        if (auto it = msg.find("entity"); it != msg.end() && !it->is_null()) {
            if (!it->is_string()) return refuse(id, "\"entity\" must be a string"), std::nullopt;
            request.entities.push_back(it->get<std::string>());
        }
        if (auto it = msg.find("entities"); it != msg.end() && !it->is_null()) {
            if (!it->is_array()) return refuse(id, "\"entities\" must be an array of strings"), std::nullopt;
            for (const auto& e : *it) {
                if (!e.is_string()) return refuse(id, "\"entities\" must be an array of strings"), std::nullopt;
                request.entities.push_back(e.get<std::string>());
            }
        }
        if (auto it = msg.find("op"); it != msg.end() && !it->is_null()) {
            const auto ops = it->is_array() ? *it : nlohmann::json::array({*it});
            for (const auto& op : ops) {
                const auto kind = op.is_string() ? kind_of(op.get<std::string>()) : std::nullopt;
                if (!kind) return refuse(id, "\"op\" must be insert, update or delete (or an array of them)"), std::nullopt;
                request.kinds.push_back(*kind);
            }
        }
        if (auto it = msg.find("where"); it != msg.end() && !it->is_null()) {
            if (!it->is_object()) return refuse(id, "\"where\" must be an object in the where syntax"), std::nullopt;
            request.where = it->dump();
        }
        if (auto it = msg.find("after"); it != msg.end() && !it->is_null()) {
            if (!it->is_number_unsigned()) return refuse(id, "\"after\" must be a sequence number (an integer ≥ 0)"), std::nullopt;
            request.after = it->get<std::uint64_t>();
        }
        if (auto params = object_text(msg, "params"); params) request.connection_params = std::move(*params);
        request.headers = peer_.request().headers;
        return request;
    }

    void subscribe(const std::string& id, const nlohmann::json& msg) {
        if (auto it = streams_.find(id); it != streams_.end()) {
            if (!it->second.sink->ended()) return peer_.close(subscriber_exists, "Subscriber for " + id.substr(0, 80) + " already exists");
            streams_.erase(it);  // the host ended it: the id is free again
        }
        auto* streams = peer_.services().change_streams;
        if (!streams) return refuse(id, "this host offers no change stream");
        const auto max = peer_.services().limits.max_subscriptions;
        if (streams_.size() >= max) return refuse(id, "too many subscriptions on this connection (at most " + std::to_string(max) + ")");
        auto request = request_of(id, msg);
        if (!request) return;
        auto sink = std::make_shared<StreamSink>(weak_, id, peer_.services().limits);
        try {
            auto subscription = streams->open(std::move(*request), sink);
            streams_[id] = Stream{sink, std::move(subscription), GaugeHold(peer_.services().gauges.subscriptions)};
            sink->confirm();
        } catch (const Error& e) {
            sink->stop();
            refuse(id, e.what());
        }
    }

    void unsubscribe(const std::string& id) {
        auto it = streams_.find(id);
        if (it == streams_.end()) return;
        it->second.sink->stop();
        streams_.erase(it);
    }

    Peer& peer_;
    std::weak_ptr<Peer> weak_;
    std::map<std::string, Stream, std::less<>> streams_;
};

}  // namespace

std::unique_ptr<Protocol> make_changes_protocol(std::shared_ptr<Peer> peer) { return std::make_unique<ChangesProtocol>(peer); }

}  // namespace rex::websocket

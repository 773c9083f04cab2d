// The legacy graphql-ws subprotocol of subscriptions-transport-ws (its PROTOCOL.md):
// connection_init → connection_ack and "ka" keep-alives, start → data… / error / complete,
// stop, connection_terminate. Bad messages get an "error" message, as that library's server does.
#include "messages.hpp"
#include "operations.hpp"
#include "peer.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/log.hpp>

#include <nlohmann/json.hpp>

namespace rex::websocket {

namespace {

class GraphqlWsLegacy final : public Protocol {
public:
    explicit GraphqlWsLegacy(const std::shared_ptr<Peer>& peer)
        : peer_(*peer), operations_(peer, Wording{"data", "error", "complete"}) {}

    void on_open() override {
        peer_.set_timer(peer_.services().limits.connection_init_timeout, [this] {
            if (!initialised_) peer_.close(4408, "Connection initialisation timeout");
        });
    }

    void on_message(std::string_view text) override {
        auto parsed = parse_message(text);
        if (!parsed) return fail({}, "Message must be a JSON object with a string \"type\"");
        const auto& msg = *parsed;
        const auto type = msg["type"].get<std::string>();
        const auto id_it = msg.find("id");
        const std::string id = id_it != msg.end() && id_it->is_string() ? id_it->get<std::string>() : std::string();
        try {
            if (type == "connection_init") return init(msg);
            if (type == "connection_terminate") return peer_.close(1000, "connection_terminate");
            if (type == "start") return start(id, msg);
            if (type == "stop") {
                operations_.stop(id);
                return;
            }
        } catch (const std::exception& e) {
            if (auto* log = peer_.services().logger) log->log(LogLevel::error, "websocket", std::string("graphql-ws: ") + e.what());
            return fail(id, "Internal server error");
        }
        fail(id, "Invalid message type!");
    }

    void on_drained() override {
        if (!refused_.empty()) peer_.close(1011, refused_);
    }

    void on_close() override { operations_.stop_all(); }

private:
    void fail(const std::string& id, std::string_view why) { peer_.send(message("error", id, error_object(why))); }

    void init(const nlohmann::json& msg) {
        if (!refused_.empty()) return;  // closing
        auto payload = object_text(msg, "payload");
        if (!payload) {
            peer_.send(message("connection_error", {}, error_object("connection_init payload must be an object")));
            return peer_.close(1011, "connection_init payload must be an object");
        }
        // A refused identity: connection_error, then the close subscriptions-transport-ws's server
        // makes — once the error is written (a close drops what is still queued), or after a second.
        if (const auto refusal = peer_.services().refusal(peer_.request(), *payload); !refusal.empty()) {
            refused_ = "Forbidden: " + refusal;
            peer_.send(message("connection_error", {}, error_object(refused_)));
            peer_.notify_when_drained();
            return peer_.set_timer(std::chrono::seconds(1), [this] { peer_.close(1011, refused_); });
        }
        connection_params_ = std::move(*payload);
        const bool first = !initialised_;
        initialised_ = true;
        peer_.send(message("connection_ack"));
        peer_.send(message("ka"));
        if (first) keep_alive();
    }

    void keep_alive() {
        peer_.set_timer(peer_.services().limits.keep_alive, [this] {
            peer_.send(message("ka"));
            keep_alive();
        });
    }

    void start(const std::string& id, const nlohmann::json& msg) {
        if (id.empty()) return fail({}, "start needs a non-empty string \"id\"");
        if (!initialised_ || !refused_.empty()) return fail(id, "send connection_init first");
        const auto payload = msg.find("payload");
        std::string problem;
        auto request = read_operation(payload == msg.end() ? nlohmann::json() : *payload, problem);
        if (!request) return fail(id, "start " + problem);
        // The library's server replaces an operation started again under the same id.
        operations_.stop(id);
        operations_.start(id, std::move(*request), connection_params_);
    }

    Peer& peer_;
    Operations operations_;
    bool initialised_ = false;
    std::string connection_params_;
    std::string refused_;  // the identity refusal being sent before the close
};

}  // namespace

std::unique_ptr<Protocol> make_graphql_ws_legacy(std::shared_ptr<Peer> peer) { return std::make_unique<GraphqlWsLegacy>(peer); }

}  // namespace rex::websocket

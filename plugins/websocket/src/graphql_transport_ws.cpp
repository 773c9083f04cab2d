// The graphql-transport-ws subprotocol (the graphql-ws library's, PROTOCOL.md of
// enisdenjo/graphql-ws): connection_init within the timeout (else 4408), connection_ack,
// subscribe / next / error / complete, ping / pong, and its close codes for violations.
#include "messages.hpp"
#include "operations.hpp"
#include "peer.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/log.hpp>

#include <nlohmann/json.hpp>

namespace rex::websocket {

namespace {

namespace code {
constexpr std::uint16_t bad_request = 4400;
constexpr std::uint16_t unauthorized = 4401;
constexpr std::uint16_t forbidden = 4403;
constexpr std::uint16_t init_timeout = 4408;
constexpr std::uint16_t subscriber_exists = 4409;
constexpr std::uint16_t too_many_inits = 4429;
constexpr std::uint16_t internal = 4500;
}  // namespace code

class GraphqlTransportWs final : public Protocol {
public:
    explicit GraphqlTransportWs(const std::shared_ptr<Peer>& peer)
        : peer_(*peer), operations_(peer, Wording{"next", "error", "complete"}) {}

    void on_open() override {
        peer_.set_timer(peer_.services().limits.connection_init_timeout, [this] {
            if (!initialised_) peer_.close(code::init_timeout, "Connection initialisation timeout");
        });
    }

    void on_message(std::string_view text) override {
        auto parsed = parse_message(text);
        if (!parsed) return peer_.close(code::bad_request, "Invalid message received");
        const auto& msg = *parsed;
        const auto type = msg["type"].get<std::string>();
        try {
            if (type == "connection_init") return init(msg);
            if (type == "ping") return ping(msg);
            if (type == "pong") return;
            if (type == "subscribe") return subscribe(msg);
            if (type == "complete") return complete(msg);
        } catch (const std::exception& e) {
            if (auto* log = peer_.services().logger) log->log(LogLevel::error, "websocket", std::string("graphql-transport-ws: ") + e.what());
            return peer_.close(code::internal, "Internal server error");
        }
        peer_.close(code::bad_request, "Invalid message received: unexpected type '" + type.substr(0, 40) + "'");
    }

    void on_close() override { operations_.stop_all(); }

private:
    void init(const nlohmann::json& msg) {
        if (initialised_) return peer_.close(code::too_many_inits, "Too many initialisation requests");
        auto payload = object_text(msg, "payload");
        if (!payload) return peer_.close(code::bad_request, "Invalid message received: connection_init payload must be an object");
        // The identity from the payload (connectionParams) or the upgrade's headers: refused, the
        // socket closes with 4403 as graphql-ws's server does when onConnect refuses.
        if (const auto refusal = peer_.services().refusal(peer_.request(), *payload); !refusal.empty())
            return peer_.close(code::forbidden, "Forbidden: " + refusal);
        initialised_ = true;
        connection_params_ = std::move(*payload);
        peer_.send(message("connection_ack"));
    }

    void ping(const nlohmann::json& msg) {
        auto payload = object_text(msg, "payload");
        if (!payload) return peer_.close(code::bad_request, "Invalid message received: ping payload must be an object");
        peer_.send(message("pong", {}, *payload));
    }

    // The id, when it is a non-empty string; otherwise the connection is closed with 4400.
    const std::string* id_of(const nlohmann::json& msg) {
        const auto it = msg.find("id");
        if (it == msg.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
            peer_.close(code::bad_request, "Invalid message received: \"id\" must be a non-empty string");
            return nullptr;
        }
        return &it->get_ref<const std::string&>();
    }

    void subscribe(const nlohmann::json& msg) {
        const auto* id = id_of(msg);
        if (!id) return;
        const auto payload = msg.find("payload");
        std::string problem;
        auto request = read_operation(payload == msg.end() ? nlohmann::json() : *payload, problem);
        if (!request) return peer_.close(code::bad_request, "Invalid message received: subscribe " + problem);
        if (!initialised_) return peer_.close(code::unauthorized, "Unauthorized");
        if (operations_.has(*id)) return peer_.close(code::subscriber_exists, "Subscriber for " + id->substr(0, 80) + " already exists");
        operations_.start(*id, std::move(*request), connection_params_);
    }

    void complete(const nlohmann::json& msg) {
        if (const auto* id = id_of(msg)) operations_.stop(*id);
    }

    Peer& peer_;
    Operations operations_;
    bool initialised_ = false;
    std::string connection_params_;
};

}  // namespace

std::unique_ptr<Protocol> make_graphql_transport_ws(std::shared_ptr<Peer> peer) { return std::make_unique<GraphqlTransportWs>(peer); }

}  // namespace rex::websocket

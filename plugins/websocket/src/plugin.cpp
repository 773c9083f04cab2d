// rex-websocket.so: the "websocket" realtime transport. Claims WebSocket upgrades on /graphql
// (graphql-transport-ws and the legacy graphql-ws subprotocol; plain requests stay with the
// executor) and on /changes (the plain change stream).
#include "connection.hpp"

#include <rex/sdk/log.hpp>
#include <rex/sdk/plugin_entry.hpp>
#include <rex/sdk/transport.hpp>

#include <io_threads.hpp>

#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace rex::websocket {

namespace {

bool contains_token(const std::string* value, std::string_view token) {
    if (!value) return false;
    std::string lower(*value);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.find(token) != std::string::npos;
}

bool is_upgrade(const HttpRequest& request) {
    return request.method == "GET" && contains_token(request.header("Upgrade"), "websocket") &&
           contains_token(request.header("Connection"), "upgrade");
}

class Route final : public HttpRoute {
public:
    Route(std::shared_ptr<Registry> registry, boost::asio::io_context& io, Endpoint endpoint)
        : registry_(std::move(registry)), io_(io), endpoint_(endpoint) {}

    // Reached only when no other route serves plain requests on the path.
    HttpResponse handle(const HttpRequest& request) override {
        HttpResponse response;
        response.status = 426;
        response.headers.push_back({"Upgrade", "websocket"});
        response.body = R"({"error":{"status":426,"message":")" + request.path + R"( is served over WebSocket only here"}})";
        return response;
    }
    bool wants_stream(const HttpRequest& request) const override { return is_upgrade(request); }
    void take_stream(const HttpRequest& request, StreamSocket socket) override {
        registry_->accept(io_, endpoint_, request, std::move(socket));
    }

private:
    std::shared_ptr<Registry> registry_;
    boost::asio::io_context& io_;
    Endpoint endpoint_;
};

class WebSocketTransport final : public RealtimeTransport {
public:
    std::string_view name() const override { return "websocket"; }
    std::string_view description() const override {
        return "WebSocket: GraphQL over graphql-transport-ws and graphql-ws on /graphql, the change stream on /changes";
    }

    void start(TransportContext& context) override {
        Services services;
        services.limits = Limits::from(context.settings("websocket"));
        services.operations = context.operations();
        services.change_streams = context.change_streams();
        services.logger = &context.logger();
        services.identify = [&context](const IdentityRequest& request) { return context.identify(request); };
        if (auto* metrics = context.metrics()) services.gauges = RealtimeMetrics::of(*metrics, "websocket");
        registry_ = std::make_shared<Registry>(services);
        // Sessions run on an I/O context of the plugin's own, not the host's (a completion on a
        // host thread can crash in compensating_work_started: see io_threads.hpp).
        io_ = std::make_unique<plugins::IoThreads>(services.limits.threads);
        context.add_route("/graphql", std::make_shared<Route>(registry_, io_->context(), Endpoint::graphql));
        context.add_route("/changes", std::make_shared<Route>(registry_, io_->context(), Endpoint::changes));
        if (!services.operations)
            context.logger().log(LogLevel::warn, "websocket", "the host offers no GraphQL operations: /graphql over WebSocket answers every operation with an error");
        if (!services.change_streams)
            context.logger().log(LogLevel::warn, "websocket", "the host offers no change stream: /changes over WebSocket refuses every subscribe");
    }

    void stop() override {
        if (registry_) registry_->stop();  // closes every session with 1001 and waits for the handshakes
        if (!io_) return;
        io_->stop();
        io_.reset();
    }

    ~WebSocketTransport() override {
        if (io_) stop();
    }

private:
    std::shared_ptr<Registry> registry_;
    std::unique_ptr<plugins::IoThreads> io_;
};

void register_extensions(Registrar& registrar) { registrar.add_transport(std::make_shared<WebSocketTransport>()); }

}  // namespace

}  // namespace rex::websocket

REX_PLUGIN("websocket", "0.1.0", "WebSocket realtime transport: GraphQL subscriptions and the change stream", rex::websocket::register_extensions)

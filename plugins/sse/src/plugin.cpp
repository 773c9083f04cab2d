// rex-sse.so: the "sse" realtime transport — GET /changes (the plain change stream) and
// /graphql/stream (graphql-sse) as Server-Sent Events. Settings ("settings": {"sse": {…}}):
// heartbeat_ms, queue_events, queue_bytes, write_timeout_ms, max_connections, retry_ms, threads, tcp_nodelay.
#include "routes.hpp"
#include "stream_context.hpp"

#include <rex/sdk/plugin_entry.hpp>

#include <io_threads.hpp>

#include <optional>
#include <thread>

namespace {

using namespace rex;
using namespace rex::sse;

SseOptions options_of(const PluginSettings& s) {
    s.check_known({"heartbeat_ms", "queue_events", "queue_bytes", "write_timeout_ms", "max_connections", "retry_ms", "threads", "tcp_nodelay"});
    SseOptions o;
    o.stream.heartbeat = std::chrono::milliseconds(s.integer("heartbeat_ms", 15000, 10, 3'600'000));
    o.stream.queue_events = static_cast<std::size_t>(s.integer("queue_events", 1024, 1, 1'000'000));
    o.stream.queue_bytes = static_cast<std::size_t>(s.integer("queue_bytes", 4 << 20, 1024, std::int64_t{1} << 32));
    o.stream.write_timeout = std::chrono::milliseconds(s.integer("write_timeout_ms", 30000, 10, 3'600'000));
    o.max_connections = static_cast<std::size_t>(s.integer("max_connections", 10000, 1, 10'000'000));
    o.retry = std::chrono::milliseconds(s.integer("retry_ms", 2000, 0, 3'600'000));
    o.threads = static_cast<unsigned>(s.integer("threads", 1, 1, 64));
    o.stream.tcp_nodelay = s.boolean("tcp_nodelay", o.stream.tcp_nodelay);
    return o;
}

class SseTransport final : public RealtimeTransport {
public:
    std::string_view name() const override { return "sse"; }
    std::string_view description() const override { return "Server-Sent Events: GET /changes and graphql-sse on /graphql/stream"; }

    void start(TransportContext& host) override {
        auto options = options_of(host.settings("sse"));
        auto* metrics = host.metrics();
        auto registry = std::make_shared<StreamRegistry>(options.max_connections, metrics ? RealtimeMetrics::of(*metrics, "sse") : RealtimeMetrics{});
        io_ = std::make_unique<plugins::IoThreads>(options.threads);
        context_ = std::make_shared<const StreamContext>(StreamContext{host, io_->context(), options, registry});
        host.add_route("/changes", std::make_shared<ChangesRoute>(context_));
        host.add_route("/graphql/stream", std::make_shared<GraphqlStreamRoute>(context_));
        host.logger().log(LogLevel::info, "sse",
                          "serving /changes and /graphql/stream (heartbeat " + std::to_string(options.stream.heartbeat.count()) + " ms, queue " +
                              std::to_string(options.stream.queue_events) + " events, at most " + std::to_string(options.max_connections) +
                              " streams of ~" + std::to_string(EventStream::footprint()) + " bytes each when idle)");
    }

    void stop() override {
        if (!context_) return;
        const auto open = context_->registry->size();
        context_->registry->stop();
        // Every stream is shut down: the I/O threads finish their last handlers and return (or
        // are stopped after a grace period, should a handler be stuck).
        io_->stop();
        context_->host.logger().log(LogLevel::info, "sse", "stopped; ended " + std::to_string(open) + " open streams");
    }

    ~SseTransport() override {
        if (io_ && io_->running()) stop();
    }

private:
    std::unique_ptr<plugins::IoThreads> io_;
    std::shared_ptr<const StreamContext> context_;
};

void register_extensions(Registrar& registrar) { registrar.add_transport(std::make_shared<SseTransport>()); }

}  // namespace

REX_PLUGIN("sse", "0.1.0", "Server-Sent Events transport: the change stream at /changes and graphql-sse at /graphql/stream",
           register_extensions)

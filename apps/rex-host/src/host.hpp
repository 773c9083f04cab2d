// The host: answers its own routes, hosts the routes plugins claim (a schema-exporter's executor
// on /graphql, a transport's paths), starts and stops the realtime transports, and logs every
// request. Plugin code runs on the worker threads and every exception it throws becomes a 500.
#pragma once

#include "change_streams.hpp"
#include "executor_context.hpp"
#include "http_server.hpp"
#include "metrics.hpp"
#include "readiness.hpp"
#include "router.hpp"
#include "worker_pool.hpp"

#include <rex/kernel.hpp>

#include <chrono>
#include <filesystem>
#include <vector>

namespace rex::host {

struct HostSettings {
    std::vector<std::filesystem::path> plugin_dirs;
    std::string admin_secret;  // empty: GET /plugins is off
    unsigned workers = 8;
};

class Host final : public RequestHandler, public TransportContext {
public:
    // `context` serves the executor and holds every extension's config section.
    Host(Kernel& kernel, boost::asio::io_context& io, HostExecutorContext& context, HostSettings settings);
    ~Host() override;

    // Routes /graphql to the executor of a schema-exporter: `wanted` by name, or else the first
    // (by name) of format "graphql-sdl" that offers one, or else of any format. None is fine (no
    // /graphql); a `wanted` one that does not exist or offers no executor throws ConfigurationError.
    void start_executor(const std::string& wanted);
    // Starts every loaded transport; one that fails to start is logged and skipped.
    void start_transports();
    void stop_transports();
    // Waits for running plugin calls; requests not started are dropped.
    void stop_workers() { workers_.stop(); }

    // RequestHandler
    std::shared_ptr<HttpRoute> stream_route(const HttpRequest& request) override;
    void dispatch(const HttpRequest& request, std::function<void(HttpResponse)> answer) override;
    void log_request(const HttpRequest& request, int status, std::size_t bytes,
                     std::chrono::microseconds duration, std::string_view operation) override;
    void log_server(LogLevel level, const std::string& message) override;

    // TransportContext
    boost::asio::io_context& io_context() override { return io_; }
    void add_route(std::string path, std::shared_ptr<HttpRoute> route) override;
    ChangeBus& changes() override { return kernel_.changes(); }
    const CatalogView& catalog() const override { return kernel_.catalog(); }
    Logger& logger() override { return kernel_.logger(); }
    const PluginSettings& settings(std::string_view plugin) const override { return context_.settings_of(plugin); }
    ChangeStreams* change_streams() override { return &change_streams_; }
    OperationExecutor* operations() override { return operations_.get(); }
    Metrics* metrics() override { return &metrics_; }

    HostMetrics& host_metrics() noexcept { return metrics_; }
    // From now on GET /ready answers 503 "shutting down".
    void begin_drain() noexcept { readiness_.set_draining(); }
    IdentifyResult identify(const IdentityRequest& request) const override { return context_.identify(request); }

private:
    HttpResponse own_route(const HttpRequest& request) const;
    void append_state_metrics(std::string& out) const;
    // Runs a plugin route; never throws.
    HttpResponse call_route(const RouteEntry& entry, const HttpRequest& request) noexcept;

    Kernel& kernel_;
    boost::asio::io_context& io_;
    HostExecutorContext& context_;
    HostSettings settings_;
    Router router_;
    HostMetrics metrics_;
    Readiness readiness_;
    WorkerPool workers_;
    HostChangeStreams change_streams_{kernel_.catalog(), kernel_.changes(), kernel_.logger(),
                                      [this](const IdentityRequest& request) { return context_.identify(request); }};
    std::string starting_;  // the plugin whose start() is running, owner of the routes it adds
    std::vector<std::shared_ptr<RealtimeTransport>> started_;
    std::shared_ptr<OperationExecutor> operations_;  // the executor's, for transports (made before they start)
    const std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
};

}  // namespace rex::host

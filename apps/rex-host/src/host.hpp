// The host: answers its own routes, hosts the routes plugins claim, starts and stops the
// realtime transports, and logs every request.
#pragma once

#include "http_server.hpp"
#include "router.hpp"

#include <rex/kernel.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <vector>

namespace rex::host {

class Host final : public RequestHandler, public TransportContext {
public:
    Host(Kernel& kernel, boost::asio::io_context& io, std::vector<std::filesystem::path> plugin_dirs);

    // Starts every loaded transport; one that fails to start is logged and skipped.
    void start_transports();
    void stop_transports();

    // RequestHandler
    std::shared_ptr<HttpRoute> stream_route(const HttpRequest& request) override;
    HttpResponse handle(const HttpRequest& request) override;
    void log_request(const HttpRequest& request, int status, std::size_t bytes,
                     std::chrono::microseconds duration) override;

    // TransportContext
    boost::asio::io_context& io_context() override { return io_; }
    void add_route(std::string path, std::shared_ptr<HttpRoute> route) override;
    ChangeBus& changes() override { return kernel_.changes(); }
    const CatalogView& catalog() const override { return kernel_.catalog(); }
    Logger& logger() override { return kernel_.logger(); }

private:
    Kernel& kernel_;
    boost::asio::io_context& io_;
    std::vector<std::filesystem::path> plugin_dirs_;
    Router router_;
    std::vector<std::shared_ptr<RealtimeTransport>> started_;
    const std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
};

}  // namespace rex::host

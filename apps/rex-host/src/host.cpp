#include "host.hpp"

#include <plugin_report.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>

namespace rex::host {

Host::Host(Kernel& kernel, boost::asio::io_context& io, std::vector<std::filesystem::path> plugin_dirs)
    : kernel_(kernel), io_(io), plugin_dirs_(std::move(plugin_dirs)) {}

void Host::start_transports() {
    for (auto& transport : kernel_.transports()) {
        try {
            transport->start(*this);
            started_.push_back(transport);
            kernel_.logger().log(LogLevel::info, "host", "started transport " + std::string(transport->name()));
        } catch (const std::exception& e) {
            kernel_.logger().log(LogLevel::error, "host",
                                 "transport " + std::string(transport->name()) + " failed to start: " + e.what());
        }
    }
}

void Host::stop_transports() {
    for (auto it = started_.rbegin(); it != started_.rend(); ++it) {
        try {
            (*it)->stop();
        } catch (const std::exception& e) {
            kernel_.logger().log(LogLevel::error, "host", "transport " + std::string((*it)->name()) + " failed to stop: " + e.what());
        }
    }
    started_.clear();
}

void Host::add_route(std::string path, std::shared_ptr<HttpRoute> route) { router_.add(std::move(path), std::move(route)); }

std::shared_ptr<HttpRoute> Host::stream_route(const HttpRequest& request) {
    auto route = router_.find(request.path);
    return route && route->wants_stream(request) ? route : nullptr;
}

HttpResponse Host::handle(const HttpRequest& request) {
    const bool read_only = request.method == "GET" || request.method == "HEAD";
    if (request.path == "/health" || request.path == "/plugins") {
        if (!read_only) {
            auto response = error_response(405, request.method + " is not allowed on " + request.path + " (use GET)");
            response.headers.push_back({"Allow", "GET, HEAD"});
            return response;
        }
        HttpResponse response;
        if (request.path == "/health") {
            const auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at_);
            response.body = nlohmann::json{{"status", "ok"},
                                           {"uptime_ms", uptime.count()},
                                           {"plugins", kernel_.plugins().size()},
                                           {"plugin_failures", kernel_.failures().size()}}
                                .dump();
        } else {
            response.body = app::plugin_report(kernel_, plugin_dirs_).dump();
        }
        return response;
    }
    if (auto route = router_.find(request.path)) return route->handle(request);
    return error_response(404, "no route for " + request.path);
}

void Host::log_request(const HttpRequest& request, int status, std::size_t bytes, std::chrono::microseconds duration) {
    auto& log = kernel_.logger();
    if (!log.enabled(LogLevel::info)) return;
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.2f", static_cast<double>(duration.count()) / 1000.0);
    const std::string method = request.method.empty() ? "-" : request.method;
    const std::string target = request.target.empty() ? "-" : request.target;
    log.write(LogLevel::info, "http",
              request.remote_address + " " + method + " " + target + " " +
                  (status ? std::to_string(status) : std::string("stream")) + " " + ms + "ms " + std::to_string(bytes) + "B");
}

}  // namespace rex::host

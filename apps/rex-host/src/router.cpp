#include "router.hpp"

#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

namespace rex::host {

void Router::add(std::string path, std::shared_ptr<HttpRoute> route, std::string owner) {
    if (path.empty() || path.front() != '/')
        raise({ErrorCategory::configuration, "route path '" + path + "' must start with '/'", {}, {}});
    if (!route) raise({ErrorCategory::configuration, "route " + path + " has no handler", {}, {}});
    std::lock_guard lock(mutex_);
    if (path == "/health" || path == "/ready" || path == "/metrics" || path == "/plugins" || !routes_.emplace(path, std::make_shared<const RouteEntry>(RouteEntry{std::move(route), std::move(owner)})).second)
        raise({ErrorCategory::configuration, "route " + path + " is already taken", {}, {}});
}

std::shared_ptr<const RouteEntry> Router::find(const std::string& path) const {
    std::lock_guard lock(mutex_);
    auto it = routes_.find(path);
    return it == routes_.end() ? nullptr : it->second;
}

HttpResponse error_response(int status, const std::string& message) {
    HttpResponse response;
    response.status = status;
    response.body = nlohmann::json{{"error", {{"status", status}, {"message", message}}}}.dump();
    return response;
}

}  // namespace rex::host

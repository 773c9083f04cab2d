#include "router.hpp"

#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

namespace rex::host {

namespace {

// A path two plugins share: the later claim (a transport) gets the streams it wants (e.g.
// WebSocket upgrades on /graphql), everything else goes to the earlier one (the executor).
class LayeredRoute final : public HttpRoute {
public:
    LayeredRoute(std::shared_ptr<HttpRoute> below, std::shared_ptr<HttpRoute> above) : below_(std::move(below)), above_(std::move(above)) {}
    HttpResponse handle(const HttpRequest& request) override { return below_->handle(request); }
    bool wants_stream(const HttpRequest& request) const override { return above_->wants_stream(request) || below_->wants_stream(request); }
    void take_stream(const HttpRequest& request, StreamSocket socket) override {
        (above_->wants_stream(request) ? above_ : below_)->take_stream(request, std::move(socket));
    }

private:
    std::shared_ptr<HttpRoute> below_, above_;
};

}  // namespace

void Router::add(std::string path, std::shared_ptr<HttpRoute> route, std::string owner) {
    if (path.empty() || path.front() != '/')
        raise({ErrorCategory::configuration, "route path '" + path + "' must start with '/'", {}, {}});
    if (!route) raise({ErrorCategory::configuration, "route " + path + " has no handler", {}, {}});
    std::lock_guard lock(mutex_);
    if (path == "/health" || path == "/ready" || path == "/metrics" || path == "/plugins") raise({ErrorCategory::configuration, "route " + path + " is already taken", {}, {}});
    auto [it, added] = routes_.emplace(path, nullptr);
    if (added) {
        it->second = std::make_shared<const RouteEntry>(RouteEntry{std::move(route), std::move(owner), false});
    } else if (!it->second->layered) {  // a second claim takes the streams it wants; a third is refused
        auto layered = std::make_shared<LayeredRoute>(it->second->route, std::move(route));
        // Log lines about plain requests name the first owner, who answers them.
        it->second = std::make_shared<const RouteEntry>(RouteEntry{std::move(layered), it->second->owner, true});
    } else {
        raise({ErrorCategory::configuration, "route " + path + " is already taken by " + it->second->owner, {}, {}});
    }
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

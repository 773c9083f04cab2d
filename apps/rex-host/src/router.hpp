// Routes requests by path: the host's own (/health, /plugins) and those claimed by plugins.
#pragma once

#include <rex/sdk/transport.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace rex::host {

struct RouteEntry {
    std::shared_ptr<HttpRoute> route;
    std::string owner;                 // for log lines: "transport echo", "exporter graphql"
    bool layered = false;              // two claims share the path (LayeredRoute)
};

class Router {
public:
    // Claims a path for a plugin route. A second claim shares it: the second route gets the
    // streams it wants (wants_stream), the first everything else; a third throws ConfigurationError.
    void add(std::string path, std::shared_ptr<HttpRoute> route, std::string owner);
    // The route for a path, or nullptr.
    std::shared_ptr<const RouteEntry> find(const std::string& path) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const RouteEntry>, std::less<>> routes_;
};

// A JSON error body: {"error": {"status": 404, "message": "..."}}
HttpResponse error_response(int status, const std::string& message);

}  // namespace rex::host

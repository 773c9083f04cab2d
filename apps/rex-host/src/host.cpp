#include "host.hpp"

#include "exception_text.hpp"
#include "log_redaction.hpp"

#include <plugin_report.hpp>
#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>

namespace rex::host {

namespace {

constexpr std::string_view executor_path = "/graphql";

// The executor of a schema-exporter as a plain route.
class ExecutorRoute final : public HttpRoute {
public:
    explicit ExecutorRoute(std::shared_ptr<RequestExecutor> executor) : executor_(std::move(executor)) {}
    HttpResponse handle(const HttpRequest& request) override { return executor_->execute(request); }

private:
    std::shared_ptr<RequestExecutor> executor_;
};

}  // namespace

Host::Host(Kernel& kernel, boost::asio::io_context& io, HostExecutorContext& context, HostSettings settings)
    : kernel_(kernel), io_(io), context_(context), settings_(std::move(settings)), readiness_(kernel, context),
      workers_(std::max(1u, settings_.workers)) {
    context_.serve_on(&workers_);  // ExecutorContext::post runs on these workers
    context_.set_metrics(&metrics_);
    metrics_.add_sampler([this](std::string& out) { append_state_metrics(out); });
}

Host::~Host() { context_.serve_on(nullptr); }

void Host::append_state_metrics(std::string& out) const {
    const auto gauge = [&](const char* name, const char* help, std::uint64_t value) {
        out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" gauge\n");
        out.append(name).append(" ").append(std::to_string(value)).append("\n");
    };
    // The change bus: its rate is the changes per second; retained is what resuming clients can replay.
    const auto& bus = kernel_.changes();
    const auto last = bus.last_sequence(), first = bus.first_retained();
    gauge("rex_changes_last_sequence", "Sequence number of the last change on the host's change bus", last);
    gauge("rex_changes_retained", "Changes the bus keeps for clients that resume", last && first && last >= first ? last - first + 1 : 0);
    const auto* pool = context_.pool_if_made();
    if (!pool) return;  // no request needed the database yet
    const auto stats = pool->stats();
    gauge("rex_pool_connections_in_use", "Database connections lent to requests", stats.in_use);
    gauge("rex_pool_connections_idle", "Open database connections waiting in the pool", stats.idle);
    gauge("rex_pool_waiting", "Requests waiting for a database connection", stats.waiting);
    gauge("rex_pool_max_size", "The most database connections the pool opens", pool->options().max_size);
    out.append("# HELP rex_pool_connections_opened_total Database connections opened\n# TYPE rex_pool_connections_opened_total counter\n");
    out.append("rex_pool_connections_opened_total ").append(std::to_string(stats.created)).append("\n");
}

void Host::start_executor(const std::string& wanted) {
    auto exporters = kernel_.exporters();
    std::string names;
    for (const auto& e : exporters) names += (names.empty() ? "" : ", ") + std::string(e->name());
    if (!wanted.empty()) {
        std::erase_if(exporters, [&](const auto& e) { return e->name() != wanted; });
        if (exporters.empty())
            raise({ErrorCategory::configuration,
                   "graphql.exporter: no schema-exporter named '" + wanted + "' is loaded (loaded: " + (names.empty() ? "none" : names) + ")",
                   {}, {}});
    }
    // graphql-sdl first, then by name: the choice does not depend on load order.
    std::stable_sort(exporters.begin(), exporters.end(), [](const auto& a, const auto& b) {
        const bool ga = a->format() == "graphql-sdl", gb = b->format() == "graphql-sdl";
        return ga != gb ? ga : a->name() < b->name();
    });
    for (const auto& exporter : exporters) {
        const std::string owner = "exporter " + std::string(exporter->name());
        std::shared_ptr<RequestExecutor> executor;
        try {
            context_.serve_settings_of(exporter->name());
            executor = exporter->make_executor(context_);
        } catch (...) {
            kernel_.logger().log(LogLevel::error, "host", owner + " failed to make its executor: " + current_exception_text());
            continue;
        }
        if (!executor) continue;
        try {
            operations_ = executor->operations();
        } catch (...) {
            kernel_.logger().log(LogLevel::error, "host", owner + " failed to make its operation executor: " + current_exception_text());
        }
        auto route = std::make_shared<ExecutorRoute>(std::move(executor));
        router_.add(std::string(executor_path), route, owner);
        if (exporter->format() == "graphql-sdl") router_.add("/", route, owner);  // its console page
        kernel_.logger().log(LogLevel::info, "host", "serving " + std::string(executor_path) + " with the executor of " + owner);
        return;
    }
    if (!wanted.empty())
        raise({ErrorCategory::configuration, "graphql.exporter: schema-exporter '" + wanted + "' offers no executor", {}, {}});
    kernel_.logger().log(LogLevel::info, "host", "no loaded schema-exporter offers an executor: " + std::string(executor_path) + " is not served");
}

void Host::start_transports() {
    for (auto& transport : kernel_.transports()) {
        starting_ = "transport " + std::string(transport->name());
        try {
            transport->start(*this);
            started_.push_back(transport);
            kernel_.logger().log(LogLevel::info, "host", "started " + starting_);
        } catch (...) {
            kernel_.logger().log(LogLevel::error, "host", starting_ + " failed to start: " + current_exception_text());
        }
    }
    starting_.clear();
}

void Host::stop_transports() {
    for (auto it = started_.rbegin(); it != started_.rend(); ++it) {
        try {
            (*it)->stop();
        } catch (...) {
            kernel_.logger().log(LogLevel::error, "host",
                                 "transport " + std::string((*it)->name()) + " failed to stop: " + current_exception_text());
        }
    }
    started_.clear();
}

void Host::add_route(std::string path, std::shared_ptr<HttpRoute> route) {
    router_.add(std::move(path), std::move(route), starting_.empty() ? "a plugin" : starting_);
}

std::shared_ptr<HttpRoute> Host::stream_route(const HttpRequest& request) {
    const auto entry = router_.find(request.path);
    if (!entry) return nullptr;
    try {
        return entry->route->wants_stream(request) ? entry->route : nullptr;
    } catch (...) {
        kernel_.logger().log(LogLevel::error, "host", request.path + ": " + entry->owner + " threw " + current_exception_text());
        return nullptr;  // served as a plain request
    }
}

void Host::dispatch(const HttpRequest& request, std::function<void(HttpResponse)> answer) {
    auto entry = router_.find(request.path);
    // /ready may wait for the database: a worker's job, like plugin routes.
    if (!entry && request.path == "/ready" && (request.method == "GET" || request.method == "HEAD"))
        return workers_.post([this, answer = std::move(answer)] { answer(readiness_.check()); });
    if (!entry) return answer(own_route(request));
    // Plugin code may block (on the database): it runs on a worker, never on an I/O thread.
    workers_.post([this, entry = std::move(entry), &request, answer = std::move(answer)] { answer(call_route(*entry, request)); });
}

HttpResponse Host::call_route(const RouteEntry& entry, const HttpRequest& request) noexcept {
    try {
        try {
            return entry.route->handle(request);
        } catch (const PoolExhausted&) {
            // Every connection busy for the whole acquire timeout: the client may try again soon.
            auto response = error_response(503, "no database connection is free: try again");
            response.headers.push_back({"Retry-After", "1"});
            return response;
        } catch (...) {
            kernel_.logger().log(LogLevel::error, "host",
                                 request.method + " " + request.path + ": " + entry.owner + " threw " + current_exception_text());
        }
        return error_response(500, "internal error in " + request.path + " (the server log says more)");
    } catch (...) {  // logging or the response itself failed (out of memory)
        HttpResponse response;
        response.status = 500;
        response.body = R"({"error":{"status":500,"message":"internal error"}})";
        return response;
    }
}

HttpResponse Host::own_route(const HttpRequest& request) const {
    const bool plugins = request.path == "/plugins";
    const bool metrics = request.path == "/metrics";
    if (request.path != "/health" && request.path != "/ready" && !plugins && !metrics) return error_response(404, "no route for " + request.path);
    if (plugins && settings_.admin_secret.empty()) return error_response(404, "no route for /plugins (an operator route: set http.admin_secret)");
    if (plugins) {
        const auto* given = request.header("X-Rex-Admin-Secret");
        if (!given || !same_secret(*given, settings_.admin_secret))
            return error_response(403, "/plugins needs the operator secret in the X-Rex-Admin-Secret header");
    }
    if (request.method != "GET" && request.method != "HEAD") {
        auto response = error_response(405, request.method + " is not allowed on " + request.path + " (use GET)");
        response.headers.push_back({"Allow", "GET, HEAD"});
        return response;
    }
    HttpResponse response;
    if (metrics) {
        response.content_type = "text/plain; version=0.0.4; charset=utf-8";
        response.body = metrics_.render();
    } else if (plugins) {
        response.body = app::plugin_report(kernel_, settings_.plugin_dirs).dump();
    } else {
        const auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at_);
        response.body = nlohmann::json{{"status", "ok"},
                                       {"uptime_ms", uptime.count()},
                                       {"plugins", kernel_.plugins().size()},
                                       {"plugin_failures", kernel_.failures().size()}}
                            .dump();
    }
    return response;
}

void Host::log_request(const HttpRequest& request, int status, std::size_t bytes, std::chrono::microseconds duration,
                       std::string_view operation) {
    // Label values stay few: a path nobody serves is "other".
    static const std::array<std::string_view, 4> own{"/health", "/ready", "/metrics", "/plugins"};
    const bool known = std::find(own.begin(), own.end(), request.path) != own.end() || router_.find(request.path);
    metrics_.record({known ? request.path : "other", std::string(operation), request.method.empty() ? "-" : request.method, status, duration});
    auto& log = kernel_.logger();
    if (!log.enabled(LogLevel::info)) return;
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.2f", static_cast<double>(duration.count()) / 1000.0);
    const std::string method = request.method.empty() ? "-" : request.method;
    const std::string target = request.target.empty() ? "-" : redact_target(request.target);
    log.write(LogLevel::info, "http",
              request.remote_address + " " + method + " " + target + " " +
                  (status ? std::to_string(status) : std::string("stream")) + " " + ms + "ms " + std::to_string(bytes) + "B");
}

void Host::log_server(LogLevel level, const std::string& message) { kernel_.logger().log(level, "http", message); }

}  // namespace rex::host

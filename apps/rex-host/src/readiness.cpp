#include "readiness.hpp"

#include "exception_text.hpp"
#include "executor_context.hpp"

#include <rex/kernel.hpp>
#include <rex/sdk/url.hpp>

#include <nlohmann/json.hpp>

namespace rex::host {

namespace {

HttpResponse answer(bool ready, const std::string& reason) {
    HttpResponse response;
    response.status = ready ? 200 : 503;
    nlohmann::json body{{"status", ready ? "ready" : "not ready"}};
    if (!reason.empty()) body["reason"] = reason;
    response.body = body.dump();
    if (!ready) response.headers.push_back({"Retry-After", "1"});
    return response;
}

}  // namespace

HttpResponse Readiness::check() {
    if (draining_) return answer(false, "shutting down");
    for (const auto& failure : kernel_.failures())
        return answer(false, "plugin " + failure.file.filename().string() + " did not load: " + failure.reason);
    // Every connection busy means the database answered a moment ago: ready, just loaded (a 503
    // here would take hosts out of rotation exactly when they are all needed).
    if (const auto* pool = context_.pool_if_made()) {
        const auto stats = pool->stats();
        const auto max = pool->options().max_size;
        if (max && stats.in_use >= max) return answer(true, "");
    }
    try {
        auto connection = context_.acquire();
        if (!connection->ping()) return answer(false, "database " + redact_url(context_.database_url()) + " did not answer a ping");
    } catch (...) {
        return answer(false, "database " + redact_url(context_.database_url()) + " is not reachable: " + redact_url(current_exception_text()));
    }
    return answer(true, "");
}

}  // namespace rex::host

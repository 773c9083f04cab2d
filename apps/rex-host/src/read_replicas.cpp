#include "read_replicas.hpp"

#include "exception_text.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

namespace rex::host {

namespace {
// How long a replica that could not be reached is left alone before it is tried again.
constexpr std::chrono::seconds retry_after{5};
}  // namespace

ReadReplicas::ReadReplicas(Kernel& kernel, std::vector<std::string> urls, PoolOptions options) : kernel_(kernel), options_(options) {
    // A down replica is noticed within its connect attempt, not after the primary's full wait.
    options_.acquire_timeout = std::min(options_.acquire_timeout, std::chrono::milliseconds(250));
    options_.min_size = 0;
    for (auto& url : urls) replicas_.push_back({std::move(url), nullptr, {}, false});
}

ConnectionPool* ReadReplicas::pool_of(Replica& replica) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (replica.down && now < replica.retry_at) return nullptr;
    if (!replica.pool) replica.pool = kernel_.make_pool(replica.url, options_);
    return replica.pool.get();
}

PooledConnection ReadReplicas::acquire() {
    for (std::size_t tries = 0; tries < replicas_.size(); ++tries) {
        auto& replica = replicas_[next_.fetch_add(1, std::memory_order_relaxed) % replicas_.size()];
        try {
            auto* pool = pool_of(replica);
            if (!pool) continue;
            auto connection = pool->acquire();
            std::lock_guard lock(mutex_);
            if (replica.down) {
                replica.down = false;
                kernel_.logger().log(LogLevel::info, "host", "read replica " + redact_url(replica.url) + " answers again");
            }
            return connection;
        } catch (const PoolExhausted&) {
            continue;  // busy, not down: the next replica or the primary
        } catch (...) {
            std::lock_guard lock(mutex_);
            replica.retry_at = std::chrono::steady_clock::now() + retry_after;
            if (!replica.down) {
                replica.down = true;
                kernel_.logger().log(LogLevel::warn, "host",
                                     "read replica " + redact_url(replica.url) + " is unreachable (" + current_exception_text() +
                                         "): reading from the primary, trying it again every " + std::to_string(retry_after.count()) + " s");
            }
        }
    }
    return {};
}

}  // namespace rex::host

#include "executor_context.hpp"

#include "exception_text.hpp"
#include "worker_pool.hpp"

namespace rex::host {

HostExecutorContext::HostExecutorContext(Kernel& kernel, std::string database_url, std::size_t pool_size,
                                         std::map<std::string, PluginSettings, std::less<>> settings)
    : kernel_(kernel), url_(std::move(database_url)), pool_size_(pool_size), settings_(std::move(settings)) {
    pool_options_.max_size = 0;  // one per worker unless set
}

IdentifyResult HostExecutorContext::identify(const IdentityRequest& request) const {
    return authenticator_ ? authenticator_->identify(request) : IdentifyResult{Identity::administrator(), {}};
}

const PluginSettings& HostExecutorContext::settings() const { return settings_of(owner_); }

const PluginSettings& HostExecutorContext::settings_of(std::string_view extension) const {
    static const PluginSettings none;  // immutable: the section of an extension the config does not name
    const auto it = settings_.find(extension);
    return it == settings_.end() ? none : it->second;
}

ConnectionPool& HostExecutorContext::pool() {
    if (auto* ready = pool_ready_.load(std::memory_order_acquire)) return *ready;
    std::lock_guard lock(mutex_);
    if (!pool_) {  // a throw (no adapter for the URL) leaves it for the next caller to try again
        PoolOptions options = pool_options_;
        if (!options.max_size) options.max_size = pool_size_;
        pool_ = kernel_.make_pool(url_, options);
        pool_ready_.store(pool_.get(), std::memory_order_release);
    }
    return *pool_;
}

namespace {
std::shared_ptr<Connection> shared(PooledConnection pooled) {
    auto handle = std::make_shared<PooledConnection>(std::move(pooled));
    Connection* connection = handle->get();
    return std::shared_ptr<Connection>(std::move(handle), connection);  // the handle lives as long as the connection is shared
}
}  // namespace

std::shared_ptr<Connection> HostExecutorContext::acquire() { return shared(pool().acquire()); }

void HostExecutorContext::use_replicas(std::vector<std::string> urls) {
    PoolOptions options = pool_options_;
    if (!options.max_size) options.max_size = pool_size_;  // as the primary's pool
    replicas_.emplace(kernel_, std::move(urls), options);
}

std::shared_ptr<Connection> HostExecutorContext::acquire_read() {
    if (replicas_ && !replicas_->empty()) {
        if (auto replica = replicas_->acquire()) return shared(std::move(replica));
    }
    return acquire();
}

const Dialect& HostExecutorContext::dialect() const {
    if (const auto* ready = dialect_ready_.load(std::memory_order_acquire)) return *ready;
    std::lock_guard lock(mutex_);
    if (!dialect_) {
        dialect_ = kernel_.dialect_for_url(url_);
        dialect_ready_.store(dialect_.get(), std::memory_order_release);
    }
    return *dialect_;
}

void HostExecutorContext::post(std::function<void()> work) {
    auto guarded = [this, work = std::move(work)] {
        try {
            work();
        } catch (...) {
            kernel_.logger().log(LogLevel::error, "host", "work posted by exporter " + owner_ + " threw " + current_exception_text());
        }
    };
    if (auto* workers = workers_.load(std::memory_order_acquire)) workers->post(std::move(guarded));
    else guarded();
}

}  // namespace rex::host

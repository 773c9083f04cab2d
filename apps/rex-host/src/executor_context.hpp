// What rex-host gives a schema-exporter's executor: the kernel's catalog, change bus and logger,
// the dialect of the configured database, and connections from a pool that is made on first use
// (a host that only answers /health never connects: cold start stays short).
#pragma once

#include "auth/authenticator.hpp"
#include "read_replicas.hpp"

#include <rex/kernel.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>
#include <string>

namespace rex::host {

class WorkerPool;

class HostExecutorContext final : public ExecutorContext {
public:
    // `pool_size`: the most connections open at once (one per worker thread).
    // `settings`: the config's "settings" sections by extension name.
    HostExecutorContext(Kernel& kernel, std::string database_url, std::size_t pool_size,
                        std::map<std::string, PluginSettings, std::less<>> settings = {});

    const CatalogView& catalog() const override { return kernel_.catalog(); }
    // A pooled connection; given back to the pool (rolled back if a transaction is open) when the
    // last reference goes.
    std::shared_ptr<Connection> acquire() override;
    // A connection to a read replica (database.replicas, round-robin) for a read that needs no
    // fresh data; the primary's when there are none or none answers.
    std::shared_ptr<Connection> acquire_read() override;
    // database.replicas; call after set_pool_options and before serving.
    void use_replicas(std::vector<std::string> urls);
    // ConfigurationError when no loaded adapter serves the URL's scheme.
    const Dialect& dialect() const override;
    ChangeBus& changes() override { return kernel_.changes(); }
    Logger& logger() override { return kernel_.logger(); }
    // The section of the exporter being asked for an executor (set by Host::start_executor).
    const PluginSettings& settings() const override;
    void serve_settings_of(std::string_view exporter) { owner_ = exporter; }
    // The requester's identity by the host's Authenticator (the admin when there is none).
    IdentifyResult identify(const IdentityRequest& request) const override;
    void use_authenticator(const Authenticator* authenticator) { authenticator_ = authenticator; }
    const PluginSettings& settings_of(std::string_view extension) const;

    // On the host's workers once serve_on() named them (the Host does, for its lifetime); at once
    // on the calling thread before. An exception `work` throws is logged.
    void post(std::function<void()> work) override;
    void serve_on(WorkerPool* workers) noexcept { workers_.store(workers, std::memory_order_release); }

    ConnectionPool& pool();
    // The pool if a request made it already (metrics and /ready never make it themselves).
    const ConnectionPool* pool_if_made() const noexcept { return pool_ready_.load(std::memory_order_acquire); }
    // Options of the pool made on first use (max_size 0: pool_size); call before serving.
    void set_pool_options(const PoolOptions& options) { pool_options_ = options; }
    const std::string& database_url() const noexcept { return url_; }
    Metrics* metrics() override { return metrics_; }
    void set_metrics(Metrics* metrics) noexcept { metrics_ = metrics; }

private:
    Kernel& kernel_;
    std::string url_;
    std::size_t pool_size_;
    std::map<std::string, PluginSettings, std::less<>> settings_;
    std::string owner_;
    PoolOptions pool_options_;
    Metrics* metrics_ = nullptr;
    const Authenticator* authenticator_ = nullptr;
    std::optional<ReadReplicas> replicas_;
    // Made once under the mutex, then read with one atomic load (std::call_once is not used: in
    // libstdc++ 12 a call that throws leaves later calls hanging).
    mutable std::mutex mutex_;
    mutable std::shared_ptr<Dialect> dialect_;
    mutable std::atomic<const Dialect*> dialect_ready_{nullptr};
    std::shared_ptr<ConnectionPool> pool_;
    std::atomic<ConnectionPool*> pool_ready_{nullptr};
    std::atomic<WorkerPool*> workers_{nullptr};
};

}  // namespace rex::host

// database.replicas: read-only copies of the database for GraphQL queries that need no fresh
// read. Each replica gets a pool made on first use; reads go round-robin. A replica that cannot
// be reached is skipped for a few seconds (one warning when it goes, one line when it is back)
// and the read goes to the primary, so a replica down costs one attempt, not every request.
#pragma once

#include <rex/kernel.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rex::host {

class ReadReplicas {
public:
    // `options`: the primary's pool options; a replica's pool waits at most `acquire_timeout`
    // for a connection (then the read goes to the primary).
    ReadReplicas(Kernel& kernel, std::vector<std::string> urls, PoolOptions options);
    bool empty() const noexcept { return replicas_.empty(); }
    // A connection to the next replica that answers, or an empty handle (read from the primary).
    PooledConnection acquire();

private:
    struct Replica {
        std::string url;
        std::shared_ptr<ConnectionPool> pool;  // made on first use, under mutex_
        std::chrono::steady_clock::time_point retry_at{};  // down until then
        bool down = false;
    };
    ConnectionPool* pool_of(Replica& replica);

    Kernel& kernel_;
    PoolOptions options_;
    std::vector<Replica> replicas_;
    std::atomic<std::size_t> next_{0};
    std::mutex mutex_;
};

}  // namespace rex::host

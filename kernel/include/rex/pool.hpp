// ConnectionPool: bounded, thread-safe reuse of connections for any adapter.
//
// No background thread (serverless-friendly): idle and expired connections are closed lazily
// on acquire and release. Connections are opened on demand up to max_size; warm_up() opens
// min_size eagerly, and idle reaping never closes below min_size.
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/sdk/adapter.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace rex {

struct PoolOptions {
    std::size_t min_size = 0;
    std::size_t max_size = 10;
    // acquire() waits this long for a free connection, then throws PoolExhausted.
    std::chrono::milliseconds acquire_timeout{5'000};
    // Idle connections beyond min_size are closed after this long unused.
    std::chrono::milliseconds idle_timeout{60'000};
    // Connections are closed (on release or acquire) once this old; 0 disables.
    std::chrono::milliseconds max_lifetime{30 * 60'000};
    // A connection idle longer than this is ping()ed before reuse; 0 pings every time.
    std::chrono::milliseconds validation_interval{1'000};
    // A connection idle at least this long is checked with Connection::is_usable() before reuse
    // (no round trip, but a poll() system call on PostgreSQL and MySQL, which finds a socket the
    // server closed). One given back more recently is reused as it is: it was working a moment
    // ago, and a server lost in between fails it like work in flight. 0 checks every reuse.
    std::chrono::milliseconds alive_bypass_window{500};
};

struct PoolStats {
    std::size_t open = 0;     // idle + in use (+ being opened)
    std::size_t idle = 0;
    std::size_t in_use = 0;
    std::size_t waiting = 0;  // threads blocked in acquire()
    std::size_t created = 0;  // connections opened since the pool was made
    std::size_t closed = 0;   // connections closed since the pool was made (broken, expired, idle)
};

class ConnectionPool;

// A connection borrowed from a pool; returned when the handle is destroyed (RAII, so a
// throwing caller never leaks it). An open transaction is rolled back on return; a broken
// connection is closed instead of returned.
class REX_KERNEL_API PooledConnection {
public:
    PooledConnection() = default;
    PooledConnection(PooledConnection&& other) noexcept;
    PooledConnection& operator=(PooledConnection&& other) noexcept;
    PooledConnection(const PooledConnection&) = delete;
    PooledConnection& operator=(const PooledConnection&) = delete;
    ~PooledConnection();

    Connection& operator*() const noexcept { return *connection_; }
    Connection* operator->() const noexcept { return connection_.get(); }
    Connection* get() const noexcept { return connection_.get(); }
    explicit operator bool() const noexcept { return connection_ != nullptr; }

    // Returns the connection now (idempotent).
    void release() noexcept;
    // Closes the connection instead of returning it (e.g. after a protocol-level failure).
    void discard() noexcept;

private:
    friend class ConnectionPool;
    struct Shared;
    PooledConnection(std::shared_ptr<Shared> pool, std::shared_ptr<Connection> connection,
                     std::chrono::steady_clock::time_point created);
    std::shared_ptr<Shared> pool_;
    std::shared_ptr<Connection> connection_;
    std::chrono::steady_clock::time_point created_{};
};

class REX_KERNEL_API ConnectionPool {
public:
    using Factory = std::function<std::shared_ptr<Connection>()>;

    // `factory` opens one connection (e.g. [&]{ return kernel.connect(url); }); it may throw.
    // `name` appears in messages (use a redacted URL, never one with a password).
    ConnectionPool(Factory factory, PoolOptions options, std::string name = "pool");
    ~ConnectionPool();  // closes idle connections; borrowed ones close when returned
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    // Borrows a connection: an idle one (checked as described in PoolOptions) or a new one;
    // waits up to acquire_timeout when max_size are in use, then throws PoolExhausted
    // "pool exhausted after N ms (max M)". A ConnectionError while opening (a server that is
    // restarting) is retried with backoff until acquire_timeout, then thrown; other errors
    // (a bad URL) are thrown at once.
    PooledConnection acquire();
    // Opens connections until min_size are open.
    void warm_up();
    PoolStats stats() const;
    const PoolOptions& options() const noexcept;

private:
    std::shared_ptr<PooledConnection::Shared> shared_;
};

}  // namespace rex

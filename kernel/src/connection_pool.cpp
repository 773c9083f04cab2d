#include <rex/pool.hpp>
#include <rex/sdk/error.hpp>

#include "coarse_clock.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <algorithm>
#include <atomic>
#include <vector>

namespace rex {

// Pool bookkeeping (idle times, lifetimes) reads the coarse clock: every interval it compares
// with is milliseconds or more. Acquire deadlines use the precise clock, read only when a call
// has to wait or connect, so that acquire_timeout is never cut short.
using Clock = std::chrono::steady_clock;

namespace {

struct IdleConnection {
    std::shared_ptr<Connection> connection;
    Clock::time_point created;
    Clock::time_point idle_since;
};

bool expired(const PoolOptions& options, Clock::time_point created, Clock::time_point now) {
    return options.max_lifetime.count() > 0 && now - created >= options.max_lifetime;
}

}  // namespace

struct PooledConnection::Shared {
    ConnectionPool::Factory factory;
    PoolOptions options;
    std::string name;

    mutable std::mutex mutex;
    std::condition_variable available;
    std::deque<IdleConnection> idle;  // most recently used at the back
    std::size_t open = 0;             // includes connections being opened
    // Also read without the mutex, by the lock-free give-back (changed only under it).
    std::atomic<std::size_t> waiting{0};
    std::size_t created = 0;
    std::size_t closed = 0;
    std::atomic<bool> shut_down{false};  // also read without the mutex

    // The connection given back last waits in `parked`, outside the mutex, for the next borrow:
    // a borrow-use-give-back loop then takes no lock at all. parked_state: 0 empty, 1 being
    // written or read (by whoever moved it from 0 or 2), 2 holds a connection. It counts as
    // open and idle; the mutex paths move it into `idle` first (unpark).
    std::atomic<int> parked_state{0};
    IdleConnection parked;
    std::atomic<Clock::rep> next_reap{0};    // the lock-free paths leave reaping to the mutex paths

    bool take_parked(IdleConnection& out) noexcept {
        int full = 2;
        if (!parked_state.compare_exchange_strong(full, 1, std::memory_order_acquire)) return false;
        out = std::move(parked);
        parked_state.store(0, std::memory_order_release);
        return true;
    }
    // Takes the connection only when the place is free.
    bool park(std::shared_ptr<Connection>& connection, Clock::time_point created_at, Clock::time_point now) noexcept {
        int empty = 0;
        if (!parked_state.compare_exchange_strong(empty, 1, std::memory_order_acquire)) return false;
        parked = {std::move(connection), created_at, now};
        // Sequentially consistent: a give-back then reads `waiting`, and a waiter, having
        // counted itself, reads this state (neither may see the other's old value).
        parked_state.store(2, std::memory_order_seq_cst);
        return true;
    }
    // With the mutex held: the parked connection joins the idle list (as the most recent).
    void unpark() {
        IdleConnection c;
        if (take_parked(c)) idle.push_back(std::move(c));
    }

    // Reaping looks at every idle connection; the intervals it enforces are long, so it runs at
    // most every few milliseconds, not on every borrow and give-back.
    static constexpr auto reap_every = std::chrono::milliseconds(10);
    bool reap_due(Clock::time_point now) const noexcept {
        return now.time_since_epoch().count() >= next_reap.load(std::memory_order_relaxed);
    }
    void reap_now_and_then(Clock::time_point now, std::vector<std::shared_ptr<Connection>>& out) {
        if (!reap_due(now)) return;
        next_reap.store((now + reap_every).time_since_epoch().count(), std::memory_order_relaxed);
        unpark();
        reap(now, out);
    }

    // Whether an idle connection may be lent as it is (asks the connection; may ping it).
    bool still_usable(const IdleConnection& c, Clock::time_point now) const {
        // Given back moments ago, it is as alive as it was then: skip the poll() (see PoolOptions).
        // One past max_lifetime is closed even if the reaper has not run since.
        bool usable = !expired(options, c.created, now) && !c.connection->is_lost() &&
                      (now - c.idle_since < options.alive_bypass_window || c.connection->is_usable());
        if (usable && now - c.idle_since >= options.validation_interval) usable = c.connection->ping();
        return usable;
    }

    // Takes idle connections past idle_timeout (beyond min_size) or max_lifetime out of the pool;
    // the caller destroys them after unlocking, since closing may take a network round trip.
    void reap(Clock::time_point now, std::vector<std::shared_ptr<Connection>>& out) {
        for (auto it = idle.begin(); it != idle.end();) {
            const bool too_old = expired(options, it->created, now);
            const bool idle_too_long = open > options.min_size && now - it->idle_since >= options.idle_timeout;
            if (too_old || idle_too_long) {
                out.push_back(std::move(it->connection));
                it = idle.erase(it);
                --open;
                ++closed;
            } else {
                ++it;
            }
        }
    }

    void give_back(std::shared_ptr<Connection> connection, Clock::time_point created_at, bool keep) noexcept {
        if (keep) {
            try {
                // An open transaction is rolled back; a connection still in one is not reused.
                if (connection->in_transaction()) {
                    if (connection->is_usable()) connection->reset();
                    keep = !connection->in_transaction();
                }
            } catch (...) {
                keep = false;  // a connection that cannot roll back is not reused
            }
            // A connection that knows it is lost is closed now; whether the socket still works
            // is asked (poll()) only when it is borrowed again after a while.
            keep = keep && !connection->is_lost();
        }
        const auto now = coarse_steady_now();
        if (keep && waiting.load() == 0 && !shut_down.load() && !reap_due(now) && !expired(options, created_at, now) &&
            park(connection, created_at, now)) {
            // A borrower may have begun to wait just now: it looks at the parked connection under
            // the mutex before it sleeps, so taking the mutex to signal cannot miss it.
            if (waiting.load() > 0) {
                std::lock_guard lock(mutex);
                available.notify_one();
            }
            return;
        }
        std::vector<std::shared_ptr<Connection>> to_close;
        bool wake = false;
        {
            std::lock_guard lock(mutex);
            if (!keep || shut_down || expired(options, created_at, now)) {
                to_close.push_back(std::move(connection));
                --open;
                ++closed;
            } else {
                idle.push_back({std::move(connection), created_at, now});
            }
            reap_now_and_then(now, to_close);
            wake = waiting > 0;
        }
        if (wake) available.notify_one();
        to_close.clear();  // closes outside the lock
    }
};

PooledConnection::PooledConnection(std::shared_ptr<Shared> pool, std::shared_ptr<Connection> connection,
                                   Clock::time_point created)
    : pool_(std::move(pool)), connection_(std::move(connection)), created_(created) {}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(std::move(other.pool_)), connection_(std::move(other.connection_)), created_(other.created_) {}

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
    if (this != &other) {
        release();
        pool_ = std::move(other.pool_);
        connection_ = std::move(other.connection_);
        created_ = other.created_;
    }
    return *this;
}

PooledConnection::~PooledConnection() { release(); }

void PooledConnection::release() noexcept {
    if (connection_ && pool_) pool_->give_back(std::move(connection_), created_, true);
    connection_.reset();
    pool_.reset();
}

void PooledConnection::discard() noexcept {
    if (connection_ && pool_) pool_->give_back(std::move(connection_), created_, false);
    connection_.reset();
    pool_.reset();
}

ConnectionPool::ConnectionPool(Factory factory, PoolOptions options, std::string name)
    : shared_(std::make_shared<PooledConnection::Shared>()) {
    if (options.max_size == 0)
        raise({ErrorCategory::configuration, name + ": max_size must be at least 1", {}, {}});
    if (options.min_size > options.max_size)
        raise({ErrorCategory::configuration,
               name + ": min_size " + std::to_string(options.min_size) + " exceeds max_size " +
                   std::to_string(options.max_size),
               {}, {}});
    shared_->factory = std::move(factory);
    shared_->options = options;
    shared_->name = std::move(name);
}

ConnectionPool::~ConnectionPool() {
    std::deque<IdleConnection> idle;
    {
        std::lock_guard lock(shared_->mutex);
        shared_->shut_down = true;
        shared_->unpark();
        idle.swap(shared_->idle);
        shared_->open -= idle.size();
        shared_->closed += idle.size();
    }
    shared_->available.notify_all();
}

PooledConnection ConnectionPool::acquire() {
    auto& s = *shared_;
    const auto start = coarse_steady_now();
    if (!s.reap_due(start)) {
        IdleConnection candidate;
        if (s.take_parked(candidate)) {
            if (s.still_usable(candidate, start))
                return PooledConnection(shared_, std::move(candidate.connection), candidate.created);
            std::lock_guard lock(s.mutex);
            --s.open;
            ++s.closed;
            s.available.notify_one();
        }  // a connection that failed its check is closed here, outside the lock
    }
    std::optional<Clock::time_point> waiting_since;
    auto deadline = [&] {
        if (!waiting_since) waiting_since = Clock::now();
        return *waiting_since + s.options.acquire_timeout;
    };
    auto connect_backoff = std::chrono::milliseconds(10);
    std::unique_lock lock(s.mutex);
    for (bool first = true;; first = false) {
        std::vector<std::shared_ptr<Connection>> to_close;
        const auto now = first ? start : coarse_steady_now();
        s.unpark();
        s.reap_now_and_then(now, to_close);
        while (!s.idle.empty()) {
            auto candidate = std::move(s.idle.back());
            s.idle.pop_back();
            lock.unlock();  // the check may ping, a round trip; don't hold others up
            const bool usable = s.still_usable(candidate, now);
            lock.lock();
            if (usable) {
                lock.unlock();
                to_close.clear();
                return PooledConnection(shared_, std::move(candidate.connection), candidate.created);
            }
            to_close.push_back(std::move(candidate.connection));
            --s.open;
            ++s.closed;
        }
        if (s.open < s.options.max_size) {
            deadline();  // connecting may be retried: the timeout counts from the first attempt
            ++s.open;    // reserve the slot, then open without holding the lock
            lock.unlock();
            to_close.clear();
            try {
                auto connection = s.factory();
                if (!connection) raise({ErrorCategory::internal, s.name + ": connection factory returned null", {}, {}});
                lock.lock();
                ++s.created;
                lock.unlock();
                return PooledConnection(shared_, std::move(connection), coarse_steady_now());
            } catch (const ConnectionError&) {
                lock.lock();
                --s.open;
                s.available.notify_one();
                // The server may be restarting: retry with backoff until the acquire deadline,
                // so only work that was in flight fails.
                const auto pause = std::min(connect_backoff, std::chrono::duration_cast<std::chrono::milliseconds>(deadline() - Clock::now()));
                if (pause.count() <= 0) throw;
                lock.unlock();
                std::this_thread::sleep_for(pause);
                connect_backoff = std::min(connect_backoff * 2, std::chrono::milliseconds(500));
                lock.lock();
                continue;
            } catch (...) {
                lock.lock();
                --s.open;
                lock.unlock();
                s.available.notify_one();
                throw;
            }
        }
        if (!to_close.empty()) {
            lock.unlock();
            to_close.clear();
            lock.lock();
            continue;
        }
        ++s.waiting;
        const bool woke = s.available.wait_until(lock, deadline(), [&] {
            return !s.idle.empty() || s.open < s.options.max_size || s.parked_state.load() == 2;
        });
        --s.waiting;
        if (!woke) {
            const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *waiting_since).count();
            raise({ErrorCategory::pool_exhausted,
                   s.name + ": pool exhausted after " + std::to_string(waited) + " ms (max " +
                       std::to_string(s.options.max_size) + ")",
                   {}, {}});
        }
    }
}

void ConnectionPool::warm_up() {
    while (true) {
        {
            std::lock_guard lock(shared_->mutex);
            if (shared_->open >= shared_->options.min_size) break;
            ++shared_->open;
        }
        try {
            auto connection = shared_->factory();
            std::lock_guard lock(shared_->mutex);
            ++shared_->created;
            shared_->idle.push_back({std::move(connection), coarse_steady_now(), coarse_steady_now()});
        } catch (...) {
            std::lock_guard lock(shared_->mutex);
            --shared_->open;
            throw;
        }
    }
    shared_->available.notify_all();
}

PoolStats ConnectionPool::stats() const {
    std::lock_guard lock(shared_->mutex);
    shared_->unpark();
    PoolStats stats;
    stats.open = shared_->open;
    stats.idle = shared_->idle.size();
    stats.in_use = shared_->open - shared_->idle.size();
    stats.waiting = shared_->waiting;
    stats.created = shared_->created;
    stats.closed = shared_->closed;
    return stats;
}

const PoolOptions& ConnectionPool::options() const noexcept { return shared_->options; }

}  // namespace rex

// An I/O context of a transport plugin's own and the threads running it (rex-websocket.so and
// rex-sse.so). A plugin is built with hidden visibility, so it has its own copy of Boost.Asio's
// per-thread state, which is empty on the host's threads: its sessions must run on threads of its
// own. Header-only; include it from a plugin's sources only.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

namespace rex::plugins {

class IoThreads {
public:
    explicit IoThreads(unsigned threads) : io_(static_cast<int>(threads)), work_(boost::asio::make_work_guard(io_)) {
        for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
    }
    IoThreads(const IoThreads&) = delete;
    IoThreads& operator=(const IoThreads&) = delete;
    ~IoThreads() { stop(); }

    boost::asio::io_context& context() noexcept { return io_; }
    bool running() const noexcept { return work_.has_value(); }

    // Once the plugin has ended its sessions: the threads finish their last handlers and return,
    // or are stopped after `grace` should a handler be stuck; joined. The context stays (objects
    // may still refer to it) until this is destroyed.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(2)) {
        if (!work_) return;
        work_.reset();
        const auto deadline = std::chrono::steady_clock::now() + grace;
        while (!io_.stopped() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        io_.stop();
        for (auto& t : threads_) t.join();
        threads_.clear();
    }

private:
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<std::thread> threads_;
};

}  // namespace rex::plugins

#include "drain.hpp"

#include "http_server.hpp"

#include <rex/sdk/log.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>

#include <csignal>
#include <string>

namespace rex::host {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

struct Drain::Impl : std::enable_shared_from_this<Drain::Impl> {
    Impl(net::io_context& io, HttpServer& server, Logger& log, std::chrono::milliseconds grace, DrainSteps steps)
        : io(io), server(server), log(log), grace(grace), steps(std::move(steps)), strand(net::make_strand(io)),
          signals(strand, SIGINT, SIGTERM), timer(strand) {}

    void wait_for_signal() {
        signals.async_wait([self = shared_from_this()](const boost::system::error_code& ec, int signal) {
            if (!ec) self->on_signal(signal);
        });
    }

    void on_signal(int signal) {
        const std::string name = signal == SIGINT ? "SIGINT" : "SIGTERM";
        if (started) {  // a second signal: no more waiting
            log.log(LogLevel::warn, "host", "received " + name + " again, stopping now");
            return finish();
        }
        started = true;
        deadline = Clock::now() + grace;
        log.log(LogLevel::info, "host", "received " + name + ", shutting down: draining " + std::to_string(server.connections()) +
                                            " connection(s) within " + std::to_string(grace.count()) + " ms");
        if (steps.begin) steps.begin();
        server.drain();
        wait_for_signal();
        poll();
    }

    // Connections end as their answers are written; checked every 10 ms, which costs nothing.
    void poll() {
        if (server.connections() == 0) {
            log.log(LogLevel::info, "host", "drained: every request in flight was answered");
            return finish();
        }
        if (Clock::now() >= deadline) {
            cut = true;
            log.log(LogLevel::warn, "host", "shutdown grace period over with " + std::to_string(server.connections()) +
                                                " connection(s) still open; their requests are cut");
            return finish();
        }
        timer.expires_after(std::chrono::milliseconds(10));
        timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (!ec && !self->finished) self->poll();
        });
    }

    void finish() {
        if (finished) return;
        finished = true;
        if (server.connections() != 0) cut = true;
        timer.cancel();
        signals.cancel();
        if (steps.stop_transports) steps.stop_transports();
        io.stop();
    }

    net::io_context& io;
    HttpServer& server;
    Logger& log;
    std::chrono::milliseconds grace;
    DrainSteps steps;
    // The signal and the timer handlers never run at once, on however many I/O threads.
    net::strand<net::io_context::executor_type> strand;
    net::signal_set signals;
    net::steady_timer timer;
    Clock::time_point deadline{};
    bool started = false;
    bool finished = false;
    std::atomic<bool> cut{false};
};

Drain::Drain(net::io_context& io, HttpServer& server, Logger& log, std::chrono::milliseconds grace, DrainSteps steps)
    : impl_(std::make_shared<Impl>(io, server, log, grace, std::move(steps))) {}

Drain::~Drain() = default;

void Drain::arm() { impl_->wait_for_signal(); }

bool Drain::cut() const noexcept { return impl_->cut.load(); }

}  // namespace rex::host

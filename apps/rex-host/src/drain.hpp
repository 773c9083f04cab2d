// SIGTERM/SIGINT: a graceful stop in the order load balancers and clients expect. The listener
// closes (new connections are refused, /ready answers 503), idle kept-alive connections close,
// requests in flight finish within the grace period (http.shutdown_grace_ms), then the
// transports stop (WebSockets close with 1001, SSE streams end, so clients resume on another
// host) and the I/O context ends. A second signal skips the wait.
#pragma once

#include <rex/sdk/log.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace rex::host {

class HttpServer;

struct DrainSteps {
    std::function<void()> begin;            // e.g. the host's /ready turns to 503
    std::function<void()> stop_transports;
};

class Drain {
public:
    Drain(boost::asio::io_context& io, HttpServer& server, Logger& log, std::chrono::milliseconds grace, DrainSteps steps);
    ~Drain();
    // Waits for SIGINT or SIGTERM on `io`.
    void arm();
    // True when requests were still in flight as the grace period ended: the caller exits without
    // waiting for the workers that still run them.
    bool cut() const noexcept;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace rex::host

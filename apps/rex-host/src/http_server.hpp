// The HTTP/1.1 server, in the shape of Boost.Beast's advanced_server: a listener, a session
// per connection owning itself through shared_from_this, one strand per connection, a body
// limit and a timeout per request, keep-alive.
#pragma once

#include <rex/sdk/http.hpp>
#include <rex/sdk/log.hpp>
#include <rex/sdk/transport.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace rex::host {

// What sessions call into; implemented by the Host.
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    // A route that takes over the connection for this request, or nullptr.
    virtual std::shared_ptr<HttpRoute> stream_route(const HttpRequest& request) = 0;
    // Answers a request by calling `answer` exactly once, on this thread or another (the session
    // goes back to its strand). `request` stays valid until then.
    virtual void dispatch(const HttpRequest& request, std::function<void(HttpResponse)> answer) = 0;
    // Called once per answered request (status 0 when handed over as a stream); `operation` is
    // the response's (HttpResponse::operation).
    virtual void log_request(const HttpRequest& request, int status, std::size_t bytes,
                             std::chrono::microseconds duration, std::string_view operation) = 0;
    // Events of the server itself (accept failures).
    virtual void log_server(LogLevel level, const std::string& message) = 0;
};

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    std::size_t body_limit = 1024 * 1024;
    std::chrono::milliseconds request_timeout{30'000};
    // After a failed accept (descriptors exhausted) the listener waits this long before it tries again.
    std::chrono::milliseconds accept_backoff{100};
};

class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, ServerOptions options, RequestHandler& handler);
    ~HttpServer();
    // Binds and starts accepting; returns the port (the real one when options.port is 0).
    // Throws ConfigurationError with the address and the system's reason on failure.
    std::uint16_t start();
    // Stops accepting new connections.
    void stop();
    // Stops accepting, closes idle kept-alive connections and answers the requests in flight with
    // "Connection: close" (drain.hpp waits for them).
    void drain();
    // Connections still open (requests in flight or idle keep-alive), not those handed over.
    std::size_t connections() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace rex::host

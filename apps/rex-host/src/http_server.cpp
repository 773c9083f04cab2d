#include "http_server.hpp"

#include "router.hpp"

#include <rex/sdk/error.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <vector>

#include <sys/socket.h>
#include <cerrno>

namespace rex::host {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// The parser's request is dropped after this (a new parser per request): its body moves.
HttpRequest to_sdk_request(http::request<http::string_body>& req, const std::string& remote_address) {
    HttpRequest out;
    out.method = std::string(req.method_string());
    out.target = std::string(req.target());
    const auto q = out.target.find('?');
    out.path = out.target.substr(0, q);
    out.query = q == std::string::npos ? std::string() : out.target.substr(q + 1);
    for (const auto& field : req) out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    out.body = std::move(req.body());
    out.remote_address = remote_address;
    return out;
}

class Session;

// The open sessions, for a drain: a count and weak references.
struct Sessions {
    std::mutex mutex;
    std::vector<std::weak_ptr<Session>> live;
    std::atomic<std::size_t> count{0};
    std::atomic<bool> draining{false};
};

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, const ServerOptions& options, RequestHandler& handler, std::shared_ptr<Sessions> sessions)
        : stream_(std::move(socket)), options_(options), handler_(handler), sessions_(std::move(sessions)) {
        ++sessions_->count;
    }
    ~Session() { --sessions_->count; }

    void run() {
        // The peer's address, once per connection rather than a getpeername() per request.
        boost::system::error_code remote_ec;
        const auto remote = stream_.socket().remote_endpoint(remote_ec);
        if (!remote_ec) remote_address_ = remote.address().to_string(remote_ec);
        {
            std::lock_guard lock(sessions_->mutex);
            std::erase_if(sessions_->live, [](const auto& w) { return w.expired(); });
            sessions_->live.push_back(weak_from_this());
        }
        // Everything of a session runs on its strand (the socket was accepted onto one).
        net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read, shared_from_this()));
    }

    void post_drain() { net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->drain(); }); }

    // On the strand: an idle connection closes now, a busy one after its answer.
    void drain() {
        draining_ = true;
        if (!busy_) stream_.cancel();
    }

private:
    void read() {
        if (draining_ || sessions_->draining) return close();
        parser_.emplace();
        parser_->body_limit(options_.body_limit);
        stream_.expires_after(options_.request_timeout);
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
            ec == net::error::operation_aborted)
            return close();
        if (ec == beast::error::timeout) return close();
        busy_ = true;
        started_ = Clock::now();
        if (ec == http::error::body_limit) return fail(413, "request body exceeds " + std::to_string(options_.body_limit) + " bytes");
        if (ec) return fail(400, "malformed request: " + ec.message());

        auto& req = parser_->get();
        request_ = to_sdk_request(req, remote_address_);
        keep_alive_ = req.keep_alive();
        version_ = req.version();

        head_ = req.method() == http::verb::head;
        answered_ = false;
        request_.abandon = std::make_shared<RequestAbandon>();

        try {
            if (auto route = handler_.stream_route(request_)) return hand_over(std::move(route));
            // The answer may come from a worker thread: back to this session's strand.
            handler_.dispatch(request_, [self = shared_from_this()](HttpResponse response) {
                net::dispatch(self->stream_.get_executor(),
                              [self, response = std::move(response)]() mutable { self->respond(std::move(response)); });
            });
            watch_hangup();
        } catch (const std::exception& e) {
            handler_.log_server(LogLevel::error, request_.method + " " + request_.path + ": " + e.what());
            respond(error_response(500, "internal error"));
        } catch (...) {
            handler_.log_server(LogLevel::error, request_.method + " " + request_.path + ": a non-standard exception");
            respond(error_response(500, "internal error"));
        }
    }

    // While a worker answers, a client that closes its socket abandons the request (the route
    // cancels its statement). Readable with nothing to read is the client's EOF; bytes waiting
    // are a pipelined request, which leaves the socket alone.
    void watch_hangup() {
        if (answered_) return;
        stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(), abandon = request_.abandon](beast::error_code ec) {
            if (ec || self->answered_ || abandon != self->request_.abandon) return;
            char byte = 0;
            const auto n = ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return self->watch_hangup();
            if (n <= 0) abandon->abandon();
        });
    }

    // The route takes the connection: release the socket's descriptor with any bytes read past
    // the request, and forget it here.
    void hand_over(std::shared_ptr<HttpRoute> route) {
        stream_.expires_never();
        StreamSocket socket;
        const auto leftover = buffer_.data();
        socket.already_read.assign(static_cast<const char*>(leftover.data()), leftover.size());
        boost::system::error_code ec;
        socket.native_handle = stream_.socket().release(ec);
        handler_.log_request(request_, 0, 0, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_), {});
        if (ec) return;
        // The route owns the socket now; it closes it on failure. Whatever it throws stops here.
        try {
            route->take_stream(request_, std::move(socket));
        } catch (const std::exception& e) {
            handler_.log_server(LogLevel::error, request_.path + ": taking over the connection failed: " + e.what());
        } catch (...) {
            handler_.log_server(LogLevel::error, request_.path + ": taking over the connection failed: a non-standard exception");
        }
    }

    void fail(int status, const std::string& message) {
        keep_alive_ = false;
        head_ = false;
        request_ = HttpRequest{};
        if (parser_ && parser_->is_header_done()) {
            request_.method = std::string(parser_->get().method_string());
            request_.target = std::string(parser_->get().target());
        }
        respond(error_response(status, message));
    }

    void respond(HttpResponse response) {
        answered_ = true;
        if (request_.abandon) {  // stop watching for a hang-up (the wait ends as operation_aborted)
            beast::error_code cancel_ec;
            stream_.socket().cancel(cancel_ec);
        }
        auto res = std::make_shared<http::response<http::string_body>>();
        res->version(version_);
        res->result(static_cast<unsigned>(response.status));
        res->set(http::field::server, "rex-host");
        res->set(http::field::content_type, response.content_type);
        for (const auto& h : response.headers) res->set(h.name, h.value);
        res->body() = std::move(response.body);
        res->keep_alive(keep_alive_ && !draining_ && !sessions_->draining);
        res->prepare_payload();
        // A HEAD answer says how long the body would be and sends none: bytes after the header
        // would be read as the start of the next response on a kept-alive connection.
        if (head_) res->body().clear();
        const auto bytes = res->body().size();
        handler_.log_request(request_, response.status, bytes,
                             std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_), response.operation);
        response_ = res;
        stream_.expires_after(options_.request_timeout);  // the read's deadline may have passed while a worker answered
        http::async_write(stream_, *res, beast::bind_front_handler(&Session::on_write, shared_from_this(), res->need_eof()));
    }

    void on_write(bool close_after, beast::error_code ec, std::size_t) {
        response_.reset();
        busy_ = false;
        if (ec || close_after) return close();
        read();
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    const ServerOptions options_;  // a copy: a session may outlive the server object
    RequestHandler& handler_;
    std::shared_ptr<Sessions> sessions_;
    bool busy_ = false;      // a request was read and is not answered yet
    bool draining_ = false;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<void> response_;
    HttpRequest request_;
    std::string remote_address_;  // empty when the peer was gone before the session ran
    bool keep_alive_ = false;
    bool answered_ = false;  // the current request has its answer (no hang-up watch needed)
    bool head_ = false;
    unsigned version_ = 11;
    Clock::time_point started_ = Clock::now();
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    Impl(net::io_context& io, ServerOptions o, RequestHandler& h)
        : io(io), options(std::move(o)), handler(h), acceptor(net::make_strand(io)), backoff(acceptor.get_executor()) {}

    void accept() {
        acceptor.async_accept(net::make_strand(io), beast::bind_front_handler(&Impl::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) {
            if (failing) {
                handler.log_server(LogLevel::info, "accepting connections again after " + std::to_string(failures) + " failed accepts");
                failing = false;
            }
            std::make_shared<Session>(std::move(socket), options, handler, sessions)->run();
            return accept();  // an error on one connection never stops the server
        }
        // A connection that failed on its own (reset before it was accepted): take the next one.
        if (ec != net::error::no_descriptors && ec != boost::system::errc::too_many_files_open_in_system &&
            ec != net::error::no_buffer_space && ec != net::error::no_memory)
            return accept();
        // Out of descriptors (EMFILE, ENFILE) or memory: the pending connection stays queued and
        // accepting again at once fails again, so wait. One line per burst, not one per failure.
        if (!failing) {
            handler.log_server(LogLevel::error, "accept failed: " + ec.message() + "; retrying every " +
                                                    std::to_string(options.accept_backoff.count()) + " ms");
            failing = true;
            failures = 0;
        }
        ++failures;
        backoff.expires_after(options.accept_backoff);
        backoff.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
            if (!wait_ec && self->acceptor.is_open()) self->accept();
        });
    }

    net::io_context& io;
    ServerOptions options;
    RequestHandler& handler;
    tcp::acceptor acceptor;
    net::steady_timer backoff;  // on the acceptor's strand, like everything of the listener
    std::shared_ptr<Sessions> sessions = std::make_shared<Sessions>();
    bool failing = false;
    std::size_t failures = 0;
};

HttpServer::HttpServer(net::io_context& io, ServerOptions options, RequestHandler& handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), handler)) {}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::start() {
    auto& acceptor = impl_->acceptor;
    const auto& o = impl_->options;
    beast::error_code ec;
    const auto address = net::ip::make_address(o.address, ec);
    if (ec) raise({ErrorCategory::configuration, "invalid listen address '" + o.address + "': " + ec.message(), {}, {}});
    const tcp::endpoint endpoint(address, o.port);
    auto fail = [&](const char* step) {
        raise({ErrorCategory::configuration,
               std::string("cannot listen on ") + o.address + ":" + std::to_string(o.port) + " (" + step + "): " + ec.message(),
               {}, {}});
    };
    acceptor.open(endpoint.protocol(), ec);
    if (ec) fail("open");
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
    if (ec) fail("bind");
    acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) fail("listen");
    const auto port = acceptor.local_endpoint().port();
    impl_->accept();
    return port;
}

void HttpServer::stop() {
    net::dispatch(impl_->acceptor.get_executor(), [impl = impl_] {
        beast::error_code ec;
        impl->acceptor.close(ec);
        impl->backoff.cancel();
    });
}

void HttpServer::drain() {
    impl_->sessions->draining = true;
    stop();
    std::vector<std::shared_ptr<Session>> open;
    {
        std::lock_guard lock(impl_->sessions->mutex);
        for (const auto& w : impl_->sessions->live)
            if (auto session = w.lock()) open.push_back(std::move(session));
    }
    for (auto& session : open) session->post_drain();
}

std::size_t HttpServer::connections() const { return impl_->sessions->count.load(); }

}  // namespace rex::host

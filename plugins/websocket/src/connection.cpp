#include "connection.hpp"

#include <rex/sdk/log.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <deque>

namespace rex::websocket {

namespace beast = boost::beast;
namespace ws = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// The subprotocol to answer a /graphql client with, in the order we prefer; empty when it offered none.
std::string choose_subprotocol(const HttpRequest& request) {
    const auto* offered = request.header("Sec-WebSocket-Protocol");
    if (!offered) return {};
    auto has = [&](std::string_view name) {
        std::string_view rest = *offered;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            auto item = rest.substr(0, comma);
            while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
            if (item == name) return true;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
        return false;
    };
    if (has("graphql-transport-ws")) return "graphql-transport-ws";
    if (has("graphql-ws")) return "graphql-ws";
    // None we speak: the client's first is echoed, so the upgrade completes (clients abort a
    // handshake that selects none) and the client sees the 4406 that follows.
    const auto first = offered->substr(0, offered->find(','));
    const auto begin = first.find_first_not_of(" \t"), end = first.find_last_not_of(" \t");
    return begin == std::string::npos ? std::string() : first.substr(begin, end - begin + 1);
}

// The upgrade request as bytes again, followed by whatever the host read past it: Beast parses
// it and keeps the rest as the first frames.
std::string raw_request(const HttpRequest& request, const std::string& already_read) {
    std::string raw = request.method + " " + request.target + " HTTP/1.1\r\n";
    for (const auto& h : request.headers) raw += h.name + ": " + h.value + "\r\n";
    raw += "\r\n";
    raw += already_read;
    return raw;
}

class Connection final : public Peer, public std::enable_shared_from_this<Connection> {
public:
    Connection(tcp::socket socket, Registry& registry, Endpoint endpoint, HttpRequest request, std::uint64_t id)
        : ws_(std::move(socket)), timer_(ws_.get_executor()), close_timer_(ws_.get_executor()), registry_(registry),
          endpoint_(endpoint), request_(std::move(request)), id_(id) {}

    ~Connection() override { registry_.leave(id_); }

    void run(std::string raw, bool over_limit) {
        over_limit_ = over_limit;
        net::dispatch(ws_.get_executor(), [self = shared_from_this(), raw = std::move(raw)]() mutable { self->accept(std::move(raw)); });
    }

    // Peer
    using Peer::send;
    bool send(Outgoing message) override {
        std::unique_lock lock(queue_mutex_);
        if (closing_) return false;
        const auto& services = registry_.services();
        const auto size = message.size();
        if (queue_.size() + 1 > services.limits.queue_messages || queued_bytes_ + size > services.limits.queue_bytes) {
            closing_ = true;
            const auto n = queue_.size();
            lock.unlock();
            if (services.gauges.slow_consumers) services.gauges.slow_consumers->add(1);
            net::post(ws_.get_executor(), [self = shared_from_this(), n] {
                self->begin_close(close_code::try_again_later,
                                  "client too slow: " + std::to_string(n) + " messages queued; reconnect and resume");
            });
            return false;
        }
        queued_bytes_ += size;
        queue_.push_back(std::move(message));
        if (services.gauges.queued) services.gauges.queued->add(1);
        // One post when the queue starts filling; while a write is under way, its completion
        // takes the next message without another trip through the strand.
        if (!writing_) {
            writing_ = true;
            net::post(ws_.get_executor(), [self = shared_from_this()] { self->write_next(); });
        }
        return true;
    }

    void close(std::uint16_t code, std::string reason) override {
        net::dispatch(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
            self->begin_close(code, std::move(reason));
        });
    }

    void post(std::function<void()> fn) override {
        net::post(ws_.get_executor(), [self = shared_from_this(), fn = std::move(fn)] {
            if (!self->closed_ && self->protocol_) fn();
        });
    }

    void set_timer(std::chrono::milliseconds delay, std::function<void()> fn) override {
        timer_.expires_after(delay);
        timer_.async_wait([self = shared_from_this(), fn = std::move(fn)](beast::error_code ec) {
            if (!ec && !self->closed_ && self->protocol_) fn();
        });
    }

    const HttpRequest& request() const override { return request_; }
    const Services& services() const override { return registry_.services(); }

private:
    void accept(std::string raw) {
        const auto& limits = registry_.services().limits;
        ws_.set_option(ws::stream_base::timeout{limits.handshake_timeout, limits.idle_timeout, true});
        ws_.read_message_max(limits.max_message_bytes);
        std::string subprotocol = endpoint_ == Endpoint::graphql ? choose_subprotocol(request_) : std::string();
        ws_.set_option(ws::stream_base::decorator([subprotocol](ws::response_type& res) {
            res.set(beast::http::field::server, "rex-host");
            if (!subprotocol.empty()) res.set(beast::http::field::sec_websocket_protocol, subprotocol);
        }));
        raw_ = std::move(raw);
        ws_.async_accept(net::buffer(raw_), [self = shared_from_this(), subprotocol](beast::error_code ec) {
            self->raw_.clear();
            self->raw_.shrink_to_fit();
            if (ec) return self->finish();
            self->on_accepted(subprotocol);
        });
    }

    void on_accepted(const std::string& subprotocol) {
        if (over_limit_)
            return begin_close(close_code::try_again_later,
                               "too many connections (" + std::to_string(registry_.services().limits.max_connections) + ")");
        auto self = shared_from_this();
        if (endpoint_ == Endpoint::changes) {
            protocol_ = make_changes_protocol(self);
        } else if (subprotocol == "graphql-transport-ws") {
            protocol_ = make_graphql_transport_ws(self);
        } else if (subprotocol == "graphql-ws") {
            protocol_ = make_graphql_ws_legacy(self);
        } else {
            return begin_close(4406, "Subprotocol not acceptable");
        }
        protocol_->on_open();
        read();
    }

    void read() {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) return finish();
        if (!closed_ && protocol_ && !closing_now()) {
            const auto data = buffer_.data();
            protocol_->on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
        }
        buffer_.consume(buffer_.size());
        // An idle connection keeps no large buffer from one big message.
        if (buffer_.capacity() > 16384) buffer_.shrink_to_fit();
        read();  // also after a close was sent: the read completes with the peer's close frame
    }

    bool closing_now() {
        std::lock_guard lock(queue_mutex_);
        return closing_;
    }

    void write_next() {
        {
            std::unique_lock lock(queue_mutex_);
            if (queue_.empty() || close_started_) {
                writing_ = false;
                const bool drained = queue_.empty() && !closing_;
                lock.unlock();
                if (drained && protocol_ && !closed_) protocol_->on_drained();
                return;
            }
            current_ = std::move(queue_.front());
            queue_.pop_front();
            queued_bytes_ -= current_.size();
        }
        const auto& gauges = registry_.services().gauges;
        if (gauges.queued) gauges.queued->add(-1);
        if (current_.sequence && gauges.sent_sequence && static_cast<double>(current_.sequence) > gauges.sent_sequence->value())
            gauges.sent_sequence->set(static_cast<double>(current_.sequence));
        ws_.text(true);
        // The pieces as one message (one frame, one gathering write).
        std::array<net::const_buffer, 3> buffers{net::buffer(current_.text), net::const_buffer(), net::const_buffer()};
        if (current_.head) buffers[1] = net::buffer(*current_.head);
        if (current_.body) buffers[2] = net::buffer(current_.body->data() + current_.body_from, current_.body->size() - current_.body_from);
        ws_.async_write(buffers, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->current_ = Outgoing{};
            if (ec) {
                std::lock_guard lock(self->queue_mutex_);
                self->writing_ = false;
                return;
            }
            self->write_next();
        });
    }

    // On the strand. Stops the protocol, sends what is queued before the close frame is sent
    // only for ordinary closes (a slow client gets the close at once), and cuts the socket if
    // the close handshake does not end in time.
    void begin_close(std::uint16_t code, std::string reason) {
        if (close_started_ || closed_) return;
        close_started_ = true;
        {
            std::lock_guard lock(queue_mutex_);
            closing_ = true;
            drop_queue();
        }
        stop_protocol();
        if (reason.size() > 123) reason.resize(123);  // a close frame's reason is at most 123 bytes
        ws_.async_close(ws::close_reason(static_cast<ws::close_code>(code), reason), [self = shared_from_this()](beast::error_code) {});
        close_timer_.expires_after(registry_.services().limits.close_timeout);
        close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec) return;
            beast::error_code ignored;
            beast::get_lowest_layer(self->ws_).socket().close(ignored);
        });
    }

    // The read loop ended: the connection is over.
    void finish() {
        if (closed_) return;
        {
            std::lock_guard lock(queue_mutex_);
            closing_ = true;
            drop_queue();
        }
        stop_protocol();
        closed_ = true;
        timer_.cancel();
        close_timer_.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }

    // With queue_mutex_ held.
    void drop_queue() {
        if (const auto& queued = registry_.services().gauges.queued; queued && !queue_.empty()) queued->add(-static_cast<double>(queue_.size()));
        queue_.clear();
        queued_bytes_ = 0;
    }

    void stop_protocol() {
        if (!protocol_) return;
        protocol_->on_close();
        protocol_.reset();
    }

    ws::stream<beast::tcp_stream> ws_;
    net::steady_timer timer_;
    net::steady_timer close_timer_;
    beast::flat_buffer buffer_;
    Registry& registry_;
    const Endpoint endpoint_;
    const HttpRequest request_;
    const std::uint64_t id_;
    std::unique_ptr<Protocol> protocol_;
    std::string raw_;
    Outgoing current_;
    bool over_limit_ = false;
    bool close_started_ = false;
    bool closed_ = false;

    std::mutex queue_mutex_;  // the queue is filled from any thread, drained on the strand
    std::deque<Outgoing> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool closing_ = false;
};

}  // namespace

void Registry::accept(net::io_context& io, Endpoint endpoint, const HttpRequest& request, StreamSocket socket) {
    try {
        sockaddr_storage local{};
        socklen_t length = sizeof local;
        if (::getsockname(socket.native_handle, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
            ::close(socket.native_handle);
            return;
        }
        tcp::socket s(net::make_strand(io));
        beast::error_code ec;
        s.assign(local.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), socket.native_handle, ec);
        if (ec) {
            ::close(socket.native_handle);
            return;
        }
        if (services_.limits.tcp_nodelay) s.set_option(tcp::no_delay(true), ec);  // best effort
        std::uint64_t id = 0;
        bool over_limit = false;
        {
            std::lock_guard lock(mutex_);
            id = ++next_id_;
            over_limit = stopped_ || live_.size() >= services_.limits.max_connections;
        }
        auto connection = std::make_shared<Connection>(std::move(s), *this, endpoint, request, id);
        if (!over_limit && !enter(id, connection)) over_limit = true;
        connection->run(raw_request(request, socket.already_read), over_limit);
    } catch (const std::exception& e) {
        if (services_.logger) services_.logger->log(LogLevel::error, "websocket", std::string("accepting a connection failed: ") + e.what());
    }
}

bool Registry::enter(std::uint64_t id, std::weak_ptr<Peer> peer) {
    std::lock_guard lock(mutex_);
    if (stopped_ || live_.size() >= services_.limits.max_connections) return false;
    live_.emplace(id, std::move(peer));
    if (services_.gauges.connections) services_.gauges.connections->set(static_cast<double>(live_.size()));
    return true;
}

void Registry::leave(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    if (live_.erase(id) && services_.gauges.connections) services_.gauges.connections->set(static_cast<double>(live_.size()));
    if (live_.empty()) drained_.notify_all();
}

std::size_t Registry::size() const {
    std::lock_guard lock(mutex_);
    return live_.size();
}

void Registry::stop() {
    std::vector<std::shared_ptr<Peer>> peers;
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        for (auto& [id, weak] : live_)
            if (auto p = weak.lock()) peers.push_back(std::move(p));
    }
    for (auto& p : peers) p->close(close_code::going_away, "server shutting down");
    peers.clear();
    // The host stops its I/O context right after: give the close handshakes a moment on the
    // other I/O threads (with one thread they cannot run, and the wait just ends).
    std::unique_lock lock(mutex_);
    drained_.wait_for(lock, std::min<std::chrono::milliseconds>(services_.limits.close_timeout, std::chrono::milliseconds(1000)),
                      [this] { return live_.empty(); });
}

}  // namespace rex::websocket

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
#include <cerrno>
#include <deque>
#include <span>

#include <sys/uio.h>

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

// Who writes to a connection's socket. After the handshake the connection writes its data frames
// itself (a non-blocking sendmsg of [header][text | head + shared body], from whichever thread
// queues the message when nothing is pending, else from the strand, several queued messages per
// call); Beast keeps the handshake, the reads and the control frames it writes on its own (the pong
// to a client's ping, its keep-alive ping, the close frame). Both write to one TCP stream, so a
// frame of one must never be cut by the other: every Beast write passes through GatedSocket,
// which asks the gate first — a Beast write waits while a data frame is half written, and no data
// frame starts while a Beast frame is under way. The gate also learns when the socket is closed
// (by Beast's timeouts or teardown, or by us), so a write from another thread never reaches a
// closed (and maybe reused) descriptor.
class SocketGate {
public:
    virtual ~SocketGate() = default;
    // Beast wants to write; `first_bytes` (the first of its buffers) tell its close frame, after
    // which no data frame may follow. `start` runs now or once the data frame being written is
    // complete.
    virtual void beast_write(std::span<const unsigned char> first_bytes, std::function<void()> start) = 0;
    // One of Beast's writes completed; `whole`: it wrote everything it was given, so its frame
    // ended (Beast writes a control frame, at most 131 bytes, with one async_write whose later
    // write_some calls each carry the frame's whole rest).
    virtual void beast_write_done(bool whole) = 0;
    // The socket is about to be closed or shut down: no more data frames.
    virtual void socket_closing() = 0;
};

// The websocket stream's next layer: the TCP socket with Beast's writes passed through the gate.
class GatedSocket {
public:
    using executor_type = tcp::socket::executor_type;

    GatedSocket(tcp::socket socket, SocketGate& gate) : socket_(std::move(socket)), gate_(gate) {}

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    tcp::socket& socket() noexcept { return socket_; }
    SocketGate& gate() noexcept { return gate_; }

    template <class Buffers, class Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        return socket_.async_read_some(buffers, std::forward<Token>(token));
    }

    template <class Buffers, class Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        return net::async_initiate<Token, void(beast::error_code, std::size_t)>(
            [this](auto handler, const Buffers& b) {
                // Beast's handlers are move-only; a shared holder makes the deferred start copyable.
                auto held = std::make_shared<decltype(handler)>(std::move(handler));
                std::array<unsigned char, 1> first{};
                const auto n = net::buffer_copy(net::buffer(first), b);
                gate_.beast_write(std::span<const unsigned char>(first.data(), n), [this, held, b] {
                    const auto size = net::buffer_size(b);
                    socket_.async_write_some(b, [this, held, size](beast::error_code ec, std::size_t written) {
                        gate_.beast_write_done(ec || written >= size);
                        (*held)(ec, written);
                    });
                });
            },
            token, buffers);
    }

    // Beast's customisation points (found by argument-dependent lookup): its timeouts close the
    // socket, its close handshake shuts it down; the gate hears of both first.
    friend void beast_close_socket(GatedSocket& s) {
        s.gate_.socket_closing();
        beast::error_code ignored;
        s.socket_.close(ignored);
    }
    friend void teardown(beast::role_type role, GatedSocket& s, beast::error_code& ec) {
        s.gate_.socket_closing();
        ws::teardown(role, s.socket_, ec);
    }
    template <class Handler>
    friend void async_teardown(beast::role_type role, GatedSocket& s, Handler&& handler) {
        s.gate_.socket_closing();
        ws::async_teardown(role, s.socket_, std::forward<Handler>(handler));
    }

private:
    tcp::socket socket_;
    SocketGate& gate_;
};

// A server's text frame header (unmasked): 2, 4 or 10 bytes.
struct FrameHeader {
    std::array<unsigned char, 10> bytes;
    std::size_t size = 0;

    FrameHeader() = default;
    explicit FrameHeader(std::size_t payload) {
        bytes[0] = 0x81;  // FIN, text
        if (payload < 126) {
            bytes[1] = static_cast<unsigned char>(payload);
            size = 2;
        } else if (payload <= 0xffff) {
            bytes[1] = 126;
            bytes[2] = static_cast<unsigned char>(payload >> 8);
            bytes[3] = static_cast<unsigned char>(payload);
            size = 4;
        } else {
            bytes[1] = 127;
            for (int i = 0; i < 8; ++i) bytes[2 + i] = static_cast<unsigned char>(static_cast<std::uint64_t>(payload) >> (56 - 8 * i));
            size = 10;
        }
    }
};

// Up to `max_messages` messages as frames for one sendmsg: a header and up to three pieces each.
// Its arrays are left uninitialised (only what add() fills is read): one is made per message.
template <std::size_t max_messages>
class FrameBatch {
public:
    // False when full.
    bool add(const Outgoing& m) {
        if (count_ == max_messages) return false;
        headers_[count_] = FrameHeader(m.size());
        const auto& h = headers_[count_];
        first_iov_[count_] = iovs_;
        std::size_t total = push(h.bytes.data(), h.size);
        total += push(m.text.data(), m.text.size());
        if (m.head) total += push(m.head->data(), m.head->size());
        if (m.body) total += push(m.body->data() + m.body_from, m.body->size() - m.body_from);
        sizes_[count_++] = total;
        return true;
    }
    std::size_t count() const noexcept { return count_; }
    std::size_t frame_size(std::size_t i) const noexcept { return sizes_[i]; }

    // Written bytes (all, some or none), or -1 with errno on an error other than "would block".
    ssize_t send(int fd) {
        msghdr msg{};
        msg.msg_iov = iov_.data();
        msg.msg_iovlen = iovs_;
        for (;;) {
            const auto n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n >= 0) return n;
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
    }

    // Frame `i`'s bytes from `offset` on: what stays to be written after a partial write.
    std::string rest_of(std::size_t i, std::size_t offset) const {
        std::string bytes;
        bytes.reserve(sizes_[i]);
        const auto first = first_iov_[i], last = i + 1 < count_ ? first_iov_[i + 1] : iovs_;
        for (auto k = first; k < last; ++k) bytes.append(static_cast<const char*>(iov_[k].iov_base), iov_[k].iov_len);
        return bytes.substr(offset);
    }

private:
    std::size_t push(const char* data, std::size_t size) { return push(reinterpret_cast<const unsigned char*>(data), size); }
    std::size_t push(const unsigned char* data, std::size_t size) {
        if (size == 0) return 0;
        iov_[iovs_++] = iovec{const_cast<unsigned char*>(data), size};
        return size;
    }

    std::array<FrameHeader, max_messages> headers_;
    std::array<std::size_t, max_messages> sizes_;
    std::array<std::size_t, max_messages> first_iov_;
    std::array<iovec, 4 * max_messages> iov_;
    std::size_t count_ = 0, iovs_ = 0;
};

class Connection final : public Peer, public SocketGate, public std::enable_shared_from_this<Connection> {
public:
    Connection(tcp::socket socket, Registry& registry, Endpoint endpoint, HttpRequest request, std::uint64_t id)
        : ws_(std::move(socket), static_cast<SocketGate&>(*this)), timer_(ws_.get_executor()), close_timer_(ws_.get_executor()),
          registry_(registry), endpoint_(endpoint), request_(std::move(request)), id_(id) {}

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
        // The fast path: nothing pending, so the frame goes out at once from this thread.
        if (open_ && !writing_ && !beast_writing_ && !beast_waiting_ && queue_.empty()) {
            FrameBatch<1> batch;
            batch.add(message);
            const auto written = batch.send(fd());
            if (written < 0) return write_failed();
            if (static_cast<std::size_t>(written) == batch.frame_size(0)) {
                note_sent(message.sequence);
                return true;
            }
            // The socket's buffer is full: the rest waits for the strand.
            if (written > 0) {
                partial_ = batch.rest_of(0, static_cast<std::size_t>(written));
                note_sent(message.sequence);
            } else {
                queue(std::move(message));
            }
            writing_ = true;
            lock.unlock();
            net::post(ws_.get_executor(), [self = shared_from_this()] { self->write_next(); });
            return true;
        }
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
        queue(std::move(message));
        // One post when the queue starts filling; while the strand writes, it takes the next
        // messages without another trip through the strand.
        if (!writing_) {
            writing_ = true;
            net::post(ws_.get_executor(), [self = shared_from_this()] { self->write_next(); });
        }
        return true;
    }

    void notify_when_drained() override {
        std::unique_lock lock(queue_mutex_);
        if (writing_ || closing_) return;  // the writer calls on_drained when it is done
        writing_ = true;
        lock.unlock();
        net::post(ws_.get_executor(), [self = shared_from_this()] { self->write_next(); });
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

    // SocketGate; Beast calls these on the strand.
    void beast_write(std::span<const unsigned char> first_bytes, std::function<void()> start) override {
        {
            std::lock_guard lock(queue_mutex_);
            if (!beast_writing_ && open_ && !first_bytes.empty() && (first_bytes[0] & 0x0f) == 0x8) {
                closing_ = true;  // its close frame: nothing may follow it
                drop_queue();
            }
            // Beast continues a frame it began (beast_writing_), or starts one when no data frame
            // is half written; otherwise the strand's writer starts it once that frame is done.
            if (!beast_writing_ && !partial_.empty()) {
                beast_waiting_ = std::move(start);
                return;
            }
            beast_writing_ = true;
        }
        start();
    }

    void beast_write_done(bool whole) override {
        if (!whole) return;  // Beast's write continues with the rest of its frame
        std::unique_lock lock(queue_mutex_);
        beast_writing_ = false;
        if (!queue_.empty() && !writing_ && !closing_) {
            writing_ = true;
            lock.unlock();
            net::post(ws_.get_executor(), [self = shared_from_this()] { self->write_next(); });
        }
    }

    void socket_closing() override {
        std::lock_guard lock(queue_mutex_);
        closing_ = true;
        drop_queue();
    }

private:
    int fd() { return ws_.next_layer().socket().native_handle(); }

    // With queue_mutex_ held.
    void queue(Outgoing message) {
        queued_bytes_ += message.size();
        queue_.push_back(std::move(message));
        if (const auto& queued = registry_.services().gauges.queued) queued->add(1);
    }
    void note_sent(std::uint64_t sequence) {
        const auto& sent = registry_.services().gauges.sent_sequence;
        if (sequence && sent && static_cast<double>(sequence) > sent->value()) sent->set(static_cast<double>(sequence));
    }
    // The socket failed (reset, or shut down): nothing more is written; the read loop ends the connection.
    bool write_failed() {
        closing_ = true;
        partial_.clear();
        drop_queue();
        return false;
    }

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
            {
                std::lock_guard lock(self->queue_mutex_);
                self->open_ = true;  // data frames may be written now
            }
            self->on_accepted(subprotocol);
        });
    }

    void on_accepted(const std::string& subprotocol) {
        if (over_limit_) {
            begin_close(close_code::try_again_later, "too many connections (" + std::to_string(registry_.services().limits.max_connections) + ")");
        } else if ((protocol_ = make_protocol(subprotocol))) {
            protocol_->on_open();
        } else {
            begin_close(4406, "Subprotocol not acceptable");
        }
        // Every connection ends through its read loop, a refused one too: the read ends with the
        // client's close reply and finish() lets it (its slot, its close timer) go at once.
        read();
    }

    // The protocol of this endpoint and subprotocol; nullptr when none fits.
    std::unique_ptr<Protocol> make_protocol(const std::string& subprotocol) {
        auto self = shared_from_this();
        if (endpoint_ == Endpoint::changes) return make_changes_protocol(self);
        if (subprotocol == "graphql-transport-ws") return make_graphql_transport_ws(self);
        if (subprotocol == "graphql-ws") return make_graphql_ws_legacy(self);
        return nullptr;
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

    // The strand's writer: the rest of a half-written frame, then Beast's waiting frame, then as
    // many queued messages per sendmsg as fit; waits for the socket when its buffer is full.
    void write_next() {
        std::unique_lock lock(queue_mutex_);
        const auto& gauges = registry_.services().gauges;
        for (;;) {
            if (!partial_.empty()) {
                const auto n = closed_ ? -1 : send_partial();
                if (n < 0) {
                    write_failed();
                } else if (static_cast<std::size_t>(n) < partial_.size()) {
                    partial_.erase(0, static_cast<std::size_t>(n));
                    return wait_writable();
                } else {
                    partial_.clear();
                }
            }
            if (beast_waiting_) {
                auto start = std::move(beast_waiting_);
                beast_waiting_ = nullptr;
                beast_writing_ = true;
                writing_ = false;  // Beast's completion restarts this writer if messages wait
                lock.unlock();
                start();
                return;
            }
            if (queue_.empty() || close_started_ || closing_) {
                writing_ = false;
                const bool drained = queue_.empty() && !closing_;
                lock.unlock();
                if (drained && protocol_ && !closed_) protocol_->on_drained();
                return;
            }
            if (beast_writing_) {
                writing_ = false;  // beast_write_done restarts this writer
                return;
            }
            FrameBatch<64> batch;
            for (auto it = queue_.begin(); it != queue_.end() && batch.add(*it); ++it) {
            }
            const auto written = batch.send(fd());
            if (written < 0) {
                write_failed();
                continue;
            }
            auto left = static_cast<std::size_t>(written);
            std::size_t done = 0;
            for (; done < batch.count() && left > 0; ++done) {
                const auto size = batch.frame_size(done);
                if (left < size) partial_ = batch.rest_of(done, left);
                left -= std::min(left, size);
            }
            for (std::size_t i = 0; i < done; ++i) {
                note_sent(queue_.front().sequence);
                queued_bytes_ -= queue_.front().size();
                queue_.pop_front();
            }
            if (gauges.queued && done) gauges.queued->add(-static_cast<double>(done));
            if (!partial_.empty()) {
                // Its rest is partial_ now; wait for room.
                return wait_writable();
            }
            if (done < batch.count()) return wait_writable();  // nothing or whole frames only: the socket is full
        }
    }

    ssize_t send_partial() {
        for (;;) {
            const auto n = ::send(fd(), partial_.data(), partial_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n >= 0) return n;
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
    }

    // With queue_mutex_ held, from write_next (writing_ stays true).
    void wait_writable() {
        ws_.next_layer().socket().async_wait(tcp::socket::wait_write, [self = shared_from_this()](beast::error_code ec) {
            if (ec) {
                std::lock_guard lock(self->queue_mutex_);
                self->write_failed();
            }
            self->write_next();  // also after an error: hands the socket to a waiting Beast write
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
            beast_close_socket(self->ws_.next_layer());
        });
    }

    // The read loop ended: the connection is over.
    void finish() {
        if (closed_) return;
        stop_protocol();
        closed_ = true;
        timer_.cancel();
        close_timer_.cancel();
        beast_close_socket(ws_.next_layer());
        // A Beast write still waiting for a data frame's end starts now and fails, so its handler
        // (which holds this connection) runs.
        std::function<void()> start;
        {
            std::lock_guard lock(queue_mutex_);
            partial_.clear();
            start = std::move(beast_waiting_);
            beast_waiting_ = nullptr;
            if (start) beast_writing_ = true;
        }
        if (start) start();
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

    ws::stream<GatedSocket> ws_;
    net::steady_timer timer_;
    net::steady_timer close_timer_;
    beast::flat_buffer buffer_;
    Registry& registry_;
    const Endpoint endpoint_;
    const HttpRequest request_;
    const std::uint64_t id_;
    std::unique_ptr<Protocol> protocol_;
    std::string raw_;
    bool over_limit_ = false;
    bool close_started_ = false;
    bool closed_ = false;

    // The write side, filled from any thread, guarded by queue_mutex_ (held during a sendmsg, so
    // a connection's frames leave whole and in order).
    std::mutex queue_mutex_;
    std::deque<Outgoing> queue_;
    std::size_t queued_bytes_ = 0;
    std::string partial_;                 // the unwritten rest of a data frame
    std::function<void()> beast_waiting_;  // a Beast write waiting for partial_ to go out
    bool open_ = false;                   // handshake done: data frames may be written
    bool writing_ = false;                // the strand's writer runs or is posted
    bool beast_writing_ = false;          // a Beast frame is being written
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

#include "event_stream.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <unistd.h>

namespace rex::sse {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

tcp protocol_of(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0 && address.ss_family == AF_INET6) return tcp::v6();
    return tcp::v4();
}

const char* reason_phrase(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

}  // namespace

std::string sse_message(std::string_view event, std::string_view payload) {
    std::string out = "event: ";
    out += event;
    out += "\ndata: ";
    for (const char c : payload) {
        if (c == '\n') out += "\ndata: ";
        else if (c != '\r') out += c;
    }
    out += "\n\n";
    return out;
}

EventStream::EventStream(net::io_context& io, StreamSocket socket, StreamOptions options, std::shared_ptr<StreamRegistry> registry)
    : socket_(net::make_strand(io)), timer_(socket_.get_executor()), options_(options), registry_(std::move(registry)) {
    boost::system::error_code ec;
    socket_.assign(protocol_of(socket.native_handle), socket.native_handle, ec);
    if (ec) {
        ::close(socket.native_handle);
        closed_ = true;
    }
    // Bytes the client sent past its request are of no use to an event stream.
}

EventStream::~EventStream() = default;

void EventStream::respond(int status, std::string content_type, std::string body, const std::vector<HttpHeader>& headers) {
    std::string response = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\nServer: rex-host\r\nContent-Type: " +
                           content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n";
    for (const auto& h : headers) response += h.name + ": " + h.value + "\r\n";
    response += "\r\n" + body;
    {
        std::lock_guard lock(mutex_);
        queue_.clear();
        queue_.push_back(std::move(response));
        started_ = true;
        ending_ = true;
        kick();
    }
    // The timer ends it should the client never read the answer.
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->arm_timer(); });
}

void EventStream::arm_timer() {
    timer_.expires_after(options_.heartbeat);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->tick();
    });
}

void EventStream::begin(std::string first) {
    // No length: the body ends when the connection does (HTTP/1.1 allows it; proxies pass it).
    std::string head =
        "HTTP/1.1 200 OK\r\nServer: rex-host\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
        "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n" +
        std::move(first);
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        queued_bytes_ += head.size();
        queue_.push_front(std::move(head));
        exempt_events_ = queue_.size();
        exempt_bytes_ = queued_bytes_;
        started_ = true;
        bounded_ = true;
        kick();
    }
    net::post(socket_.get_executor(), [self = shared_from_this()] {
        self->read();
        self->arm_timer();
    });
}

void EventStream::send(std::string message) {
    std::lock_guard lock(mutex_);
    if (closed_ || ending_) return;
    if (bounded_ && (queue_.size() - exempt_events_ >= options_.queue_events ||
                     queued_bytes_ - exempt_bytes_ + message.size() > options_.queue_bytes)) {
        // The client cannot keep up: what it has not been sent is dropped (it resumes from the
        // last message it got) and the stream ends with the reason.
        queue_.clear();
        queued_bytes_ = exempt_events_ = exempt_bytes_ = 0;
        if (!overflow_.empty()) queue_.push_back(overflow_);
        ending_ = true;
        kick();
        return;
    }
    queued_bytes_ += message.size();
    queue_.push_back(std::move(message));
    kick();
}

void EventStream::finish(std::string message) {
    std::lock_guard lock(mutex_);
    if (closed_ || ending_) return;
    queue_.push_back(std::move(message));
    ending_ = true;
    kick();
}

void EventStream::hold(std::shared_ptr<void> feed) {
    {
        std::lock_guard lock(mutex_);
        if (!closed_) {
            feeds_.push_back(std::move(feed));
            return;
        }
    }
    feed.reset();  // closed already: outside the lock
}

void EventStream::kick() {
    if (writing_ || !started_ || closed_) return;
    writing_ = true;
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->write_next(); });
}

void EventStream::write_next() {
    std::unique_lock lock(mutex_);
    if (closed_) return;
    if (queue_.empty()) {
        writing_ = false;
        if (ending_) {
            lock.unlock();
            close();
        }
        return;
    }
    // Everything queued goes in one write: a burst costs one system call, not one per event.
    batch_.clear();
    for (auto& m : queue_) batch_ += m;
    queue_.clear();
    queued_bytes_ = exempt_events_ = exempt_bytes_ = 0;
    write_started_ = std::chrono::steady_clock::now();
    lock.unlock();
    net::async_write(socket_, net::buffer(batch_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
        if (ec) return self->close();
        self->write_next();
    });
}

void EventStream::read() {
    // The client sends nothing more; a read ends when it goes away, and so does the stream.
    socket_.async_read_some(net::buffer(read_buffer_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
        if (ec) return self->close();
        self->read();
    });
}

void EventStream::tick() {
    bool stuck = false;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        stuck = writing_ && std::chrono::steady_clock::now() - write_started_ > options_.write_timeout;
        if (!writing_ && queue_.empty() && !ending_) {
            queue_.push_back(":\n\n");  // a comment: keeps proxies from closing an idle stream
            kick();
        }
    }
    if (stuck) return close();  // the client stopped reading
    arm_timer();
}

void EventStream::close() {
    std::vector<std::shared_ptr<void>> feeds;
    {
        std::lock_guard lock(mutex_);
        if (!closed_) {
            closed_ = true;
            queue_.clear();
        }
        feeds.swap(feeds_);
        boost::system::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_both, ec);
        socket_.close(ec);
    }
    timer_.cancel();
    registry_->leave(this);
    feeds.clear();  // a subscription's destructor waits for its publisher, which may be in send()
}

void EventStream::shutdown() {
    const auto& message = shutdown_;
    std::vector<std::shared_ptr<void>> feeds;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        feeds.swap(feeds_);
        queue_.clear();
        const int fd = socket_.native_handle();
        // Only between writes: a message in the middle of another would garble both.
        if (started_ && bounded_ && !writing_ && !message.empty())
            [[maybe_unused]] auto n = ::send(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::shutdown(fd, SHUT_RDWR);  // the pending read fails and the strand closes the socket
    }
    registry_->leave(this);
    feeds.clear();
}

bool StreamRegistry::admit(const std::shared_ptr<EventStream>& stream) {
    std::lock_guard lock(mutex_);
    if (stopped_ || streams_.size() >= max_) return false;
    streams_.emplace(stream.get(), stream);
    return true;
}

void StreamRegistry::leave(const EventStream* stream) {
    std::lock_guard lock(mutex_);
    streams_.erase(stream);
}

void StreamRegistry::stop() {
    std::vector<std::shared_ptr<EventStream>> live;
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        for (const auto& [p, weak] : streams_)
            if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    for (const auto& s : live) s->shutdown();
}

std::size_t StreamRegistry::size() const {
    std::lock_guard lock(mutex_);
    return streams_.size();
}

}  // namespace rex::sse

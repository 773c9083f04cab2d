#include "event_stream.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <cerrno>
#include <cstdio>

#include <sys/socket.h>
#include <sys/uio.h>
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
    } else if (options_.tcp_nodelay) {
        socket_.set_option(tcp::no_delay(true), ec);  // best effort
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
        drop_queue();
        enqueue({std::move(response), nullptr, 0});
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
        enqueue({std::move(head), nullptr, 0}, true);
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

void EventStream::send(std::string message) { push({std::move(message), nullptr, 0}); }

void EventStream::send_event(std::uint64_t sequence, std::shared_ptr<const std::string> message) {
    push({{}, std::move(message), sequence});
}

void EventStream::push(Queued message) {
    std::lock_guard lock(mutex_);
    if (closed_ || ending_) return;
    const auto& metrics = registry_->metrics();
    if (bounded_ && (queue_.size() - exempt_events_ >= options_.queue_events ||
                     queued_bytes_ - exempt_bytes_ + message.size() > options_.queue_bytes)) {
        // The client cannot keep up: what it has not been sent is dropped (it resumes from the
        // last message it got) and the stream ends with the reason.
        drop_queue();
        if (!overflow_.empty()) enqueue({overflow_, nullptr, 0});
        ending_ = true;
        if (metrics.slow_consumers) metrics.slow_consumers->add(1);
        kick();
        return;
    }
    if (started_ && !writing_ && queue_.empty() && write_now(message)) return;
    queued_bytes_ += message.size();
    enqueue(std::move(message));
    kick();
}

// Nothing is queued or being written: the message goes to the socket from this thread (one
// non-blocking sendmsg, no trip through the strand). What the socket does not take is queued
// first and written by the strand as usual. False: nothing was written (queue it).
bool EventStream::write_now(Queued& message) {
    char prefix[40];
    iovec iov[3];
    int count = 0;
    if (message.event) {
        const auto n = std::snprintf(prefix, sizeof prefix, "id: %llu\ndata: ", static_cast<unsigned long long>(message.sequence));
        iov[count++] = {prefix, static_cast<std::size_t>(n)};
        iov[count++] = {const_cast<char*>(message.event->data()), message.event->size()};
        iov[count++] = {const_cast<char*>("\n\n"), 2};
    } else {
        iov[count++] = {message.text.data(), message.text.size()};
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    ssize_t written = 0;
    do written = ::sendmsg(socket_.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (written < 0 && errno == EINTR);
    if (written <= 0) return false;  // full, or failed: the strand's write finds out
    std::size_t total = 0;
    for (int i = 0; i < count; ++i) total += iov[i].iov_len;
    const auto& sent = registry_->metrics().sent_sequence;
    if (message.sequence && sent && static_cast<double>(message.sequence) > sent->value()) sent->set(static_cast<double>(message.sequence));
    if (static_cast<std::size_t>(written) == total) return true;
    std::string rest;
    for (int i = 0; i < count; ++i) rest.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    rest.erase(0, static_cast<std::size_t>(written));
    queued_bytes_ += rest.size();
    enqueue({std::move(rest), nullptr, 0}, true);
    kick();
    return true;
}

void EventStream::enqueue(Queued message, bool first) {
    if (first) queue_.push_front(std::move(message));
    else queue_.push_back(std::move(message));
    if (const auto& queued = registry_->metrics().queued) queued->add(1);
}

void EventStream::drop_queue() {
    if (const auto& queued = registry_->metrics().queued; queued && !queue_.empty()) queued->add(-static_cast<double>(queue_.size()));
    queue_.clear();
    queued_bytes_ = exempt_events_ = exempt_bytes_ = 0;
}

void EventStream::finish(std::string message) {
    std::lock_guard lock(mutex_);
    if (closed_ || ending_) return;
    enqueue({std::move(message), nullptr, 0});
    ending_ = true;
    kick();
}

void EventStream::hold(std::shared_ptr<void> feed, bool subscription) {
    {
        std::lock_guard lock(mutex_);
        if (!closed_) {
            feeds_.push_back(std::move(feed));
            if (subscription) {
                ++subscriptions_;
                if (const auto& gauge = registry_->metrics().subscriptions) gauge->add(1);
            }
            return;
        }
    }
    feed.reset();  // closed already: outside the lock
}

void EventStream::release_subscriptions() {
    if (const auto& gauge = registry_->metrics().subscriptions; gauge && subscriptions_) gauge->add(-static_cast<double>(subscriptions_));
    subscriptions_ = 0;
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
    std::uint64_t sent = 0;
    for (const auto& m : queue_) {
        if (!m.event) {
            batch_ += m.text;
            continue;
        }
        batch_ += "id: ";
        batch_ += std::to_string(m.sequence);
        batch_ += "\ndata: ";
        batch_ += *m.event;
        batch_ += "\n\n";
        sent = std::max(sent, m.sequence);
    }
    drop_queue();
    if (const auto& gauge = registry_->metrics().sent_sequence; gauge && sent && static_cast<double>(sent) > gauge->value())
        gauge->set(static_cast<double>(sent));
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
            enqueue({":\n\n", nullptr, 0});  // a comment: keeps proxies from closing an idle stream
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
            drop_queue();
        }
        feeds.swap(feeds_);
        release_subscriptions();
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
        feeds.swap(feeds_);
        release_subscriptions();
        if (started_ && bounded_ && writing_) {
            // A write is under way (a message must not go in the middle of another): what is
            // queued follows it, then the reason, and the strand closes the stream when they are
            // written — within the I/O threads' grace at stop, for a client that reads.
            if (!ending_) {
                if (!message.empty()) enqueue({message, nullptr, 0});
                ending_ = true;
            }
        } else {
            closed_ = true;
            drop_queue();
            const int fd = socket_.native_handle();
            if (started_ && bounded_ && !message.empty())
                [[maybe_unused]] auto n = ::send(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            ::shutdown(fd, SHUT_RDWR);  // the pending read fails and the strand closes the socket
        }
    }
    registry_->leave(this);
    feeds.clear();
}

bool StreamRegistry::admit(const std::shared_ptr<EventStream>& stream) {
    std::lock_guard lock(mutex_);
    if (stopped_ || streams_.size() >= max_) return false;
    streams_.emplace(stream.get(), stream);
    if (metrics_.connections) metrics_.connections->set(static_cast<double>(streams_.size()));
    return true;
}

void StreamRegistry::leave(const EventStream* stream) {
    std::lock_guard lock(mutex_);
    if (streams_.erase(stream) && metrics_.connections) metrics_.connections->set(static_cast<double>(streams_.size()));
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

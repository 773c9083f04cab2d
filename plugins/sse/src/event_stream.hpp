// One Server-Sent Events connection taken over from rex-host: the socket on its own strand, a
// bounded queue of messages written in batches, a heartbeat comment, and the end of the stream
// (a last message, then close). Producers (the change bus's thread, the host's workers) call
// send() from any thread; a producer that outruns the client fills the queue, and the stream then
// ends with the overflow message instead of growing.
#pragma once

#include <rex/sdk/http.hpp>
#include <rex/sdk/metrics.hpp>
#include <rex/sdk/transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace rex::sse {

struct StreamOptions {
    std::size_t queue_events = 1024;         // messages waiting for the socket
    std::size_t queue_bytes = 4u << 20;      // their bytes
    std::chrono::milliseconds heartbeat{15000};
    std::chrono::milliseconds write_timeout{30000};  // a write stuck this long ends the stream
    bool tcp_nodelay = true;                         // TCP_NODELAY on the socket, as for WebSocket (docs/performance.md)
};

class StreamRegistry;

// An SSE message `event: <event>` whose data is `payload`: a payload with line breaks takes one
// data: line each (the client joins them with \n again).
std::string sse_message(std::string_view event, std::string_view payload);

class EventStream : public std::enable_shared_from_this<EventStream> {
public:
    using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

    EventStream(boost::asio::io_context& io, StreamSocket socket, StreamOptions options, std::shared_ptr<StreamRegistry> registry);
    ~EventStream();

    // Writes a whole HTTP response (Connection: close), then closes.
    void respond(int status, std::string content_type, std::string body, const std::vector<HttpHeader>& headers = {});
    // Answers with the event-stream response head and `first`, then writes what is queued.
    // Messages queued before this (a resume's backlog) are not held to the queue's bounds.
    void begin(std::string first);
    // Queues one whole SSE message. Thread-safe; ignored once the stream is ending.
    void send(std::string message);
    // Queues a change event as `id: <sequence>` and `data: <message>` (one line of JSON): the
    // message is the one shared by every stream showing the event, formatted only into the
    // write's batch.
    void send_event(std::uint64_t sequence, std::shared_ptr<const std::string> message);
    // The message that ends a stream whose queue is full, and one whose transport stops (set
    // before begin(); empty: none).
    void on_overflow(std::string message) { overflow_ = std::move(message); }
    void on_shutdown(std::string message) { shutdown_ = std::move(message); }
    // Queues a last message and closes after it. Thread-safe.
    void finish(std::string message);
    // Keeps what feeds this stream (a subscription, an operation) until it closes; then it is
    // destroyed outside every lock of the stream. `subscription`: counted in the metrics' gauge.
    void hold(std::shared_ptr<void> feed, bool subscription = false);
    // For stop(): the shutdown message, then the connection is shut down — at once when the socket
    // is idle, else after the write under way and what is queued behind it.
    void shutdown();
    // Bytes of an idle stream object (what memory per connection is reported from).
    static std::size_t footprint() { return sizeof(EventStream); }

private:
    // A queued message: `text`, or a change event formatted at write time.
    struct Queued {
        std::string text;
        std::shared_ptr<const std::string> event;
        std::uint64_t sequence = 0;
        std::size_t size() const noexcept { return event ? event->size() + 32 : text.size(); }
    };
    void push(Queued message);
    void enqueue(Queued message, bool first = false);  // with mutex_ held
    bool write_now(Queued& message);                   // with mutex_ held
    void drop_queue();             // with mutex_ held
    void release_subscriptions();  // with mutex_ held
    void kick();  // with mutex_ held
    void write_next();
    void read();
    void arm_timer();  // the next tick after the heartbeat interval
    void tick();
    void close();

    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer timer_;
    const StreamOptions options_;
    std::shared_ptr<StreamRegistry> registry_;
    std::string overflow_;
    std::string shutdown_;

    std::mutex mutex_;  // guards the fields below
    std::deque<Queued> queue_;
    std::size_t queued_bytes_ = 0;
    // What was queued before begin() (a resume's backlog) until it goes to the socket: not held
    // to the bounds, or a long backlog would cut a resuming client off at once.
    std::size_t exempt_events_ = 0, exempt_bytes_ = 0;
    std::string batch_;  // being written
    std::vector<std::shared_ptr<void>> feeds_;
    std::size_t subscriptions_ = 0;  // of the feeds, counted in the gauge
    bool started_ = false;  // the head is queued: writing may begin
    bool bounded_ = false;  // the queue's bounds apply (after begin())
    bool writing_ = false;
    bool ending_ = false;  // close after the queue is written
    bool closed_ = false;
    std::chrono::steady_clock::time_point write_started_{};

    char read_buffer_[512];
};

// The live streams of one transport: a connection limit, and stop() for all of them.
class StreamRegistry {
public:
    explicit StreamRegistry(std::size_t max_streams, RealtimeMetrics metrics = {}) : max_(max_streams), metrics_(std::move(metrics)) {}
    // False when the limit is reached or the transport stopped.
    bool admit(const std::shared_ptr<EventStream>& stream);
    void leave(const EventStream* stream);
    // Ends every stream (with its shutdown message) and refuses new ones.
    void stop();
    std::size_t size() const;
    std::size_t limit() const { return max_; }
    const RealtimeMetrics& metrics() const { return metrics_; }

private:
    const std::size_t max_;
    const RealtimeMetrics metrics_;
    mutable std::mutex mutex_;
    bool stopped_ = false;
    std::unordered_map<const EventStream*, std::weak_ptr<EventStream>> streams_;
};

}  // namespace rex::sse

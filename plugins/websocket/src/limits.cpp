#include "limits.hpp"

namespace rex::websocket {

Limits Limits::from(const PluginSettings& s) {
    s.check_known({"max_connections", "max_subscriptions", "queue_messages", "queue_bytes", "max_message_bytes",
                   "handshake_timeout_ms", "idle_timeout_ms", "connection_init_timeout_ms", "keep_alive_ms",
                   "close_timeout_ms", "threads", "tcp_nodelay"});
    Limits l;
    auto size = [&](std::string_view key, std::size_t fallback, std::int64_t min, std::int64_t max) {
        return static_cast<std::size_t>(s.integer(key, static_cast<std::int64_t>(fallback), min, max));
    };
    auto ms = [&](std::string_view key, std::chrono::milliseconds fallback) {
        return std::chrono::milliseconds(s.integer(key, fallback.count(), 1, 24LL * 3600 * 1000));
    };
    l.max_connections = size("max_connections", l.max_connections, 1, 10'000'000);
    l.max_subscriptions = size("max_subscriptions", l.max_subscriptions, 1, 1'000'000);
    l.queue_messages = size("queue_messages", l.queue_messages, 1, 100'000'000);
    l.queue_bytes = size("queue_bytes", l.queue_bytes, 1024, 1LL << 34);
    l.max_message_bytes = size("max_message_bytes", l.max_message_bytes, 1024, 1LL << 30);
    l.handshake_timeout = ms("handshake_timeout_ms", l.handshake_timeout);
    l.idle_timeout = ms("idle_timeout_ms", l.idle_timeout);
    l.connection_init_timeout = ms("connection_init_timeout_ms", l.connection_init_timeout);
    l.keep_alive = ms("keep_alive_ms", l.keep_alive);
    l.close_timeout = ms("close_timeout_ms", l.close_timeout);
    l.threads = static_cast<unsigned>(s.integer("threads", l.threads, 1, 64));
    l.tcp_nodelay = s.boolean("tcp_nodelay", l.tcp_nodelay);
    return l;
}

}  // namespace rex::websocket

// bench/realtime's native subscriber client (`bench.mjs --client native` spawns it): one thread,
// non-blocking sockets and epoll, a minimal RFC 6455 client. It opens N WebSocket connections to
// /changes, subscribes each to inserts as the Node client does, then reads every frame and times
// every event: latency = CLOCK_MONOTONIC now − the writer's "sent_at" (bench.mjs writes with
// process.hrtime, the same clock). Costs far less CPU per message than `ws` in Node, so on a small
// box more of the cores is left to rex-host and the figures say more about the host.
//
//   load_client HOST PORT COUNT EXPECTED LATENCY_FILE [EVENTS_FILE]
// stdout: {"ready":true} once all are subscribed, then {"delivered":n} every 50 ms; on
// "report [FROM_MS]" from stdin it writes the latencies (float64, native order, at most EXPECTED
// kept) of the events written at or after FROM_MS (the writer's clock) to LATENCY_FILE, those of
// the events before it (the warm-up) to LATENCY_FILE.warmup, and prints {"final":true,
// "delivered":n,"closed":c,"client_cpu_s":s,"first_p50_ms":…,"first_p99_ms":…,"spread_p50_ms":…,
// "spread_p99_ms":…}: per measured event, the latency of its first subscriber
// and the time from its first to its last subscriber (the host's fan-out of one event, as seen by
// the client; with one client thread). EVENTS_FILE, when given, gets one line per event, in the
// order written: "<written at, ms> <first subscriber's latency> <first → last>", warm-up included
// (where a run's tail came from: a slow start, a fan-out that overran the next write). Errors: one
// line on stderr, exit 1.
//
// Built by run.sh (c++ -O2): no dependency beyond libc.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <unordered_map>
#include <algorithm>
#include <vector>

namespace {

double now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "load_client: error: %s\n", what.c_str());
    std::exit(1);
}

enum class State { connecting, handshake, subscribing, streaming, closed };

struct Conn {
    int fd = -1;
    State state = State::connecting;
    std::string in;       // bytes read and not yet parsed
    std::string message;  // a fragmented message's payload so far
    std::string out;      // bytes not yet written (handshake, subscribe, pongs)
};

// A client frame: FIN + opcode, masked (RFC 6455 requires clients to mask; the key is zero, so the
// payload goes out as is).
void append_frame(std::string& out, unsigned opcode, std::string_view payload) {
    out += static_cast<char>(0x80 | opcode);
    if (payload.size() < 126) {
        out += static_cast<char>(0x80 | payload.size());
    } else {
        out += static_cast<char>(0x80 | 126);
        out += static_cast<char>((payload.size() >> 8) & 0xff);
        out += static_cast<char>(payload.size() & 0xff);
    }
    out.append(4, '\0');
    out += payload;
}

struct Client {
    int epoll_fd = -1;
    std::vector<Conn> conns;
    std::vector<double> latencies, sent_at;  // per message kept, in arrival order
    // Per event (by its writer's clock): when its first and its last subscriber got it.
    std::unordered_map<double, std::pair<double, double>> arrivals;
    std::size_t expected = 0;
    std::size_t delivered = 0;
    std::size_t subscribed = 0;
    std::size_t closed = 0;
    std::string host;
    std::string request;

    void flush(Conn& c) {
        while (!c.out.empty()) {
            const auto n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR) break;
                return drop(c, std::string("send: ") + std::strerror(errno));
            }
            c.out.erase(0, static_cast<std::size_t>(n));
        }
        epoll_event ev{};
        ev.events = EPOLLIN | (c.out.empty() ? 0u : static_cast<unsigned>(EPOLLOUT));
        ev.data.u64 = static_cast<std::uint64_t>(&c - conns.data());
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
    }

    void drop(Conn& c, const std::string& why) {
        if (c.state == State::closed) return;
        if (c.state != State::streaming) fail("subscriber " + std::to_string(&c - conns.data()) + ": " + why);
        std::fprintf(stderr, "load_client: subscriber %zu closed: %s\n", static_cast<std::size_t>(&c - conns.data()), why.c_str());
        c.state = State::closed;
        ::close(c.fd);
        ++closed;
    }

    void on_message(Conn& c, std::string_view text) {
        if (c.state == State::subscribing) {
            if (text.find("\"subscribed\"") == std::string_view::npos) fail("subscriber: " + std::string(text));
            c.state = State::streaming;
            ++subscribed;
            return;
        }
        static constexpr std::string_view marker = "\"sent_at\":";
        const auto at = text.find(marker);
        if (at == std::string_view::npos) return;
        const double sent = std::strtod(text.data() + at + marker.size(), nullptr);  // ends at ',' or '}'
        const double now = now_ms();
        if (delivered < expected) latencies[delivered] = now - sent, sent_at[delivered] = sent;
        ++delivered;
        auto [it, first] = arrivals.try_emplace(sent, now, now);
        if (!first) it->second.second = now;
    }

    // Parses whole frames from c.in; returns false when the connection ended.
    bool parse(Conn& c) {
        std::size_t pos = 0;
        while (c.in.size() - pos >= 2) {
            const auto* p = reinterpret_cast<const unsigned char*>(c.in.data() + pos);
            const bool fin = p[0] & 0x80;
            const unsigned opcode = p[0] & 0x0f;
            std::uint64_t length = p[1] & 0x7f;
            std::size_t header = 2;
            if (length == 126) {
                if (c.in.size() - pos < 4) break;
                length = (std::uint64_t{p[2]} << 8) | p[3];
                header = 4;
            } else if (length == 127) {
                if (c.in.size() - pos < 10) break;
                length = 0;
                for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
                header = 10;
            }
            if (p[1] & 0x80) fail("the server sent a masked frame");
            if (c.in.size() - pos - header < length) break;
            const std::string_view payload(c.in.data() + pos + header, length);
            pos += header + length;
            if (opcode == 0x8) {  // close
                const unsigned code = payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8 | static_cast<unsigned char>(payload[1])) : 0;
                drop(c, "close " + std::to_string(code) + " " + std::string(payload.substr(payload.size() >= 2 ? 2 : 0)));
                return false;
            }
            if (opcode == 0x9) {  // ping
                append_frame(c.out, 0xA, payload);
                continue;
            }
            if (opcode == 0xA) continue;
            if (opcode == 0x1 || opcode == 0x2 || opcode == 0x0) {
                if (fin && c.message.empty()) {
                    on_message(c, payload);
                } else {
                    c.message += payload;
                    if (fin) {
                        on_message(c, c.message);
                        c.message.clear();
                    }
                }
            }
        }
        c.in.erase(0, pos);
        return true;
    }

    void on_readable(Conn& c) {
        char scratch[65536];
        for (;;) {
            const auto n = ::recv(c.fd, scratch, sizeof scratch, 0);
            if (n == 0) return drop(c, "the server closed the connection");
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR) break;
                return drop(c, std::string("recv: ") + std::strerror(errno));
            }
            c.in.append(scratch, static_cast<std::size_t>(n));
            // Linux leaves delayed-ACK mode at the first ACK its timer sends: set it again.
            if (delayed_acks) {
                const int off = 0;
                ::setsockopt(c.fd, IPPROTO_TCP, TCP_QUICKACK, &off, sizeof off);
            }
            if (c.state == State::handshake) {
                const auto end = c.in.find("\r\n\r\n");
                if (end == std::string::npos) continue;
                if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) fail("upgrade refused: " + c.in.substr(0, c.in.find("\r\n")));
                c.in.erase(0, end + 4);
                c.state = State::subscribing;
                append_frame(c.out, 0x1, R"({"type":"subscribe","id":"s","op":"insert"})");
            }
            if (!parse(c)) return;
            if (static_cast<std::size_t>(n) < sizeof scratch) break;
        }
        if (!c.out.empty()) flush(c);
    }

    void on_writable(Conn& c) {
        if (c.state == State::connecting) {
            int error = 0;
            socklen_t len = sizeof error;
            getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
            if (error) fail(std::string("connect: ") + std::strerror(error));
            c.state = State::handshake;
            c.out = request;
        }
        flush(c);
    }

    void open(std::size_t i, const sockaddr_in& address) {
        Conn& c = conns[i];
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) fail(std::string("socket: ") + std::strerror(errno));
        if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS)
            fail(std::string("connect: ") + std::strerror(errno));
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.u64 = i;
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c.fd, &ev);
    }

    void poll_once(int timeout_ms) {
        epoll_event events[256];
        const int n = epoll_wait(epoll_fd, events, 256, timeout_ms);
        for (int k = 0; k < n; ++k) {
            if (events[k].data.u64 == ~std::uint64_t{0}) {
                stdin_ready = true;
                continue;
            }
            Conn& c = conns[events[k].data.u64];
            if (c.state == State::closed) continue;
            if (events[k].events & (EPOLLOUT | EPOLLERR)) on_writable(c);
            if (c.state != State::closed && events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
        }
    }

    bool stdin_ready = false;
    // REX_BENCH_CLIENT_ACKS=delayed: hold ACKs like a client with delayed ACKs (TCP_QUICKACK off
    // after each read) instead of acknowledging each small message as it is read.
    bool delayed_acks = false;
};

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6 && argc != 7) fail("usage: load_client HOST PORT COUNT EXPECTED LATENCY_FILE [EVENTS_FILE]");
    Client client;
    client.host = argv[1];
    if (const char* acks = std::getenv("REX_BENCH_CLIENT_ACKS")) client.delayed_acks = std::string_view(acks) == "delayed";
    const int port = std::atoi(argv[2]);
    const std::size_t count = std::strtoull(argv[3], nullptr, 10);
    client.expected = std::strtoull(argv[4], nullptr, 10);
    const std::string latency_file = argv[5];
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, client.host.c_str(), &address.sin_addr) != 1) fail("HOST must be an IPv4 address: " + client.host);
    client.request = "GET /changes HTTP/1.1\r\nHost: " + client.host + ":" + argv[2] +
                     "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n";
    client.latencies.resize(client.expected);
    client.sent_at.resize(client.expected);
    client.conns.resize(count);
    client.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    epoll_event in{};
    in.events = EPOLLIN;
    in.data.u64 = ~std::uint64_t{0};
    epoll_ctl(client.epoll_fd, EPOLL_CTL_ADD, 0, &in);

    // Connect in batches of 200, as bench.mjs does (a burst of 10 000 SYNs overflows the backlog).
    constexpr std::size_t batch = 200;
    for (std::size_t i = 0; i < count; i += batch) {
        const auto end = std::min(count, i + batch);
        for (std::size_t j = i; j < end; ++j) client.open(j, address);
        while (client.subscribed < end) client.poll_once(100);
    }
    std::printf("{\"ready\":true}\n");
    std::fflush(stdout);

    double measured_from = -1e300;  // the writer's clock: events written before it are the warm-up
    const double cpu_start = cpu_seconds();
    double next_progress = now_ms() + 50;
    for (;;) {
        client.poll_once(10);
        if (now_ms() >= next_progress) {
            std::printf("{\"delivered\":%zu}\n", client.delivered);
            std::fflush(stdout);
            next_progress = now_ms() + 50;
        }
        if (client.stdin_ready) {
            char line[64];
            const auto n = ::read(0, line, sizeof line);
            client.stdin_ready = false;
            const std::string_view text(line, n > 0 ? static_cast<std::size_t>(n) : 0);
            if (n <= 0 || text.find("report") != std::string_view::npos) {
                if (const auto at = text.find(' '); at != std::string_view::npos) measured_from = std::strtod(std::string(text.substr(at + 1)).c_str(), nullptr);
                break;
            }
        }
    }
    const double cpu = cpu_seconds() - cpu_start;
    const auto kept = std::min(client.delivered, client.expected);
    std::vector<double> measured, warmup;
    for (std::size_t i = 0; i < kept; ++i) (client.sent_at[i] >= measured_from ? measured : warmup).push_back(client.latencies[i]);
    const auto write = [](const std::string& file, const std::vector<double>& values) {
        FILE* out = std::fopen(file.c_str(), "wb");
        if (!out || std::fwrite(values.data(), sizeof(double), values.size(), out) != values.size() || std::fclose(out) != 0)
            fail("cannot write " + file);
    };
    write(latency_file, measured);
    write(latency_file + ".warmup", warmup);
    if (argc == 7) {
        std::vector<std::pair<double, std::pair<double, double>>> events(client.arrivals.begin(), client.arrivals.end());
        std::sort(events.begin(), events.end());
        FILE* out = std::fopen(argv[6], "w");
        if (!out) fail(std::string("cannot write ") + argv[6]);
        for (const auto& [sent, when] : events) std::fprintf(out, "%.3f %.3f %.3f\n", sent, when.first - sent, when.second - when.first);
        if (std::fclose(out) != 0) fail(std::string("cannot write ") + argv[6]);
    }
    std::vector<double> first, spread;
    for (const auto& [sent, when] : client.arrivals) {
        if (sent < measured_from) continue;
        first.push_back(when.first - sent);
        spread.push_back(when.second - when.first);
    }
    const auto pct = [](std::vector<double>& v, double p) {
        if (v.empty()) return 0.0;
        std::sort(v.begin(), v.end());
        return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100 * static_cast<double>(v.size())))];
    };
    std::printf("{\"final\":true,\"delivered\":%zu,\"closed\":%zu,\"client_cpu_s\":%.3f,\"first_p50_ms\":%.3f,\"first_p99_ms\":%.3f,"
                "\"spread_p50_ms\":%.3f,\"spread_p99_ms\":%.3f}\n",
                client.delivered, client.closed, cpu, pct(first, 50), pct(first, 99), pct(spread, 50), pct(spread, 99));
    std::fflush(stdout);
    return 0;
}

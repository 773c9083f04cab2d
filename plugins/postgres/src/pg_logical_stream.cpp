#include "pg_logical_stream.hpp"

#include "pg_change_feed.hpp"
#include "pg_cursor.hpp"

#include <rex/sdk/error.hpp>

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string_view>

namespace rex::postgres::logical {

namespace {

using Clock = std::chrono::steady_clock;

// Sent unasked at least this often (the server's wal_sender_timeout is 60 s by default).
constexpr auto status_interval = std::chrono::seconds(10);
// The protocol's clock: microseconds since 2000-01-01 UTC.
constexpr std::int64_t epoch_2000_us = 946'684'800'000'000;

std::uint64_t read_u64(const char* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

void write_u64(char* p, std::uint64_t v) {
    for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
}

// wal2json format 2 writes each message as {"action":"X",…}.
char action_of(std::string_view message) {
    constexpr std::string_view head = "{\"action\":\"";
    return message.starts_with(head) && message.size() > head.size() ? message[head.size()] : '\0';
}

// The first "table" key is the message's own (columns come after it, and values are escaped).
bool is_table_list(std::string_view message) {
    constexpr std::string_view key = ",\"table\":\"rex_capture_tables\"";
    const auto at = message.find(",\"table\":\"");
    return at != std::string_view::npos && message.substr(at, key.size()) == key;
}

}  // namespace

std::string lsn_text(Lsn lsn) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xffffffffU));
    return buffer;
}

Lsn parse_lsn(std::string_view text) {
    unsigned hi = 0, lo = 0;
    if (std::sscanf(std::string(text).c_str(), "%X/%X", &hi, &lo) != 2)
        raise({ErrorCategory::invalid_value, "capture: '" + std::string(text) + "' is not a WAL position", {}, {}});
    return (static_cast<Lsn>(hi) << 32) | lo;
}

LogicalStream::LogicalStream(PGconn* session, const StreamStart& start) : skip_through_(start.start) {
    // The session's own parameters (host, port, user, password, TLS…), as a replication connection.
    std::vector<std::string> keys, values;
    if (PQconninfoOption* options = PQconninfo(session)) {
        for (auto* o = options; o->keyword; ++o) {
            if (!o->val || std::string_view(o->keyword) == "replication") continue;
            keys.emplace_back(o->keyword);
            values.emplace_back(o->val);
        }
        PQconninfoFree(options);
    }
    keys.emplace_back("replication");
    values.emplace_back("database");
    std::vector<const char*> k, v;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        k.push_back(keys[i].c_str());
        v.push_back(values[i].c_str());
    }
    k.push_back(nullptr);
    v.push_back(nullptr);
    conn_ = PQconnectdbParams(k.data(), v.data(), 0);
    // A constructor that throws runs no destructor: the feeder retries every few seconds (a role
    // without REPLICATION fails each time), so the connection is closed here, not leaked.
    try {
        if (PQstatus(conn_) != CONNECTION_OK) fail("the replication connection failed");
        std::string tables = "*.rex_capture_tables";
        if (!start.add_tables.empty()) tables += "," + start.add_tables;
        const auto sql = "START_REPLICATION SLOT " + quote_identifier(start.slot) + " LOGICAL " + lsn_text(start.start) +
                         " (\"format-version\" '2', \"include-timestamp\" '1', \"include-pk\" '1', \"add-tables\" " + quote_literal(tables) + ")";
        ResultPtr r(PQexec(conn_, sql.c_str()));
        if (PQresultStatus(r.get()) != PGRES_COPY_BOTH) fail("START_REPLICATION failed");
    } catch (...) {
        if (conn_) PQfinish(conn_);
        conn_ = nullptr;
        throw;
    }
    last_commit_ = confirmed_ = start.start;
    last_status_ = Clock::now();
}

LogicalStream::~LogicalStream() {
    if (conn_) PQfinish(conn_);
}

void LogicalStream::fail(std::string_view what) {
    std::string message = "capture: " + std::string(what) + " (logical slot stream): " + (conn_ ? PQerrorMessage(conn_) : "");
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    raise({ErrorCategory::connection, std::move(message), {}, {}});
}

void LogicalStream::status_update(Lsn flushed, bool reply_requested) {
    char m[34];
    m[0] = 'r';
    write_u64(m + 1, flushed);  // written
    write_u64(m + 9, flushed);  // flushed: the server may recycle WAL below it, decoding resumes after it
    write_u64(m + 17, flushed);  // applied
    const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    write_u64(m + 25, static_cast<std::uint64_t>(now_us - epoch_2000_us));
    m[33] = reply_requested ? 1 : 0;
    if (PQputCopyData(conn_, m, sizeof m) != 1 || PQflush(conn_) < 0) fail("sending the standby status failed");
    last_status_ = Clock::now();
}

void LogicalStream::confirm() {
    confirmed_ = last_commit_;
    status_update(confirmed_);
}

void LogicalStream::handle(const char* data, std::size_t size, Received& out, std::size_t& changes) {
    if (size < 1) return;
    if (data[0] == 'k' && size >= 18) {  // keepalive: walEnd, clock, reply requested
        // Every commit below walEnd has been received (the stream is in order), so it counts as
        // received through: with no commit in this database for a while (others writing), the
        // slot still moves on and does not hold the server's WAL.
        if (!stop_) last_commit_ = std::max(last_commit_, read_u64(data + 1));
        if (data[17]) status_update(confirmed_);
        return;
    }
    if (data[0] != 'w' || size < 25) return;
    // XLogData: start (for a commit message: the end of its commit record), walEnd, clock, message.
    const Lsn at = read_u64(data + 1);
    const std::string_view message(data + 25, size - 25);
    switch (action_of(message)) {
    case 'B':
        open_changes_.clear();
        open_count_ = 0;
        open_touches_tables_ = false;
        break;
    case 'I':
    case 'U':
    case 'D':
        if (is_table_list(message)) {
            open_touches_tables_ = true;
            break;
        }
        open_changes_ += open_count_ ? "," : "";
        open_changes_ += message;
        ++open_count_;
        break;
    case 'C':
        if (open_count_ && at > skip_through_) {
            DecodedTransaction t;
            t.commit_lsn = at;
            t.changes = open_count_;
            t.json.reserve(open_changes_.size() + message.size() + 48);
            t.json += "{\"lsn\":\"" + lsn_text(at) + "\",\"commit\":";
            t.json += message;
            t.json += ",\"changes\":[";
            t.json += open_changes_;
            t.json += "]}";
            changes += open_count_;
            out.transactions.push_back(std::move(t));
        }
        last_commit_ = std::max(last_commit_, at);
        if (open_touches_tables_) out.tables_changed = stop_ = true;
        open_changes_.clear();
        open_count_ = 0;
        open_touches_tables_ = false;
        break;
    default:
        break;  // truncate, messages: not captured
    }
}

Received LogicalStream::receive(PGconn* session, Clock::time_point deadline, std::size_t max_changes) {
    Received out;
    std::size_t changes = 0;
    while (true) {
        // Everything that has arrived, up to max_changes: libpq's buffer, then what the socket
        // holds (read without blocking), until both are empty.
        bool read_socket = false;
        while (!stop_ && changes < max_changes) {
            char* buffer = nullptr;
            const int n = PQgetCopyData(conn_, &buffer, 1);
            if (n == 0) {
                if (read_socket) break;
                if (!PQconsumeInput(conn_)) fail("reading the stream failed");
                read_socket = true;
                continue;
            }
            read_socket = false;
            if (n == -1) fail("the server ended the stream");
            if (n < 0) fail("reading the stream failed");
            const std::unique_ptr<char, decltype(&PQfreemem)> owned(buffer, &PQfreemem);
            handle(buffer, static_cast<std::size_t>(n), out, changes);
        }
        if (!out.transactions.empty() || out.tables_changed) return out;
        // Nothing to store is pending: commits that changed no captured table (the feeder's
        // own among them) are confirmed now, and the position is repeated now and then.
        if (last_commit_ > confirmed_ || Clock::now() - last_status_ >= status_interval) confirm();
        const auto now = Clock::now();
        if (now >= deadline) return out;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(std::min(deadline, last_status_ + status_interval) - now).count();
        pollfd p[2] = {{PQsocket(conn_), POLLIN, 0}, {PQsocket(session), POLLIN, 0}};
        if (::poll(p, 2, static_cast<int>(std::max<std::int64_t>(left, 0))) < 0 && errno != EINTR) fail("poll failed");
        if (p[1].revents) {
            // The session that holds the feeder lock: NOTIFYs queue in libpq; an ended session
            // means another reader may be the feeder now, so this one stops.
            if (!PQconsumeInput(session) || PQstatus(session) != CONNECTION_OK)
                raise({ErrorCategory::connection, "capture: the feeder's session ended", {}, {}});
        }
        if (p[0].revents && !PQconsumeInput(conn_)) fail("reading the stream failed");
    }
}

}  // namespace rex::postgres::logical

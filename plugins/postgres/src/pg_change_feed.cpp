#include "pg_change_feed.hpp"

#include "pg_cursor.hpp"
#include "pg_errors.hpp"
#include "pg_logical_stream.hpp"

#include <poll.h>

#include <chrono>

namespace rex::postgres {

namespace {

std::string quoted(std::string_view text, char quote) {
    std::string out(1, quote);
    for (char c : text) {
        if (c == quote) out += quote;
        out += c;
    }
    return out + quote;
}

}  // namespace

std::string quote_identifier(std::string_view identifier) { return quoted(identifier, '"'); }

std::string quote_literal(std::string_view text) { return quoted(text, '\''); }

PgChangeFeed::PgChangeFeed(PGconn* conn) : conn_(conn) {}

PgChangeFeed::~PgChangeFeed() = default;

void PgChangeFeed::command(const std::string& sql) {
    ResultPtr r(PQexec(conn_, sql.c_str()));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) raise_error(conn_, r.get(), sql);
}

void PgChangeFeed::listen(std::string_view channel) { command("LISTEN " + quote_identifier(channel)); }

void PgChangeFeed::unlisten(std::string_view channel) { command("UNLISTEN " + quote_identifier(channel)); }

std::vector<Notification> PgChangeFeed::drain() {
    std::vector<Notification> out;
    while (PGnotify* n = PQnotifies(conn_)) {
        out.push_back({n->relname, n->extra ? n->extra : ""});
        PQfreemem(n);
    }
    return out;
}

std::vector<Notification> PgChangeFeed::poll(std::chrono::milliseconds timeout) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    while (true) {
        if (!PQconsumeInput(conn_)) raise_error(conn_, nullptr, "LISTEN");
        auto found = drain();
        if (!found.empty()) return found;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return found;
        pollfd p{PQsocket(conn_), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) return found;
    }
}

}  // namespace rex::postgres

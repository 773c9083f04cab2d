// LISTEN/NOTIFY through the adapter: the raw material of the kernel's change feed. It also owns
// the capture's logical slot stream while its session is the feeder (closed with the session).
#pragma once

#include <rex/sdk/adapter.hpp>

#include <libpq-fe.h>

#include <memory>

namespace rex::postgres {

namespace logical {
class LogicalStream;
}

class PgChangeFeed final : public ChangeFeed {
public:
    explicit PgChangeFeed(PGconn* conn);
    ~PgChangeFeed() override;
    void listen(std::string_view channel) override;
    void unlisten(std::string_view channel) override;
    std::vector<Notification> poll(std::chrono::milliseconds timeout) override;
    int native_handle() const override { return PQsocket(conn_); }
    PGconn* session() const { return conn_; }
    std::unique_ptr<logical::LogicalStream>& logical_stream() { return logical_stream_; }

private:
    void command(const std::string& sql);
    std::vector<Notification> drain();

    PGconn* conn_;
    std::unique_ptr<logical::LogicalStream> logical_stream_;
};

// "name" with embedded quotes doubled.
std::string quote_identifier(std::string_view identifier);
// 'text' with embedded quotes doubled (standard_conforming_strings): for DDL that takes no
// parameters and for statements a migration records.
std::string quote_literal(std::string_view text);

}  // namespace rex::postgres

// LISTEN/NOTIFY through the adapter: the raw material of the kernel's change feed.
#pragma once

#include <rex/sdk/adapter.hpp>

#include <libpq-fe.h>

namespace rex::postgres {

class PgChangeFeed final : public ChangeFeed {
public:
    explicit PgChangeFeed(PGconn* conn) : conn_(conn) {}
    void listen(std::string_view channel) override;
    void unlisten(std::string_view channel) override;
    std::vector<Notification> poll(std::chrono::milliseconds timeout) override;
    int native_handle() const override { return PQsocket(conn_); }

private:
    void command(const std::string& sql);
    std::vector<Notification> drain();

    PGconn* conn_;
};

// "name" with embedded quotes doubled.
std::string quote_identifier(std::string_view identifier);
// 'text' with embedded quotes doubled (standard_conforming_strings): for DDL that takes no
// parameters and for statements a migration records.
std::string quote_literal(std::string_view text);

}  // namespace rex::postgres

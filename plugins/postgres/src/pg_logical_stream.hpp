// The capture's logical slot streamed over the replication protocol (a libpq connection with
// replication=database, START_REPLICATION … LOGICAL with wal2json format 2): the decoding
// context stays open on the server, so a commit reaches the feeder as soon as its WAL is
// flushed, instead of being decoded again from the slot's restart point on every poll.
// Nothing is confirmed to the server before the caller says it is stored (confirm()).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rex::postgres::logical {

using Lsn = std::uint64_t;
std::string lsn_text(Lsn lsn);  // "16/B374D848"
Lsn parse_lsn(std::string_view text);

struct StreamStart {
    std::string slot;
    Lsn start = 0;           // transactions committed at or below it are not sent again
    std::string add_tables;  // wal2json's filter (rex_capture_tables is always added)
};

// One committed transaction that changed captured tables, as the store function takes it:
// {"lsn": …, "commit": <wal2json C>, "changes": [<wal2json I/U/D>, …]}.
struct DecodedTransaction {
    Lsn commit_lsn = 0;
    std::size_t changes = 0;
    std::string json;
};

struct Received {
    std::vector<DecodedTransaction> transactions;
    bool tables_changed = false;  // rex_capture_tables changed: restart with the new filter
};

class LogicalStream {
public:
    // Connects like `session` (its conninfo, plus replication=database) and starts the slot.
    LogicalStream(PGconn* session, const StreamStart& start);
    ~LogicalStream();
    LogicalStream(const LogicalStream&) = delete;
    LogicalStream& operator=(const LogicalStream&) = delete;

    // Waits until at least one captured transaction is complete (then takes what else has
    // arrived, up to about max_changes), the table filter changed, or `deadline`. Answers
    // keepalives. Also watches `session`'s socket: the feeder whose session ended stops here.
    Received receive(PGconn* session, std::chrono::steady_clock::time_point deadline, std::size_t max_changes);
    // Everything received so far is stored (or had nothing to store): confirms it to the server,
    // which may then recycle that WAL; decoding resumes after it.
    void confirm();
    // The end of the last commit received: where a restarted stream should start.
    Lsn received_through() const { return last_commit_; }

private:
    void handle(const char* data, std::size_t size, Received& out, std::size_t& changes);
    void status_update(Lsn flushed, bool reply_requested = false);
    [[noreturn]] void fail(std::string_view what);

    PGconn* conn_ = nullptr;
    Lsn last_commit_ = 0;  // end of the last commit record received (or a keepalive's position)
    Lsn confirmed_ = 0;    // sent as flushed
    Lsn skip_through_ = 0;
    std::chrono::steady_clock::time_point last_status_;
    // The transaction being received: its changes to captured tables, as JSON text.
    std::string open_changes_;
    std::size_t open_count_ = 0;
    bool open_touches_tables_ = false;
    bool stop_ = false;  // a table-filter change was received: take nothing more from this stream
};

}  // namespace rex::postgres::logical

// Change capture on PostgreSQL without superuser or replication rights: row triggers log each
// change into rex_changes with the writing transaction's id; a deferred constraint trigger
// stamps each transaction at commit with a sequence number, taken under a transaction-scoped
// advisory lock, so sequence order is commit order (docs/realtime.md explains why that and
// not id or xid order). LISTEN/NOTIFY only wakes readers. The logical mode fills the same log
// from the WAL instead (pg_logical_capture.hpp).
#pragma once

#include <rex/sdk/capture.hpp>

namespace rex::postgres {

class PgCapture final : public ChangeCapture {
public:
    void install(Connection& connection, const std::vector<std::string>& tables) override;
    void uninstall(Connection& connection, const std::vector<std::string>& tables) override;
    CaptureStatus status(Connection& connection) override;
    std::vector<CaptureBatch> read(Connection& connection, std::int64_t after, std::size_t max_batches) override;
    bool wait(Connection& connection, std::int64_t after, std::chrono::milliseconds timeout) override;
    std::int64_t prune(Connection& connection, const CaptureRetention& retention) override;
    // "logical": wal2json through a slot, fed into the same log (pg_logical_capture.hpp).
    void set_mode(Connection& connection, std::string_view mode) override;
};

}  // namespace rex::postgres

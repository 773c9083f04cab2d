// Change capture on SQLite through triggers into rex_changes. SQLite has one writer at a time
// and AUTOINCREMENT ids are taken under its write lock, so id order is commit order. Commits of
// Rex's connections in this process wake a waiting reader at once (CommitSignal); other
// processes (the sqlite3 shell, another service) are seen by polling PRAGMA data_version on the
// reader's connection, which changes when any other connection commits.
#pragma once

#include <rex/sdk/capture.hpp>

namespace rex::sqlite {

class SqliteCapture final : public ChangeCapture {
public:
    void install(Connection& connection, const std::vector<std::string>& tables) override;
    void uninstall(Connection& connection, const std::vector<std::string>& tables) override;
    CaptureStatus status(Connection& connection) override;
    std::vector<CaptureBatch> read(Connection& connection, std::int64_t after, std::size_t max_batches) override;
    bool wait(Connection& connection, std::int64_t after, std::chrono::milliseconds timeout) override;
    std::int64_t prune(Connection& connection, const CaptureRetention& retention) override;
};

}  // namespace rex::sqlite

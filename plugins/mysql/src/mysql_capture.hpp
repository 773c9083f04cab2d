// Change capture on MariaDB/MySQL through triggers. Every capture trigger first locks the one
// row of rex_capture_clock (FOR UPDATE, held to the end of the transaction): capturing
// transactions run their logged writes one after another, so the log's AUTO_INCREMENT ids are
// in commit order and a reader that sees id n sees every committed id below it. Foreign-key
// cascades fire no triggers in InnoDB, so a parent's BEFORE DELETE / BEFORE UPDATE trigger logs
// the captured rows its cascades will take along, found from the foreign-key graph.
#pragma once

#include <rex/sdk/capture.hpp>

namespace rex::mysql {

class MysqlCapture final : public ChangeCapture {
public:
    void install(Connection& connection, const std::vector<std::string>& tables) override;
    void uninstall(Connection& connection, const std::vector<std::string>& tables) override;
    CaptureStatus status(Connection& connection) override;
    std::vector<CaptureBatch> read(Connection& connection, std::int64_t after, std::size_t max_batches) override;
    bool wait(Connection& connection, std::int64_t after, std::chrono::milliseconds timeout) override;
    std::int64_t prune(Connection& connection, const CaptureRetention& retention) override;
};

}  // namespace rex::mysql

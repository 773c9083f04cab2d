// A process-wide wake-up per database file: Rex's own SQLite connections signal it after each
// commit (from SQLite's WAL hook, which runs once the commit is visible and the write lock is
// released), so a capture reader in the same process wakes at once instead of at its next
// PRAGMA data_version poll. Other processes' commits are still found by polling.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace rex::sqlite {

class CommitSignal {
public:
    std::uint64_t generation();
    void notify();
    // Waits until the generation differs from `seen` or `until` passes; returns the generation.
    std::uint64_t wait(std::uint64_t seen, std::chrono::steady_clock::time_point until);

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t generation_ = 0;
};

// The signal of the database file at `path` (as sqlite3_db_filename names it), shared by every
// connection of this process to that file.
std::shared_ptr<CommitSignal> commit_signal_for(const std::string& path);

}  // namespace rex::sqlite

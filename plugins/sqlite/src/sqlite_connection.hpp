// One SQLite database handle, used by one thread at a time.
#pragma once

#include "sqlite_commit_signal.hpp"
#include "sqlite_options.hpp"
#include "sqlite_statement_cache.hpp"
#include "sqlite_types.hpp"

#include <rex/sdk/adapter.hpp>

#include <sqlite3.h>

#include <memory>
#include <string>

namespace rex::sqlite {

class SqliteConnection final : public Connection {
public:
    explicit SqliteConnection(const SqliteOptions& options);
    ~SqliteConnection() override;

    std::unique_ptr<Cursor> query(std::string_view sql, const Params& params) override;
    ResultSet execute(std::string_view sql, const Params& params = {}) override;
    std::int64_t visit_rows(std::string_view sql, std::span<const Value> params, RowVisitor visitor) override;
    std::vector<StatementOutcome> execute_batch(std::string_view sql, ValueRows rows,
                                                const std::vector<std::size_t>& parameter_map) override;
    void execute_script(std::string_view sql) override;
    void begin(const TransactionOptions& options) override;
    void commit() override;
    void rollback() override;
    bool in_transaction() const override;
    bool ping() override;
    bool is_usable() noexcept override { return db_ != nullptr; }
    bool is_lost() const noexcept override { return db_ == nullptr; }
    std::string_view dialect() const override { return "sqlite"; }
    std::string server_version() const override { return sqlite3_libversion(); }
    // sqlite3_interrupt: safe from another thread while the connection is open; a no-op when
    // nothing runs.
    bool cancel() noexcept override {
        if (!db_) return false;
        sqlite3_interrupt(db_);
        return true;
    }

    // The same-process commit wake-up of this connection's database file (null in memory), and
    // the longest pause between PRAGMA data_version polls for other processes' commits.
    CommitSignal* commit_signal() const noexcept { return commit_signal_.get(); }
    int capture_poll_ms() const noexcept { return capture_poll_ms_; }
    int autocheckpoint_pages() const noexcept { return autocheckpoint_pages_; }

private:
    void watch_commits();
    PreparedStatement* prepare(std::string_view sql);
    // The statement for `sql`, with every parameter bound.
    // Binds params (params[map[k]] as parameter k + 1 when a map is given).
    void bind_all(PreparedStatement& statement, std::span<const Value> params, BindLifetime lifetime,
                  const std::vector<std::size_t>& map = {});
    PreparedStatement* bound(std::string_view sql, std::span<const Value> params, BindLifetime lifetime);
    void run(const char* sql);
    void set_journal_mode(std::string_view mode, int busy_timeout_ms);

    sqlite3* db_ = nullptr;
    std::shared_ptr<StatementCache> cache_;  // shared with cursors, which may outlive nothing else
    bool read_only_transaction_ = false;
    std::shared_ptr<CommitSignal> commit_signal_;
    int capture_poll_ms_ = 10;
    int autocheckpoint_pages_ = 0;  // the WAL hook replaces SQLite's auto-checkpoint: it does its work
};

}  // namespace rex::sqlite

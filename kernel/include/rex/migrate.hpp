// Schema migrations: ordered, checksummed, reversible changes, applied once even when several
// runners start at the same time. docs/migrations.md describes the folder format.
//
//   auto migrations = rex::read_migrations("migrations");     // <id>/up.sql, <id>/down.sql
//   rex::MigrationRunner runner(kernel, url, migrations);
//   runner.up();                                              // every pending one, in order
//   for (const auto& s : runner.status()) ...
#pragma once

#include <rex/kernel.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rex {

// One schema change: SQL scripts (from files) or C++ functions (embedded use).
struct REX_KERNEL_API Migration {
    std::string id;  // "20261125093000_create_users"; migrations run in id order
    std::string up_sql;
    std::string down_sql;                        // empty: cannot be rolled back
    std::function<void(Connection&)> up_code;    // code migrations: used instead of the scripts
    std::function<void(Connection&)> down_code;
    std::string checksum;                        // of up_sql, or chosen by the author for code
    std::filesystem::path source;                // the folder, for messages; empty for code

    // A migration written in C++. Change `revision` when you change what `up` does, so that
    // status reports databases migrated with the old version.
    static Migration code(std::string id, std::function<void(Connection&)> up, std::function<void(Connection&)> down = {},
                          std::string_view revision = "1");
    bool reversible() const { return down_code || !down_sql.empty(); }
};

// Reads <dir>/<id>/up.sql (required) and down.sql (optional), sorted by id. Folders whose
// name does not start with a digit are ignored. A bad folder is a ConfigurationError naming it.
REX_KERNEL_API std::vector<Migration> read_migrations(const std::filesystem::path& dir);
// Writes <dir>/<UTC yyyymmddHHMMSS>_<name>/{up.sql,down.sql} and returns the folder. The name
// may hold letters, digits and '_'.
REX_KERNEL_API std::filesystem::path create_migration(const std::filesystem::path& dir, std::string_view name);
// "fnv1a64:<16 hex digits>" of the text with line endings normalised to \n.
REX_KERNEL_API std::string migration_checksum(std::string_view text);

// One statement of a script, with the line it starts on (1-based).
struct ScriptStatement {
    std::string sql;
    int line = 1;
};
// Splits a script on ';' outside quotes, comments, PostgreSQL dollar quotes and trigger
// bodies (CREATE TRIGGER ... BEGIN ... END). Empty statements are dropped.
REX_KERNEL_API std::vector<ScriptStatement> split_sql_script(std::string_view script);

enum class MigrationState {
    applied,
    pending,
    changed,  // applied, but its file changed since (checksum mismatch)
    partial,  // stopped in the middle where DDL is not transactional (MySQL); `up` resumes it
    missing,  // recorded as applied, but no such migration is known any more
};
REX_KERNEL_API std::string_view to_string(MigrationState state) noexcept;

struct MigrationStatus {
    std::string id;
    MigrationState state = MigrationState::pending;
    std::optional<Timestamp> applied_at;
    int statements_done = 0;  // for partial ones
};

struct MigrationOptions {
    std::string history_table = "rex_migrations";
    // How long to wait for another runner to finish before giving up.
    std::chrono::milliseconds lock_timeout{120'000};
    // Progress lines ("applying 20261125093000_create_users (3 statements)"); may be empty.
    std::function<void(const std::string&)> progress;
};

class REX_KERNEL_API MigrationRunner {
public:
    MigrationRunner(Kernel& kernel, std::string url, std::vector<Migration> migrations, MigrationOptions options = {});
    ~MigrationRunner();
    MigrationRunner(const MigrationRunner&) = delete;
    MigrationRunner& operator=(const MigrationRunner&) = delete;

    // Known and recorded migrations, in id order.
    std::vector<MigrationStatus> status();
    // Applies every pending migration in order, each in its own transaction where the database
    // has transactional DDL; returns the ids applied. Refuses to run while an applied migration
    // has changed. A failure names the migration, the statement and its line, and says what
    // was kept.
    std::vector<std::string> up();
    // Rolls back the last `steps` applied migrations, newest first; returns their ids.
    std::vector<std::string> down(int steps = 1);
    // Rolls back every applied migration after `id` (which stays applied).
    std::vector<std::string> down_to(std::string_view id);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace rex

// What a sqlite: URL asks for.
//   sqlite::memory:                 a private in-memory database
//   sqlite:relative/file.db         a file, relative to the working directory
//   sqlite:/abs/file.db, sqlite:///abs/file.db
// Options: busy_timeout=<ms> (5000), mode=ro|rw|rwc (rwc), journal=wal|delete (wal for files),
// foreign_keys=on|off (on), capture_poll=<ms> (10: the longest pause of a capture reader's
// PRAGMA data_version polling, which sees other processes' commits; this process's are signalled).
#pragma once

#include <string>
#include <string_view>

namespace rex::sqlite {

enum class OpenMode { read_only, read_write, read_write_create };
enum class Journal { wal, rollback };

struct SqliteOptions {
    std::string path;  // ":memory:" for memory
    int busy_timeout_ms = 5000;
    OpenMode mode = OpenMode::read_write_create;
    Journal journal = Journal::wal;
    bool foreign_keys = true;
    int capture_poll_ms = 10;

    bool in_memory() const { return path == ":memory:"; }
};

// Throws ConfigurationError naming the URL and the offending part.
SqliteOptions parse_options(std::string_view url);

}  // namespace rex::sqlite

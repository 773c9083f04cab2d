// rex init: a commented config for the embedded SQLite default, and an empty migrations folder.
#include "commands.hpp"
#include "exit_codes.hpp"

#include <rex/sdk/error.hpp>

#include <fstream>
#include <iostream>

namespace rex::cli {

namespace {

constexpr const char* config_text = R"(// Rex configuration, read by `rex` and `rex-host` (docs/cli.md, docs/rex-host.md).
// Every key is optional; unknown keys are errors. Relative paths start at this file's folder.
{
  // The database: sqlite:<file>, postgres://user:password@host:port/db, mysql://user:password@host:port/db.
  // For rex, REX_DATABASE_URL or --url take the place of this one when given (--url first);
  // rex-host reads it from here. A relative sqlite: path is taken from this file's folder.
  "database": {"url": "sqlite:rex.db"},

  // Where `rex migrate` finds migrations (one folder each: <id>/up.sql, <id>/down.sql) and
  // the table that records which ones are applied.
  "migrations": {"path": "migrations", "table": "rex_migrations"},

  // Plugin folders and, optionally, which plugins to load (default: every plugin found).
  // "plugins": {"paths": ["/usr/local/lib/rex/plugins"], "load": ["sqlite", "postgres"]},

  // rex-host's HTTP server.
  "http": {"address": "127.0.0.1", "port": 8080},

  // trace, debug (every SQL statement), info, warn, error, off.
  "log": {"level": "info"}
}
)";

}  // namespace

int run_init(const InitOptions& options) {
    const std::filesystem::path file = options.file;
    std::error_code ec;
    if (std::filesystem::exists(file, ec) && !options.force)
        raise({ErrorCategory::configuration, file.string() + " already exists (use --force to overwrite it)", {}, {}});
    std::ofstream out(file, std::ios::trunc);
    out << config_text;
    if (!out) raise({ErrorCategory::configuration, file.string() + ": cannot write the file", {}, {}});
    const auto migrations = (file.has_parent_path() ? file.parent_path() : std::filesystem::path(".")) / "migrations";
    std::filesystem::create_directories(migrations);
    std::cout << "wrote " << file.string() << " (SQLite database rex.db) and created " << migrations.string() << "/\n"
              << "next: rex --config " << file.string() << " migrate create <name>\n";
    return exit_ok;
}

}  // namespace rex::cli

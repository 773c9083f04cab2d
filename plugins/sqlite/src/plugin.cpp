// The plugin's one entry point: registers the SQLite adapter and dialect.
#include "sqlite_adapter.hpp"
#include "sqlite_dialect.hpp"

#include <rex/sdk/plugin_entry.hpp>

#include <sqlite3.h>

#include <memory>

namespace {

void register_extensions(rex::Registrar& registrar) {
    registrar.add_adapter(std::make_shared<rex::sqlite::SqliteAdapter>());
    registrar.add_dialect(std::make_shared<rex::sqlite::SqliteDialect>());
}

}  // namespace

REX_PLUGIN("sqlite", "0.1.0", "SQLite adapter and dialect (sqlite3 " SQLITE_VERSION ")", register_extensions)

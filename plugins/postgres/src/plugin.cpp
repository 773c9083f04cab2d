// The plugin's one entry point: registers the PostgreSQL adapter and dialect.
#include "pg_adapter.hpp"
#include "pg_dialect.hpp"

#include <rex/sdk/plugin_entry.hpp>

#include <memory>

namespace {

void register_extensions(rex::Registrar& registrar) {
    registrar.add_adapter(std::make_shared<rex::postgres::PgAdapter>());
    registrar.add_dialect(std::make_shared<rex::postgres::PgDialect>());
}

}  // namespace

REX_PLUGIN("postgres", "0.1.0", "PostgreSQL adapter (libpq) and dialect", register_extensions)

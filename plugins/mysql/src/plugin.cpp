// The plugin's one entry point: registers the MySQL/MariaDB adapter and dialect.
#include "mysql_adapter.hpp"
#include "mysql_dialect.hpp"

#include <rex/sdk/plugin_entry.hpp>

#include <memory>

namespace {

void register_extensions(rex::Registrar& registrar) {
    registrar.add_adapter(std::make_shared<rex::mysql::MysqlAdapter>());
    registrar.add_dialect(std::make_shared<rex::mysql::MysqlDialect>());
}

}  // namespace

REX_PLUGIN("mysql", "0.1.0", "MySQL/MariaDB adapter (libmariadb) and dialect", register_extensions)

#include "sqlite_adapter.hpp"

#include "sqlite_connection.hpp"
#include "sqlite_options.hpp"

namespace rex::sqlite {

std::unique_ptr<Connection> SqliteAdapter::connect(const ConnectOptions& options) {
    return std::make_unique<SqliteConnection>(parse_options(options.url));
}

}  // namespace rex::sqlite

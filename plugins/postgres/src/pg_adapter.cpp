#include "pg_adapter.hpp"

#include "pg_connection.hpp"

namespace rex::postgres {

std::unique_ptr<Connection> PgAdapter::connect(const ConnectOptions& options) {
    const auto seconds = static_cast<int>((options.connect_timeout.count() + 999) / 1000);
    return std::make_unique<PgConnection>(parse_options(options.url, options.application_name, seconds), options.logger);
}

}  // namespace rex::postgres

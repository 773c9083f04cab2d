#include "mysql_adapter.hpp"

#include "mysql_connection.hpp"

#include <mysql.h>

namespace rex::mysql {

// The client library's global state is set up once here, on the loading thread, so that
// connections opened later from many threads never race to initialise it.
MysqlAdapter::MysqlAdapter() { mysql_library_init(0, nullptr, nullptr); }

MysqlAdapter::~MysqlAdapter() = default;  // mysql_library_end would break other users in-process

std::unique_ptr<Connection> MysqlAdapter::connect(const ConnectOptions& options) {
    const auto seconds = static_cast<unsigned>((options.connect_timeout.count() + 999) / 1000);
    auto connection = std::make_unique<MysqlConnection>(parse_options(options.url, seconds));
    mysql_thread_end();  // per-thread client state is not kept for pool threads
    return connection;
}

}  // namespace rex::mysql

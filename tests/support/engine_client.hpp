// Runs SQL through a database engine's own command-line client (sqlite3, psql, mariadb), as
// another program writing to the database would: capture tests write this way.
#pragma once

#include <string>

namespace rex::test {

// `engine` is "sqlite", "postgres" or "mysql"; `url` the Rex URL of the database. Fails the
// running Catch2 test (with the client's stderr) when the client exits non-zero.
void engine_client(const std::string& engine, const std::string& url, const std::string& sql);

}  // namespace rex::test

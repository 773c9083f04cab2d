// What a postgres:// URL asks for.
//   postgres://user:password@host:port/dbname?sslmode=..&connect_timeout=..&application_name=..
// Rex options: prepared_statements=on|off (on; off keeps no named server-side statements, for
// PgBouncer in transaction mode), statement_cache_size=N (128), binary_results=on|off (on: a
// prepared statement whose columns all have binary decoders gets its rows in the binary format
// from its second run on; see pg_binary.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rex::postgres {

struct PgOptions {
    std::vector<std::pair<std::string, std::string>> conninfo;  // libpq keywords and values
    std::string redacted_url;
    bool prepared_statements = true;
    std::size_t statement_cache_size = 128;
    bool binary_results = true;
};

// Throws ConfigurationError naming the (redacted) URL and the offending option.
PgOptions parse_options(std::string_view url, std::string_view application_name, int connect_timeout_s);

}  // namespace rex::postgres

// What a mysql:// (or mariadb://) URL asks for.
//   mysql://user:password@host:port/database?connect_timeout=10&ssl_mode=..&unix_socket=..
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rex::mysql {

struct MysqlOptions {
    std::string redacted_url;
    std::string host = "localhost";
    std::uint16_t port = 3306;
    std::string user;
    std::string password;
    std::string database;
    std::string unix_socket;
    unsigned connect_timeout_s = 10;
    std::string ssl_mode;  // "", disabled, required, verify_ca, verify_identity
    std::size_t statement_cache_size = 64;
};

MysqlOptions parse_options(std::string_view url, unsigned default_connect_timeout_s);

}  // namespace rex::mysql

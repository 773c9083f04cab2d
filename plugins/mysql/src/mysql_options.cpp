#include "mysql_options.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <charconv>

namespace rex::mysql {

namespace {

[[noreturn]] void bad(const std::string& url, const std::string& why) {
    raise({ErrorCategory::configuration, "invalid mysql URL '" + url + "': " + why, {}, {}});
}

template <class T>
T number(const std::string& url, const std::string& key, const std::string& value) {
    T n{};
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size()) bad(url, "option " + key + "=" + value + " must be a number");
    return n;
}

}  // namespace

MysqlOptions parse_options(std::string_view text, unsigned default_connect_timeout_s) {
    const auto url = parse_url(text);
    MysqlOptions o;
    o.redacted_url = url.redacted();
    if (url.scheme != "mysql" && url.scheme != "mariadb") bad(o.redacted_url, "scheme must be mysql or mariadb");
    if (!url.has_authority) bad(o.redacted_url, "expected mysql://user:password@host:port/database");
    if (!url.host.empty()) o.host = url.host;
    if (url.port) o.port = *url.port;
    o.user = url.user;
    o.password = url.password;
    o.database = url.path.starts_with('/') ? url.path.substr(1) : url.path;
    o.connect_timeout_s = default_connect_timeout_s;
    if (o.connect_timeout_s == 0) bad(o.redacted_url, "the connect timeout must be at least 1 second");
    for (const auto& [key, value] : url.options) {
        if (key == "connect_timeout") {
            o.connect_timeout_s = number<unsigned>(o.redacted_url, key, value);
            // The client library reads 0 as "no timeout of its own": refused, so an attempt always ends.
            if (o.connect_timeout_s == 0)
                bad(o.redacted_url, "option connect_timeout=0 must be a whole number of seconds, at least 1");
        } else if (key == "ssl_mode") {
            if (value != "disabled" && value != "required" && value != "verify_ca" && value != "verify_identity")
                bad(o.redacted_url, "option ssl_mode=" + value + " must be disabled, required, verify_ca or verify_identity");
            o.ssl_mode = value;
        } else if (key == "unix_socket") {
            o.unix_socket = value;
        } else if (key == "charset") {
            if (value != "utf8mb4") bad(o.redacted_url, "option charset=" + value + ": Rex always uses utf8mb4");
        } else if (key == "statement_cache_size") {
            o.statement_cache_size = number<std::size_t>(o.redacted_url, key, value);
        } else {
            bad(o.redacted_url, "unknown option '" + key +
                                    "' (known: connect_timeout, ssl_mode, unix_socket, charset, statement_cache_size)");
        }
    }
    return o;
}

}  // namespace rex::mysql

#include "pg_options.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <charconv>

namespace rex::postgres {

namespace {

[[noreturn]] void bad(const std::string& url, const std::string& why) {
    raise({ErrorCategory::configuration, "invalid postgres URL '" + url + "': " + why, {}, {}});
}

}  // namespace

PgOptions parse_options(std::string_view text, std::string_view application_name, int connect_timeout_s) {
    const auto url = parse_url(text);
    PgOptions o;
    o.redacted_url = url.redacted();
    if (url.scheme != "postgres" && url.scheme != "postgresql") bad(o.redacted_url, "scheme must be postgres or postgresql");
    if (!url.has_authority) bad(o.redacted_url, "expected postgres://user:password@host:port/dbname");
    auto add = [&](std::string key, std::string value) {
        if (!value.empty()) o.conninfo.emplace_back(std::move(key), std::move(value));
    };
    add("host", url.host.empty() ? "localhost" : url.host);
    if (url.port) add("port", std::to_string(*url.port));
    add("user", url.user);
    add("password", url.password);
    std::string db = url.path;
    if (!db.empty() && db.front() == '/') db.erase(0, 1);
    if (db.find('/') != std::string::npos) bad(o.redacted_url, "the database name may not contain '/'");
    add("dbname", db);
    add("client_encoding", "UTF8");
    bool have_app = false, have_timeout = false;
    for (const auto& [key, value] : url.options) {
        if (key == "sslmode" || key == "sslrootcert" || key == "sslcert" || key == "sslkey" || key == "target_session_attrs") {
            add(key, value);
        } else if (key == "connect_timeout") {
            int seconds = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
            // libpq reads 0 as "wait forever": refused, so a connection attempt always ends.
            if (ec != std::errc() || end != value.data() + value.size() || seconds < 1)
                bad(o.redacted_url, "option connect_timeout=" + value + " must be a whole number of seconds, at least 1");
            add(key, value);
            have_timeout = true;
        } else if (key == "application_name") {
            add(key, value);
            have_app = true;
        } else if (key == "prepared_statements" || key == "binary_results") {
            bool& flag = key == "prepared_statements" ? o.prepared_statements : o.binary_results;
            if (value == "on" || value == "true" || value == "1") flag = true;
            else if (value == "off" || value == "false" || value == "0") flag = false;
            else bad(o.redacted_url, "option " + key + "=" + value + " must be on or off");
        } else if (key == "statement_cache_size") {
            std::size_t n = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc() || end != value.data() + value.size())
                bad(o.redacted_url, "option statement_cache_size=" + value + " must be a number");
            o.statement_cache_size = n;
        } else {
            bad(o.redacted_url, "unknown option '" + key +
                                    "' (known: sslmode, sslrootcert, sslcert, sslkey, connect_timeout, application_name, "
                                    "target_session_attrs, prepared_statements, statement_cache_size, binary_results)");
        }
    }
    if (!have_app) add("application_name", std::string(application_name));
    if (!have_timeout) {
        if (connect_timeout_s < 1) bad(o.redacted_url, "the connect timeout must be at least 1 second");
        add("connect_timeout", std::to_string(connect_timeout_s));
    }
    return o;
}

}  // namespace rex::postgres

#include "engine_client.hpp"

#include "subprocess.hpp"

#include <rex/sdk/url.hpp>

#include <catch2/catch.hpp>

#include <vector>

namespace rex::test {

void engine_client(const std::string& engine, const std::string& url, const std::string& sql) {
    ProcessOptions options;
    options.stdin_text = sql;
    options.timeout_seconds = 120;
    std::vector<std::string> argv;
    if (engine == "sqlite") {
        argv = {"/usr/bin/sqlite3", "-bail", "-cmd", ".timeout 10000", url.substr(std::string("sqlite:").size())};
    } else if (engine == "postgres") {
        argv = {"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url};
    } else {
        const auto u = parse_url(url);
        auto db = u.path;
        if (!db.empty() && db[0] == '/') db.erase(0, 1);
        argv = {"/usr/bin/mariadb", "-h", u.host, "-P", std::to_string(u.port.value_or(3306)), "-u", u.user, "-p" + u.password, db};
    }
    const auto r = run_process(argv, options);
    INFO(argv[0] << ": " << r.err);
    REQUIRE(r.exit_code == 0);
}

}  // namespace rex::test

#include "context.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <unistd.h>

namespace rex::conformance {

Kernel& kernel() {
    static Kernel k(LogLevel::off);
    static const bool loaded = [] {
        k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
        return true;
    }();
    (void)loaded;
    return k;
}

bool available() {
    if (!backend().url.empty()) return true;
    const char* required = std::getenv("REX_REQUIRE_SERVERS");
    if (required && std::string(required) == "1") {
        FAIL(backend().url_variable << " is not set but REX_REQUIRE_SERVERS=1");
    }
    WARN("skipped: " << backend().url_variable << " is not set (start servers with tools/test-servers.sh)");
    return false;
}

std::shared_ptr<Connection> connect() { return kernel().connect(backend().url); }

const Dialect& dialect() {
    static const auto d = kernel().dialect(kernel().adapter_for_url(backend().url)->dialect());
    return *d;
}

std::string sql(const std::string& text) {
    std::string out;
    std::size_t n = 0;
    for (char c : text) {
        if (c == '?')
            out += dialect().placeholder(++n);
        else
            out += c;
    }
    return out;
}

std::string table(const std::string& stem) { return "rex_conf_" + stem + "_" + std::to_string(::getpid()); }

void drop_table(Connection& c, const std::string& name) {
    c.execute("DROP TABLE IF EXISTS " + dialect().quote_identifier(name));
}

}  // namespace rex::conformance

#include "capture_support.hpp"

#include "context.hpp"

#include <rex/schema.hpp>
#include <rex/sdk/url.hpp>

#include <catch2/catch.hpp>
#include <subprocess.hpp>

namespace rex::capture_test {

using namespace rex::conformance;

ChangeCapture& capture() {
    auto* c = kernel().adapter_for_url(backend().url)->capture();
    REQUIRE(c != nullptr);
    return *c;
}

const std::string& engine() { return backend().name; }

void client(const std::string& sql) {
    test::ProcessOptions options;
    options.stdin_text = sql;
    options.timeout_seconds = 120;
    std::vector<std::string> argv;
    if (engine() == "sqlite") {
        argv = {"/usr/bin/sqlite3", "-bail", "-cmd", ".timeout 10000", backend().url.substr(std::string("sqlite:").size())};
    } else if (engine() == "postgres") {
        argv = {"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", backend().url};
    } else {
        const auto url = parse_url(backend().url);
        auto db = url.path;
        if (!db.empty() && db[0] == '/') db.erase(0, 1);
        argv = {"/usr/bin/mariadb", "-h", url.host, "-P", std::to_string(url.port.value_or(3306)), "-u", url.user,
                "-p" + url.password, db};
    }
    const auto r = test::run_process(argv, options);
    INFO(argv[0] << ": " << r.err);
    REQUIRE(r.exit_code == 0);
}

std::string q(const std::string& identifier) { return dialect().quote_identifier(identifier); }

std::string make_table(Connection& c, const std::string& stem) {
    const auto name = table(stem);
    drop_table(c, name);
    TableSchema t;
    t.name = name;
    const std::pair<const char*, ColumnType> columns[] = {
        {"id", LogicalType::int64},     {"name", ColumnType(LogicalType::string, 80)}, {"price", ColumnType::decimal(10, 2)},
        {"ratio", LogicalType::float64}, {"active", LogicalType::boolean}, {"born", LogicalType::date},
        {"seen", LogicalType::timestamp}, {"data", LogicalType::bytes}};
    for (const auto& [column, type] : columns) {
        ColumnSchema col;
        col.name = column;
        col.type = type;
        col.primary_key = std::string(column) == "id";
        col.nullable = !col.primary_key;
        t.columns.push_back(col);
    }
    for (const auto& sql : create_table_sql(t, dialect())) c.execute(sql);
    capture().install(c, {name});
    return name;
}

std::int64_t last_position() {
    auto c = connect();
    return capture().status(*c).last_position;
}

std::string row_insert(const std::string& name, int id, const std::string& text) {
    return "INSERT INTO " + q(name) + " (id, name) VALUES (" + std::to_string(id) + ", '" + text + "')";
}

}  // namespace rex::capture_test

// Loads the Chinook sample database (from ../shared/data/chinook, never copied into the project)
// into every available backend and checks that all of them give the same aggregate answers.
#include "chinook_loader.hpp"

#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace rex;
using namespace rex::chinook_loader;

namespace {

// One backend's answers, as text rows, numbers rounded to 2 decimals so NUMERIC, DECIMAL and
// REAL representations compare equal.
using Answers = std::map<std::string, std::vector<std::string>>;

std::string cell(const Value& v) {
    switch (v.kind()) {
        case ValueKind::float64:
        case ValueKind::decimal: {
            const double d = v.kind() == ValueKind::decimal ? std::stod(v.as_decimal().text) : v.as_double();
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.2f", std::round(d * 100) / 100);
            return buf;
        }
        default: return v.to_display();
    }
}

Answers answers(Kernel& kernel, const Backend& b) {
    auto c = kernel.connect(b.url);
    const auto dialect = kernel.dialect(c->dialect());
    auto n = [&](const std::string& name) { return dialect->quote_identifier(b.snake_case ? snake(name) : name); };

    load_chinook(*c, *dialect, b);

    const std::map<std::string, std::string> queries{
        {"invoice total", "SELECT SUM(" + n("Total") + ") FROM " + n("Invoice")},
        {"top genres", "SELECT g." + n("Name") + ", COUNT(*) AS tracks FROM " + n("Track") + " t JOIN " + n("Genre") +
                           " g ON g." + n("GenreId") + " = t." + n("GenreId") + " GROUP BY g." + n("Name") +
                           " ORDER BY COUNT(*) DESC, g." + n("Name") + dialect->limit_offset(5, std::nullopt)},
        {"revenue by country", "SELECT " + n("BillingCountry") + ", SUM(" + n("Total") + ") AS revenue FROM " + n("Invoice") +
                                   " GROUP BY " + n("BillingCountry") + " HAVING SUM(" + n("Total") + ") > 100" +
                                   " ORDER BY SUM(" + n("Total") + ") DESC, " + n("BillingCountry")},
        {"average track", "SELECT AVG(" + n("Milliseconds") + ") / 1000.0, MIN(" + n("UnitPrice") + "), MAX(" + n("UnitPrice") +
                              ") FROM " + n("Track")},
        {"best customers", "SELECT c." + n("LastName") + ", COUNT(i." + n("InvoiceId") + "), SUM(i." + n("Total") + ") FROM " +
                               n("Customer") + " c LEFT JOIN " + n("Invoice") + " i ON i." + n("CustomerId") + " = c." +
                               n("CustomerId") + " GROUP BY c." + n("CustomerId") + ", c." + n("LastName") + " ORDER BY SUM(i." +
                               n("Total") + ") DESC, c." + n("LastName") + dialect->limit_offset(3, std::nullopt)},
        {"artists without albums", "SELECT COUNT(*) FROM " + n("Artist") + " a WHERE NOT EXISTS (SELECT 1 FROM " + n("Album") +
                                       " al WHERE al." + n("ArtistId") + " = a." + n("ArtistId") + ")"},
        {"playlist tracks in", "SELECT COUNT(DISTINCT " + n("TrackId") + ") FROM " + n("PlaylistTrack") + " WHERE " +
                                   n("PlaylistId") + " IN (1, 8)"},
    };
    Answers out;
    for (const auto& table : tables)
        out["count " + table].push_back(cell(c->execute("SELECT COUNT(*) FROM " + n(table)).rows.at(0).at(0)));
    for (const auto& [name, sql] : queries) {
        for (const auto& row : c->execute(sql).rows) {
            std::string line;
            for (const auto& v : row) line += (line.empty() ? "" : " | ") + cell(v);
            out[name].push_back(line);
        }
    }
    drop_chinook(*c, *dialect, b);
    return out;
}

}  // namespace

TEST_CASE("Chinook loads into every backend and gives the same aggregate answers", "[chinook][conformance]") {
    if (!fs::exists(chinook_dir / "Chinook_Sqlite.sql")) {
        WARN("skipped: the Chinook sample data is not at " << chinook_dir.string());
        return;
    }
    Kernel kernel(LogLevel::off);
    kernel.load_plugins(fs::path(REX_TEST_PLUGIN_DIR));
    const auto all = backends();
    std::map<std::string, Answers> results;
    for (const auto& b : all) {
        INFO("backend " << b.name);
        results[b.name] = answers(kernel, b);
    }
    const auto& reference = results.at("sqlite");
    // Known facts of Chinook 1.4.5, so a wrong load on every backend alike is caught too.
    CHECK(reference.at("count Track") == std::vector<std::string>{"3503"});
    CHECK(reference.at("count InvoiceLine") == std::vector<std::string>{"2240"});
    CHECK(reference.at("invoice total") == std::vector<std::string>{"2328.60"});
    CHECK(reference.at("top genres").front() == "Rock | 1297");
    for (const auto& [name, answers] : results) {
        if (name == "sqlite") continue;
        for (const auto& [question, rows] : reference) {
            INFO(name << ": " << question);
            CHECK(answers.at(question) == rows);
        }
    }
}

// The Chinook sample (../shared/data/chinook, used from there, never copied) loaded into each
// available backend, for the tests that need real data: the cross-backend answers and the
// generated models.
#pragma once

#include <rex/kernel.hpp>

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

namespace rex::chinook_loader {

namespace fs = std::filesystem;

inline const fs::path chinook_dir = fs::path(REX_TEST_SOURCE_DIR) / ".." / "shared" / "data" / "chinook";

struct Backend {
    std::string name;
    std::string url;
    std::string script;      // file name in chinook_dir
    bool snake_case = false;  // the PostgreSQL script names things album_id, invoice_line
};

inline bool required() {
    const char* r = std::getenv("REX_REQUIRE_SERVERS");
    return r && std::string(r) == "1";
}

inline std::vector<Backend> backends() {
    std::vector<Backend> out;
    const auto sqlite_file = fs::temp_directory_path() / ("rex-chinook-" + std::to_string(::getpid()) + ".db");
    fs::remove(sqlite_file);
    // The SQLite script inserts children before their parents, as SQLite allows by default.
    out.push_back({"sqlite", "sqlite:" + sqlite_file.string() + "?foreign_keys=off", "Chinook_Sqlite.sql", false});
    for (const auto& [name, variable, script, snake] :
         {std::tuple{"postgres", "REX_TEST_POSTGRES_URL", "Chinook_PostgreSql.sql", true},
          std::tuple{"mysql", "REX_TEST_MYSQL_URL", "Chinook_MySql.sql", false}}) {
        const char* url = std::getenv(variable);
        if (url && *url) {
            out.push_back({name, url, script, snake});
        } else if (required()) {
            FAIL(variable << " is not set but REX_REQUIRE_SERVERS=1");
        } else {
            WARN("Chinook on " << name << " skipped: " << variable << " is not set");
        }
    }
    return out;
}

// The scripts create and switch to their own database; the tests load into the one they are given.
inline std::string load_script(const fs::path& file) {
    std::ifstream in(file);
    std::ostringstream out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("DROP DATABASE") || line.starts_with("CREATE DATABASE") || line.starts_with("USE ") ||
            line.starts_with("\\c "))
            continue;
        out << line << '\n';
    }
    return out.str();
}

// "InvoiceLine" -> "invoice_line" for the PostgreSQL script's names.
inline std::string snake(const std::string& name) {
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (std::isupper(c) && i > 0) out += '_';
        out += static_cast<char>(std::tolower(c));
    }
    return out;
}

inline const std::vector<std::string> tables{"Album",    "Artist",   "Customer",      "Employee", "Genre", "Invoice",
                                      "InvoiceLine", "MediaType", "Playlist", "PlaylistTrack", "Track"};

// Children before parents, so foreign keys never block a drop.
inline const std::vector<std::string> drop_order{"PlaylistTrack", "InvoiceLine", "Track",    "Playlist", "MediaType", "Genre",
                                          "Album",         "Artist",      "Invoice", "Customer", "Employee"};

// Replaces any earlier copy of the tables with a fresh load.
inline void drop_chinook(Connection& c, const Dialect& d, const Backend& b) {
    for (const auto& table : drop_order) c.execute("DROP TABLE IF EXISTS " + d.quote_identifier(b.snake_case ? snake(table) : table));
}
inline void load_chinook(Connection& c, const Dialect& d, const Backend& b) {
    drop_chinook(c, d, b);
    c.execute_script(load_script(chinook_dir / b.script));
}

}  // namespace rex::chinook_loader

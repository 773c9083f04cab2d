// Migrations on disk: one folder per migration, named by a sortable id, with up.sql and an
// optional down.sql.
#include <rex/migrate.hpp>
#include <rex/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace rex {

namespace {

[[noreturn]] void bad(const std::filesystem::path& where, const std::string& what) {
    raise({ErrorCategory::configuration, where.string() + ": " + what, {}, {}});
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) bad(file, "cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::string migration_checksum(std::string_view text) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;  // CRLF == LF
        hash ^= static_cast<unsigned char>(text[i]);
        hash *= 0x100000001b3ULL;
    }
    char out[32];
    std::snprintf(out, sizeof out, "fnv1a64:%016llx", static_cast<unsigned long long>(hash));
    return out;
}

Migration Migration::code(std::string id, std::function<void(Connection&)> up, std::function<void(Connection&)> down,
                          std::string_view revision) {
    Migration m;
    m.checksum = migration_checksum("code:" + id + ":" + std::string(revision));
    m.id = std::move(id);
    m.up_code = std::move(up);
    m.down_code = std::move(down);
    return m;
}

std::vector<Migration> read_migrations(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) bad(dir, "no such migrations folder (create one with `rex migrate create <name>`)");
    std::vector<Migration> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        if (!entry.is_directory() || name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        const auto up = entry.path() / "up.sql";
        if (!std::filesystem::is_regular_file(up, ec)) bad(entry.path(), "has no up.sql");
        Migration m;
        m.id = name;
        m.source = entry.path();
        m.up_sql = read_text(up);
        if (split_sql_script(m.up_sql).empty()) bad(up, "holds no statement");
        if (const auto down = entry.path() / "down.sql"; std::filesystem::is_regular_file(down, ec)) m.down_sql = read_text(down);
        m.checksum = migration_checksum(m.up_sql);
        out.push_back(std::move(m));
    }
    std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) { return a.id < b.id; });
    return out;
}

std::filesystem::path create_migration(const std::filesystem::path& dir, std::string_view name) {
    return create_migration(dir, name, "-- " + std::string(name) + ": the change. Statements end with ';'.\n",
                            "-- " + std::string(name) + ": undoes up.sql. Leave empty if it cannot be undone.\n");
}

std::filesystem::path create_migration(const std::filesystem::path& dir, std::string_view name, std::string_view up_sql,
                                       std::string_view down_sql) {
    if (name.empty()) raise({ErrorCategory::configuration, "a migration needs a name", {}, {}});
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            raise({ErrorCategory::configuration,
                   "migration name '" + std::string(name) + "': use letters, digits and '_' only", {}, {}});
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &utc);
    const auto folder = dir / (std::string(stamp) + "_" + std::string(name));
    std::error_code ec;
    if (std::filesystem::exists(folder, ec)) bad(folder, "already exists");
    std::filesystem::create_directories(folder);
    std::ofstream(folder / "up.sql") << up_sql;
    std::ofstream(folder / "down.sql") << down_sql;
    return folder;
}

}  // namespace rex

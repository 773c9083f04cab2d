#include "json_repeats.hpp"

#include <rex/config.hpp>
#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <dlfcn.h>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <system_error>
#include <unistd.h>

namespace rex {

namespace {

using nlohmann::json;

// Reads one JSON object, naming the file and the JSON pointer of anything wrong.
class ConfigReader {
public:
    explicit ConfigReader(std::filesystem::path source) : source_(std::move(source)) {}

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        raise({ErrorCategory::configuration, source_.string() + ": " + (where.empty() ? "/" : where) + ": " + what,
               {}, {}});
    }

    const json& object(const json& j, const std::string& where,
                       std::initializer_list<const char*> allowed) const {
        if (!j.is_object()) fail(where, std::string("expected an object, got ") + j.type_name());
        for (const auto& [key, value] : j.items()) {
            bool known = false;
            for (const char* k : allowed) known = known || key == k;
            if (!known) {
                std::string list;
                for (const char* k : allowed) list += std::string(list.empty() ? "" : ", ") + k;
                fail(where + "/" + key, "unknown key (expected one of: " + list + ")");
            }
        }
        return j;
    }

    std::string string(const json& j, const std::string& where) const {
        if (!j.is_string()) fail(where, std::string("expected a string, got ") + j.type_name());
        return j.get<std::string>();
    }

    std::int64_t integer(const json& j, const std::string& where, std::int64_t min, std::int64_t max) const {
        if (!j.is_number_integer())
            fail(where, "expected an integer " + std::to_string(min) + "-" + std::to_string(max) + ", got " +
                            std::string(j.type_name()));
        const auto v = j.get<std::int64_t>();
        if (v < min || v > max)
            fail(where, "expected an integer " + std::to_string(min) + "-" + std::to_string(max) + ", got " +
                            std::to_string(v));
        return v;
    }

    bool boolean(const json& j, const std::string& where) const {
        if (!j.is_boolean()) fail(where, std::string("expected true or false, got ") + j.type_name());
        return j.get<bool>();
    }

    std::vector<std::string> strings(const json& j, const std::string& where) const {
        if (!j.is_array()) fail(where, std::string("expected an array of strings, got ") + j.type_name());
        std::vector<std::string> out;
        for (std::size_t i = 0; i < j.size(); ++i) out.push_back(string(j[i], where + "/" + std::to_string(i)));
        return out;
    }

    const std::filesystem::path& source() const { return source_; }

private:
    std::filesystem::path source_;
};

// sqlite:<relative path> names a file beside the config, not in the working directory.
std::string resolve_sqlite_url(const std::string& url, const std::filesystem::path& base) {
    if (!url.starts_with("sqlite:") || base.empty()) return url;
    const auto rest = std::string_view(url).substr(7);
    const auto query = rest.find('?');
    const auto path = rest.substr(0, query);
    if (path.empty() || path.starts_with('/') || path == ":memory:") return url;
    return "sqlite:" + (base / std::filesystem::path(path)).string() + std::string(rest.substr(path.size()));
}

std::string line_and_column(std::string_view text, std::size_t byte) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// A plugin's section as dotted keys of text: strings as they are, nested objects flattened,
// everything else (numbers, booleans, null, arrays) as its JSON text.
void add_settings(PluginSettings& out, const std::string& prefix, const json& object) {
    for (const auto& [key, value] : object.items()) {
        const std::string name = prefix.empty() ? key : prefix + "." + key;
        if (value.is_object())
            add_settings(out, name, value);
        else
            out.set(name, value.is_string() ? value.get<std::string>() : value.dump());
    }
}

void read_realtime(const ConfigReader& reader, const json& r, const std::filesystem::path& base, RealtimeConfig& out) {
    reader.object(r, "/realtime", {"capture", "state_file", "retention"});
    if (r.contains("capture")) out.capture = reader.boolean(r["capture"], "/realtime/capture");
    if (r.contains("state_file")) {
        const std::filesystem::path file(reader.string(r["state_file"], "/realtime/state_file"));
        if (file.empty()) reader.fail("/realtime/state_file", "must not be empty");
        out.state_file = file.is_absolute() ? file : base / file;
    }
    if (!r.contains("retention")) return;
    const auto& t = reader.object(r["retention"], "/realtime/retention", {"max_age_s", "max_batches", "interval_s"});
    constexpr std::int64_t big = std::int64_t{1} << 40;
    if (t.contains("max_age_s")) out.retention_max_age_s = reader.integer(t["max_age_s"], "/realtime/retention/max_age_s", 1, big);
    if (t.contains("max_batches")) out.retention_max_batches = reader.integer(t["max_batches"], "/realtime/retention/max_batches", 1, big);
    if (t.contains("interval_s"))
        out.retention_interval = std::chrono::seconds(reader.integer(t["interval_s"], "/realtime/retention/interval_s", 1, 86400));
}

// The serverless profile's defaults; keys the config sets still win.
void apply_serverless_profile(Config& config) {
    config.http.threads = 1;
    config.http.workers = 4;
    config.http.shutdown_grace = std::chrono::milliseconds(5'000);
    config.pool.max_size = 4;
    config.pool.acquire_timeout = std::chrono::milliseconds(2'000);
    config.pool.idle_timeout = std::chrono::milliseconds(10'000);
    config.log_json = true;
}

void read_pool(const ConfigReader& reader, const json& j, PoolConfig& pool) {
    const auto& p = reader.object(j, "/database/pool", {"max_size", "min_size", "acquire_timeout_ms", "idle_timeout_ms", "max_lifetime_ms"});
    const auto ms = [&](const char* key, std::chrono::milliseconds& out) {
        if (p.contains(key)) out = std::chrono::milliseconds(reader.integer(p[key], std::string("/database/pool/") + key, 0, 86'400'000));
    };
    if (p.contains("max_size")) pool.max_size = static_cast<std::size_t>(reader.integer(p["max_size"], "/database/pool/max_size", 0, 10'000));
    if (p.contains("min_size")) pool.min_size = static_cast<std::size_t>(reader.integer(p["min_size"], "/database/pool/min_size", 0, 10'000));
    ms("acquire_timeout_ms", pool.acquire_timeout);
    ms("idle_timeout_ms", pool.idle_timeout);
    ms("max_lifetime_ms", pool.max_lifetime);
    if (pool.max_size && pool.min_size > pool.max_size) reader.fail("/database/pool/min_size", "is larger than max_size");
}

}  // namespace

Config parse_config(std::string_view json_text, const std::filesystem::path& source_name) {
    ConfigReader reader(source_name);
    json root;
    std::string repeated;
    try {
        // `//` and `/* */` comments are allowed: `rex init` writes a commented config.
        root = parse_json_noting_repeats(json_text, /*ignore_comments*/ true, repeated);
    } catch (const json::parse_error& e) {
        // e.byte is 1-based and points just past the problem.
        const std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
        std::string what = e.what();
        if (auto pos = what.find("parse error"); pos != std::string::npos) what = what.substr(pos);
        raise({ErrorCategory::configuration,
               source_name.string() + ": malformed JSON at " + line_and_column(json_text, at) + ": " + what, {}, {}});
    }

    if (!repeated.empty()) reader.fail(repeated, "repeated key (each key may appear once in an object)");

    Config config;
    config.source = source_name;
    const auto base = source_name.has_parent_path() ? source_name.parent_path() : std::filesystem::path(".");
    reader.object(root, "", {"database", "plugins", "http", "log", "migrations", "models", "catalog", "graphql", "realtime", "settings", "profile", "auth", "permissions"});
    if (root.contains("profile")) {
        config.profile = reader.string(root["profile"], "/profile");
        if (config.profile == "serverless") apply_serverless_profile(config);
        else if (config.profile != "default") reader.fail("/profile", "unknown profile '" + config.profile + "' (default, serverless)");
    }
    if (root.contains("models"))
        for (const auto& path : reader.strings(root["models"], "/models")) {
            const std::filesystem::path file(path);
            config.models.push_back(file.is_absolute() ? file : base / file);
        }
    config.migrations.path = base / config.migrations.path;
    if (root.contains("migrations")) {
        const auto& m = reader.object(root["migrations"], "/migrations", {"path", "table", "apply_on_start"});
        if (m.contains("apply_on_start")) config.migrations.apply_on_start = reader.boolean(m["apply_on_start"], "/migrations/apply_on_start");
        if (m.contains("path")) {
            const std::filesystem::path dir(reader.string(m["path"], "/migrations/path"));
            config.migrations.path = dir.is_absolute() ? dir : base / dir;
        }
        if (m.contains("table")) config.migrations.table = reader.string(m["table"], "/migrations/table");
        if (config.migrations.table.empty()) reader.fail("/migrations/table", "must not be empty");
    }

    if (root.contains("database")) {
        const auto& db = reader.object(root["database"], "/database", {"url", "direct_url", "replicas", "pool"});
        if (db.contains("url")) config.database_url = reader.string(db["url"], "/database/url");
        if (config.database_url.empty()) reader.fail("/database/url", "must not be empty");
        if (db.contains("direct_url")) {
            config.database_direct_url = reader.string(db["direct_url"], "/database/direct_url");
            if (config.database_direct_url.empty()) reader.fail("/database/direct_url", "must not be empty (leave it out to use url)");
        }
        if (db.contains("replicas")) {
            config.database_replicas = reader.strings(db["replicas"], "/database/replicas");
            for (std::size_t i = 0; i < config.database_replicas.size(); ++i)
                if (config.database_replicas[i].empty()) reader.fail("/database/replicas/" + std::to_string(i), "must not be empty");
        }
        if (db.contains("pool")) read_pool(reader, db["pool"], config.pool);
    }
    if (source_name.has_parent_path()) {
        config.database_url = resolve_sqlite_url(config.database_url, base);
        config.database_direct_url = resolve_sqlite_url(config.database_direct_url, base);
        for (auto& url : config.database_replicas) url = resolve_sqlite_url(url, base);
    }
    config.realtime.state_file = base / config.realtime.state_file;
    if (root.contains("realtime")) read_realtime(reader, root["realtime"], base, config.realtime);
    if (root.contains("plugins")) {
        const auto& p = reader.object(root["plugins"], "/plugins", {"paths", "load", "replace_builtins"});
        if (p.contains("replace_builtins"))
            config.plugins.replace_builtins = reader.boolean(p["replace_builtins"], "/plugins/replace_builtins");
        if (p.contains("paths"))
            for (const auto& path : reader.strings(p["paths"], "/plugins/paths")) {
                const std::filesystem::path dir(path);
                config.plugins.paths.push_back(dir.is_absolute() ? dir : base / dir);
            }
        if (p.contains("load")) config.plugins.load = reader.strings(p["load"], "/plugins/load");
    }
    if (root.contains("http")) {
        const auto& h = reader.object(root["http"], "/http", {"address", "port", "body_limit", "request_timeout_ms", "threads",
                                                                  "workers", "admin_secret", "shutdown_grace_ms"});
        if (h.contains("address")) config.http.address = reader.string(h["address"], "/http/address");
        if (h.contains("port")) config.http.port = static_cast<std::uint16_t>(reader.integer(h["port"], "/http/port", 0, 65535));
        if (h.contains("body_limit"))
            config.http.body_limit =
                static_cast<std::size_t>(reader.integer(h["body_limit"], "/http/body_limit", 1, std::int64_t{1} << 34));
        if (h.contains("request_timeout_ms"))
            config.http.request_timeout = std::chrono::milliseconds(
                reader.integer(h["request_timeout_ms"], "/http/request_timeout_ms", 1, 3'600'000));
        if (h.contains("threads")) config.http.threads = static_cast<unsigned>(reader.integer(h["threads"], "/http/threads", 0, 256));
        if (h.contains("workers")) config.http.workers = static_cast<unsigned>(reader.integer(h["workers"], "/http/workers", 0, 1024));
        if (h.contains("admin_secret")) config.http.admin_secret = reader.string(h["admin_secret"], "/http/admin_secret");
        if (h.contains("shutdown_grace_ms"))
            config.http.shutdown_grace = std::chrono::milliseconds(reader.integer(h["shutdown_grace_ms"], "/http/shutdown_grace_ms", 0, 3'600'000));
    }
    if (root.contains("catalog")) {
        const auto& c = reader.object(root["catalog"], "/catalog", {"snapshot", "tables"});
        if (c.contains("snapshot")) {
            const std::filesystem::path file(reader.string(c["snapshot"], "/catalog/snapshot"));
            if (file.empty()) reader.fail("/catalog/snapshot", "must not be empty");
            config.catalog.snapshot = file.is_absolute() ? file : base / file;
        }
        if (c.contains("tables")) config.catalog.tables = reader.strings(c["tables"], "/catalog/tables");
    }
    if (root.contains("graphql")) {
        const auto& g = reader.object(root["graphql"], "/graphql", {"exporter"});
        if (g.contains("exporter")) config.graphql.exporter = reader.string(g["exporter"], "/graphql/exporter");
    }
    if (root.contains("settings")) {
        const auto& s = root["settings"];
        if (!s.is_object()) reader.fail("/settings", std::string("expected an object, got ") + s.type_name());
        for (const auto& [name, section] : s.items()) {
            const std::string where = "/settings/" + name;
            if (!section.is_object()) reader.fail(where, std::string("expected an object, got ") + section.type_name());
            PluginSettings plugin(source_name.string() + ": " + where);
            add_settings(plugin, "", section);
            config.settings.emplace(name, std::move(plugin));
        }
    }
    for (const char* key : {"auth", "permissions"}) {
        if (!root.contains(key)) continue;
        const auto& section = root[key];
        if (!section.is_object()) reader.fail(std::string("/") + key, std::string("expected an object, got ") + section.type_name());
        (std::string_view(key) == "auth" ? config.auth : config.permissions) = section.dump();
    }
    if (root.contains("log")) {
        const auto& l = reader.object(root["log"], "/log", {"level", "format"});
        if (l.contains("format")) {
            const auto format = reader.string(l["format"], "/log/format");
            if (format != "text" && format != "json") reader.fail("/log/format", "unknown format '" + format + "' (text, json)");
            config.log_json = format == "json";
        }
        if (l.contains("level")) {
            const auto name = reader.string(l["level"], "/log/level");
            const auto level = parse_log_level(name);
            if (!level) reader.fail("/log/level", "unknown level '" + name + "' (trace, debug, info, warn, error, off)");
            config.log_level = *level;
        }
    }
    return config;
}

Config load_config(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::error_code ec;
        const bool exists = std::filesystem::exists(file, ec);
        raise({ErrorCategory::configuration,
               file.string() + ": " + (exists ? "cannot read the file" : "no such config file"), {}, {}});
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse_config(buffer.str(), file);
}

std::vector<std::filesystem::path> default_plugin_directories() {
    std::vector<std::filesystem::path> dirs;
    if (const char* env = std::getenv("REX_PLUGIN_PATH"); env && *env) {
        std::string_view rest(env);
        while (!rest.empty()) {
            const auto colon = rest.find(':');
            const auto part = rest.substr(0, colon);
            if (!part.empty()) dirs.emplace_back(part);
            rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        }
    }
    for (auto& dir : builtin_plugin_directories()) dirs.push_back(std::move(dir));
    return dirs;
}

std::vector<std::filesystem::path> builtin_plugin_directories() {
    std::vector<std::filesystem::path> candidates;
    Dl_info self{};
    if (::dladdr(reinterpret_cast<const void*>(&builtin_plugin_directories), &self) && self.dli_fname && *self.dli_fname)
        candidates.push_back(std::filesystem::path(self.dli_fname).parent_path() / "rex" / "plugins");
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        candidates.push_back(exe.parent_path() / ".." / "plugins");
        candidates.push_back(exe.parent_path() / ".." / "lib" / "rex" / "plugins");
    }
    std::vector<std::filesystem::path> dirs;
    for (const auto& candidate : candidates) {
        if (!std::filesystem::is_directory(candidate, ec)) continue;
        auto dir = std::filesystem::weakly_canonical(candidate, ec);
        if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(std::move(dir));
    }
    return dirs;
}

}  // namespace rex

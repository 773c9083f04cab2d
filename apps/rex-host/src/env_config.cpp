#include "env_config.hpp"

#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <sstream>
#include <unistd.h>

extern char** environ;  // NOLINT: POSIX

namespace rex::host {

namespace {

using nlohmann::json;

enum class Kind { text, integer, boolean, list, object };

struct Key {
    const char* pointer;  // JSON pointer in the config file
    Kind kind;
};

// Every key parse_config knows (kernel/src/config.cpp); the variable is derived from the pointer.
constexpr std::array<Key, 30> keys{{
    {"/profile", Kind::text},
    {"/database/url", Kind::text},
    {"/database/replicas", Kind::list},
    {"/database/pool/max_size", Kind::integer},
    {"/database/pool/min_size", Kind::integer},
    {"/database/pool/acquire_timeout_ms", Kind::integer},
    {"/database/pool/idle_timeout_ms", Kind::integer},
    {"/database/pool/max_lifetime_ms", Kind::integer},
    {"/plugins/paths", Kind::list},
    {"/plugins/load", Kind::list},
    {"/plugins/replace_builtins", Kind::boolean},
    {"/http/address", Kind::text},
    {"/http/port", Kind::integer},
    {"/http/body_limit", Kind::integer},
    {"/http/request_timeout_ms", Kind::integer},
    {"/http/threads", Kind::integer},
    {"/http/workers", Kind::integer},
    {"/http/admin_secret", Kind::text},
    {"/http/shutdown_grace_ms", Kind::integer},
    {"/log/level", Kind::text},
    {"/log/format", Kind::text},
    {"/migrations/path", Kind::text},
    {"/migrations/table", Kind::text},
    {"/migrations/apply_on_start", Kind::boolean},
    {"/models", Kind::list},
    {"/catalog/snapshot", Kind::text},
    {"/catalog/tables", Kind::list},
    {"/graphql/exporter", Kind::text},
    {"/settings", Kind::object},
    {"/settings/*", Kind::object},  // REX_SETTINGS_<EXTENSION>
}};

// The sections whose variables are config keys (REX_PLUGIN_PATH is not one).
constexpr std::array<const char*, 7> sections{"REX_DATABASE_", "REX_PLUGINS_", "REX_HTTP_", "REX_LOG_", "REX_MIGRATIONS_", "REX_CATALOG_", "REX_GRAPHQL_"};

std::string variable_of(std::string_view pointer) {
    std::string name = "REX";
    for (const char c : pointer) name += c == '/' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

[[noreturn]] void fail(const std::string& variable, const std::string& what) {
    raise({ErrorCategory::configuration, variable + " (environment): " + what, {}, {}});
}

json value_of(const std::string& variable, const std::string& text, Kind kind) {
    switch (kind) {
        case Kind::text: return text;
        case Kind::integer: {
            std::size_t used = 0;
            long long v = 0;
            try {
                v = std::stoll(text, &used);
            } catch (...) {
                used = 0;
            }
            if (used == 0 || used != text.size()) fail(variable, "expected an integer, got '" + text + "'");
            return v;
        }
        case Kind::boolean:
            if (text == "true" || text == "1") return true;
            if (text == "false" || text == "0") return false;
            fail(variable, "expected true or false, got '" + text + "'");
        case Kind::list: {
            if (text.starts_with('[')) {
                auto parsed = json::parse(text, nullptr, false);
                if (parsed.is_discarded() || !parsed.is_array()) fail(variable, "expected a JSON array or comma-separated names");
                return parsed;
            }
            json list = json::array();
            std::size_t start = 0;
            while (start <= text.size()) {
                const auto comma = text.find(',', start);
                auto item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                item.erase(0, item.find_first_not_of(' '));
                item.erase(item.find_last_not_of(' ') + 1);
                if (!item.empty()) list.push_back(item);
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
            return list;
        }
        case Kind::object: {
            auto parsed = json::parse(text, nullptr, false);
            if (parsed.is_discarded() || !parsed.is_object()) fail(variable, "expected a JSON object");
            return parsed;
        }
    }
    return nullptr;
}

// The variables as a config object, and for each JSON pointer set the variable that set it.
json overlay_of(const Environment& environment, const json& file, std::map<std::string, std::string>& origin) {
    json overlay = json::object();
    const auto set = [&](const std::string& pointer, const std::string& variable, json value) {
        overlay[json::json_pointer(pointer)] = std::move(value);
        origin[pointer] = variable;
    };
    for (const auto& [variable, text] : environment) {
        if (!variable.starts_with("REX_")) continue;
        bool known = false;
        for (const auto& key : keys) {
            const std::string_view pointer = key.pointer;
            if (pointer.ends_with("/*")) {
                const auto prefix = variable_of(pointer.substr(0, pointer.size() - 1));  // REX_SETTINGS_
                if (variable.size() <= prefix.size() || !variable.starts_with(prefix)) continue;
                std::string extension;
                for (const char c : variable.substr(prefix.size())) extension += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                set("/settings/" + extension, variable, value_of(variable, text, key.kind));
                known = true;
            } else if (variable == variable_of(pointer)) {
                set(std::string(pointer), variable, value_of(variable, text, key.kind));
                known = true;
            }
            if (known) break;
        }
        if (known) continue;
        // A key this table does not list yet (one a newer config adds): the rest of the name is
        // the key, the value JSON when it parses as a number, boolean, array or object; the
        // config reader then accepts it or names what it expected.
        for (const char* section : sections)
            if (variable.starts_with(section)) {
                std::string pointer = "/";
                for (const char c : variable.substr(4)) pointer += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                pointer[std::string_view(section).size() - 4] = '/';  // REX_HTTP_X -> /http/x
                auto value = json::parse(text, nullptr, false);
                set(pointer, variable, value.is_discarded() || value.is_string() ? json(text) : std::move(value));
            }
    }
    // PORT as platforms set it (Cloud Run, Heroku, Fly.io, Render): below REX_HTTP_PORT; the
    // platform's router reaches the container from outside, so listen on every interface unless
    // an address is configured.
    if (const auto port = environment.find("PORT"); port != environment.end() && !port->second.empty()) {
        if (!overlay.contains(json::json_pointer("/http/port"))) set("/http/port", "PORT", value_of("PORT", port->second, Kind::integer));
        if (!overlay.contains(json::json_pointer("/http/address")) && !file.contains(json::json_pointer("/http/address")))
            set("/http/address", "PORT", "0.0.0.0");
    }
    return overlay;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

}  // namespace

Environment process_environment() {
    Environment out;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string_view::npos) out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    return out;
}

Config load_host_config(const std::filesystem::path& file, const Environment& environment) {
    // The file alone first: its own mistakes are reported with its name and JSON path.
    Config from_file = file.empty() ? Config{} : load_config(file);
    json root = file.empty() ? json::object() : json::parse(read_file(file), nullptr, false, /*ignore_comments*/ true);
    std::map<std::string, std::string> origin;
    const auto overlay = overlay_of(environment, root, origin);
    if (overlay.empty()) return from_file;
    // Then the variables alone, so that a wrong value is reported with the variable's name.
    try {
        (void)parse_config(overlay.dump(), "environment");
    } catch (const ConfigurationError& e) {
        std::string message = e.message();
        message = message.substr(std::string_view("environment: ").size());
        const auto colon = message.find(": ");
        const auto pointer = message.substr(0, colon);
        for (const auto& [p, variable] : origin)
            if (pointer == p || pointer.starts_with(p + "/")) fail(variable, message.substr(colon + 2));
        throw;
    }
    root.merge_patch(overlay);
    return parse_config(root.dump(), file.empty() ? std::filesystem::path("environment") : file);
}

}  // namespace rex::host

// The JSON configuration shared by rex-host and the rex CLI (docs/configuration.md).
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/kernel/plugin_info.hpp>
#include <rex/sdk/log.hpp>
#include <rex/sdk/settings.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rex {

struct HttpConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;                   // 0 picks a free port (printed at start)
    std::size_t body_limit = 1024 * 1024;        // bytes
    std::chrono::milliseconds request_timeout{30'000};
    unsigned threads = 0;                        // threads serving requests; 0: one per core
    unsigned workers = 0;                        // threads running plugin code (executors, routes); 0: 2 per core, at least 8
    std::string admin_secret;                    // GET /plugins needs it in X-Rex-Admin-Secret; empty: /plugins is off
    // On SIGTERM/SIGINT rex-host stops accepting and waits this long for requests in flight.
    std::chrono::milliseconds shutdown_grace{10'000};
};

// rex-host's connection pool (PoolOptions).
struct PoolConfig {
    std::size_t max_size = 0;  // 0: one connection per worker thread
    std::size_t min_size = 0;
    std::chrono::milliseconds acquire_timeout{5'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds max_lifetime{30 * 60'000};
};

struct CatalogConfig {
    std::filesystem::path snapshot;  // catalog snapshot file (relative to the config's folder); empty: none
    std::vector<std::string> tables; // introspect only these tables; empty: every table
};

struct GraphqlConfig {
    std::string exporter;  // the schema-exporter whose executor serves /graphql; empty: the graphql-sdl one
};

struct PluginsConfig {
    std::vector<std::filesystem::path> paths;  // relative paths are taken from the config file's folder
    std::vector<std::string> load;             // names to load; empty: every plugin found
    bool replace_builtins = false;             // LoadOptions::replace_builtins
};

struct MigrationsConfig {
    std::filesystem::path path = "migrations";  // relative paths are taken from the config file's folder
    std::string table = "rex_migrations";       // the history table
    bool apply_on_start = false;                // rex-host applies pending migrations before it serves
};

// rex-host's change capture (docs/realtime.md): a pump reading the database's change log.
struct RealtimeConfig {
    bool capture = false;                       // run the capture pump (needs `rex realtime enable`)
    // The last position delivered, kept across restarts (relative to the config's folder).
    std::filesystem::path state_file = "rex-capture.position";
    std::optional<std::int64_t> retention_max_age_s;    // prune batches older than this
    std::optional<std::int64_t> retention_max_batches;  // keep at most this many batches
    std::chrono::seconds retention_interval{60};        // how often the host prunes
};

struct Config {
    // A relative SQLite path (sqlite:rex.db, the default) is taken from the config file's folder.
    std::string database_url = "sqlite:rex.db";
    // A direct connection (not through PgBouncer) for the capture pump's LISTEN; empty: database_url.
    std::string database_direct_url;
    // Read replicas for GraphQL queries that need no fresh read (docs/deploy.md); empty: none.
    std::vector<std::string> database_replicas;
    PoolConfig pool;
    // "serverless": defaults for platforms that start and stop instances (docs/rex-host.md).
    std::string profile = "default";
    MigrationsConfig migrations;
    std::vector<std::filesystem::path> models;  // JSON model files (docs/model-files.md), relative to the config's folder
    PluginsConfig plugins;
    HttpConfig http;
    CatalogConfig catalog;
    GraphqlConfig graphql;
    RealtimeConfig realtime;
    // "settings": {"<extension>": {...}}: each plugin extension's own section, handed to it by
    // rex-host (ExecutorContext::settings, TransportContext::settings), which checks the keys.
    std::map<std::string, PluginSettings, std::less<>> settings;
    // "auth" (tokens, the anonymous role) and "permissions" (rules per role and entity) as JSON
    // object text, checked by rex-host (docs/permissions.md); empty when absent.
    std::string auth;
    std::string permissions;
    LogLevel log_level = LogLevel::info;
    bool log_json = false;  // log.format "json": one JSON object per line
    std::filesystem::path source;  // the file it came from; empty for defaults
};

// Reads and validates a config file. Throws ConfigurationError naming the file, the JSON
// path inside it and what is wrong: "rex.json: /http/port: expected an integer 0-65535".
REX_KERNEL_API Config load_config(const std::filesystem::path& file);
// The same for text already in memory; `source_name` is used in messages.
REX_KERNEL_API Config parse_config(std::string_view json_text, const std::filesystem::path& source_name);

// Plugin directories searched when neither the config nor the caller names one: every entry
// of REX_PLUGIN_PATH (':'-separated), then builtin_plugin_directories().
REX_KERNEL_API std::vector<std::filesystem::path> default_plugin_directories();
// Where Rex's own plugins are, those that exist, without repeats: <the folder of the loaded
// librex-kernel.so>/rex/plugins (an install's <prefix>/lib/rex/plugins, found at run time, so
// an application anywhere finds the plugins installed with its kernel), then
// <executable dir>/../plugins (the build tree) and <executable dir>/../lib/rex/plugins.
REX_KERNEL_API std::vector<std::filesystem::path> builtin_plugin_directories();
// The files a load would try, in order: each file given, and every *.so of each directory
// given (sorted, not recursive). A missing path or an unreadable directory is added to
// `problems` when given.
REX_KERNEL_API std::vector<std::filesystem::path> plugin_files(const std::vector<std::filesystem::path>& paths,
                                                               std::vector<LoadFailure>* problems = nullptr);

}  // namespace rex

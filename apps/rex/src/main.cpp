// rex: the command-line tool. Parses the command line and reports errors; the commands do the work.
#include "commands.hpp"
#include "exit_codes.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace {

using namespace rex::cli;

int exit_code_for(const rex::Error& e) {
    switch (e.category()) {
        case rex::ErrorCategory::configuration:
        case rex::ErrorCategory::not_found: return exit_usage;
        case rex::ErrorCategory::connection: return exit_connection;
        default: return exit_failure;
    }
}

// One line, never a password; control characters (a NUL from a file) are shown, not sent.
void report(const std::string& message) {
    std::string line;
    for (const char c : rex::redact_url(message)) {
        if (c == '\n' || c == '\r' || c == '\t') {
            line += ' ';
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            line += c == '\0' ? std::string("\\0") : std::string("\\x") + hex[(c >> 4) & 0xf] + hex[c & 0xf];
        } else {
            line += c;
        }
    }
    std::cerr << "rex: error: " << line << '\n';
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"rex: the Rex ORM's command-line tool", "rex"};
    app.set_version_flag("--version", std::string("rex ") + rex::sdk_version + " (plugin ABI " +
                                          std::to_string(rex::sdk_abi_version) + ")");
    app.require_subcommand(1);
    app.fallthrough();

    GlobalOptions global;
    app.add_option("--config", global.config_file, "JSON config file (database URL, plugin directories)")
        ->check(CLI::ExistingFile);
    app.add_option("--plugin-dir", global.plugin_dirs,
                   "Directory (or .so file) to load plugins from; repeatable. Default: the config's plugins.paths, "
                   "else REX_PLUGIN_PATH and the plugins folder beside the installation");
    app.add_option("--url", global.url, "Database URL (default: REX_DATABASE_URL, then the config's database.url)");
    app.add_flag("-v,--verbose", global.verbose, "Log what the kernel does (plugin loading) on stderr");
    app.add_flag("--replace-builtins", global.replace_builtins,
                 "Let plugins from --plugin-dir / REX_PLUGIN_PATH replace built-in plugins of the same name or URL scheme");

    PluginsOptions plugins_options;
    auto* plugins = app.add_subcommand("plugins", "List loaded plugins and the files that failed to load, with reasons");
    plugins->add_flag("--json", plugins_options.json, "Print JSON instead of a table");
    plugins->add_flag("--strict", plugins_options.strict, "Exit with code 3 if any plugin failed to load");
    plugins->add_flag("--isolate", plugins_options.isolate,
                      "Load each plugin file in a child process of its own, and report one that crashes or exits");

    QueryOptions query_options;
    auto* query = app.add_subcommand("query", "Run one SQL statement with bound parameters and print the result");
    query->add_option("args", query_options.positional, "[url] \"<sql>\" [params...]  (params: 42, 1.5, true, null, text)")
        ->required();
    query->add_flag("--json", query_options.json, "Print rows as a JSON array of objects");
    query->add_flag("--text", query_options.all_text, "Bind every parameter as text");
    query->footer("Example: rex query sqlite:app.db \"SELECT * FROM users WHERE age >= ?1\" 18");

    InitOptions init_options;
    auto* init = app.add_subcommand("init", "Write a commented config for the embedded SQLite default, and a migrations folder");
    init->add_option("file", init_options.file, "Config file to write (default rex.json)");
    init->add_flag("--force", init_options.force, "Overwrite an existing file");

    MigrateOptions migrate_options;
    auto* migrate = app.add_subcommand("migrate", "Apply, roll back, list and create schema migrations");
    migrate->require_subcommand(1);
    migrate->fallthrough();  // rex migrate up --dir db/migrations
    migrate->add_option("--dir", migrate_options.dir, "Migrations folder (default: the config's migrations.path, else ./migrations)");
    auto* migrate_up = migrate->add_subcommand("up", "Apply every pending migration, in order");
    auto* migrate_down = migrate->add_subcommand("down", "Roll back the last applied migration(s)");
    migrate_down->add_option("--steps", migrate_options.steps, "How many to roll back (default 1)")
        ->check(CLI::Validator(
            [](std::string& text) {
                return text.find_first_not_of("0123456789") == std::string::npos && text.find_first_not_of('0') != std::string::npos
                           ? std::string()
                           : "expected a whole number of migrations, at least 1 (got " + text + ")";
            },
            "N>=1"));
    migrate_down->add_option("--to", migrate_options.to, "Roll back every migration applied after this one");
    auto* migrate_status = migrate->add_subcommand("status", "List applied, pending, changed and partial migrations (exit 5 if any needs attention)");
    migrate_status->add_flag("--json", migrate_options.json, "Print JSON");
    auto* migrate_create = migrate->add_subcommand("create", "Create <id>_<name>/up.sql and down.sql");
    migrate_create->add_option("name", migrate_options.name, "Name: letters, digits and _")->required();
    auto* migrate_diff = migrate->add_subcommand("diff", "Compare the models with the database and write a migration for the difference");
    migrate_diff->add_option("--name", migrate_options.name, "Name of the new migration (default: autogenerated)");
    migrate_diff->add_option("--models", migrate_options.models, "JSON model file; repeatable (default: the config's models)");
    migrate_diff->add_flag("--allow-destructive", migrate_options.allow_destructive, "Include drops of tables and columns");
    migrate_diff->add_flag("--dry-run", migrate_options.dry_run, "Print the scripts instead of writing them");
    for (auto* sub : {migrate_up, migrate_down, migrate_status, migrate_create, migrate_diff})
        sub->callback([&migrate_options, sub] { migrate_options.action = sub->get_name(); });

    SchemaExportOptions export_options;
    auto* schema = app.add_subcommand("schema", "Work with the schema of the models");
    schema->require_subcommand(1);
    auto* schema_export = schema->add_subcommand("export", "Print the models' schema: SQL DDL for the URL's database, or a plugin's format");
    schema_export->add_option("--format", export_options.format, "sql (default) or the format of a loaded schema-exporter plugin");
    schema_export->add_option("--models", export_options.models, "JSON model file; repeatable (default: the config's models)");
    SchemaSnapshotOptions snapshot_options;
    auto* schema_snapshot = schema->add_subcommand("snapshot", "Introspect the database and write the catalog snapshot rex-host starts from");
    schema_snapshot->add_option("--out", snapshot_options.out, "Snapshot file (default: the config's catalog.snapshot)");

    GenerateOptions generate_options;
    auto* generate = app.add_subcommand("generate", "Generate code from a database");
    generate->require_subcommand(1);
    auto* generate_models = generate->add_subcommand("models", "Write a C++ header and a JSON model file from the database's tables");
    generate_models->add_option("--out", generate_options.out, "Folder to write into (default .)");
    generate_models->add_option("--name", generate_options.name, "File name without extension (default models)");
    generate_models->add_option("--namespace", generate_options.cpp_namespace, "C++ namespace (default models)");
    generate_models->add_option("--tables", generate_options.tables, "Only these tables (comma-separated or repeated)")->delimiter(',');

    RealtimeOptions realtime_options;
    auto* realtime = app.add_subcommand("realtime", "Capture every committed change (triggers and a log table): enable, disable, status, prune");
    realtime->require_subcommand(1);
    for (const auto* action : {"enable", "disable", "status", "prune"}) {
        auto* sub = realtime->add_subcommand(action, std::string(action) + " change capture (docs/realtime.md)");
        sub->add_option("--tables", realtime_options.tables, "Only these tables (comma-separated or repeated)")->delimiter(',');
        if (std::string(action) == "status") sub->add_flag("--json", realtime_options.json, "Print JSON");
        if (std::string(action) == "enable" || std::string(action) == "disable") {
            sub->add_flag("--migration", realtime_options.migration, "Write the set-up as a migration for rex migrate up instead of running it");
            sub->add_option("--dir", realtime_options.dir, "The migration's folder (default: the config's migrations.path)");
        }
        if (std::string(action) == "enable")
            sub->add_option("--mode", realtime_options.mode, "triggers (default) or logical (PostgreSQL: WAL decoding, needs REPLICATION)")
                ->check(CLI::IsMember({"triggers", "logical"}));
        if (std::string(action) == "prune") {
            sub->add_option("--max-age", realtime_options.max_age_seconds, "Drop batches older than this many seconds");
            sub->add_option("--max-batches", realtime_options.max_batches, "Keep at most this many batches");
        }
        sub->callback([&realtime_options, sub] { realtime_options.action = sub->get_name(); });
    }

    // CLI11 reports an unknown command as "a subcommand is required"; name it instead.
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--config" || arg == "--plugin-dir" || arg == "--url") {
            ++i;  // skip the option's value
            continue;
        }
        if (arg.starts_with('-')) continue;
        if (app.get_subcommands([&](CLI::App* sub) { return sub->get_name() == arg; }).empty()) {
            report("unknown command '" + arg + "' (commands: generate, init, migrate, plugins, query, realtime, schema; see rex --help)");
            return exit_usage;
        }
        break;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        report(std::string(e.what()) + " (see rex --help)");
        return exit_usage;
    }

    std::unique_ptr<CliContext> context;
    try {
        if (*init) return run_init(init_options);  // before reading a config that may not exist yet
        context = std::make_unique<CliContext>(global);
        if (*plugins) return run_plugins(*context, plugins_options);
        if (*query) return run_query(*context, query_options);
        if (*migrate) return run_migrate(*context, migrate_options);
        if (*schema_export) return run_schema_export(*context, export_options);
        if (*schema_snapshot) return run_schema_snapshot(*context, snapshot_options);
        if (*generate_models) return run_generate_models(*context, generate_options);
        if (*realtime) return run_realtime(*context, realtime_options);
    } catch (const rex::Error& e) {
        report(e.message());  // what() would stop at a NUL from a file
        return exit_code_for(e);
    } catch (...) {
        // Not a rex::Error: most likely from a plugin; its type says more than its message.
        const bool plugin_known = context && !context->calling_plugin().empty();
        report((plugin_known ? context->calling_plugin() + " threw " : std::string("unexpected ")) +
               rex::describe_current_exception() + (plugin_known ? " (plugins should throw rex::Error)" : ""));
        return exit_failure;
    }
    return exit_usage;
}

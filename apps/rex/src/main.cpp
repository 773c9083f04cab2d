// rex: the command-line tool. Parses the command line and reports errors; the commands do the work.
#include "commands.hpp"
#include "exit_codes.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <CLI/CLI.hpp>

#include <iostream>

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

// One line, never a password.
void report(const std::string& message) {
    std::string line = rex::redact_url(message);
    for (auto& c : line)
        if (c == '\n') c = ' ';
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
    app.add_option("--url", global.url, "Database URL (default: config database.url, then REX_DATABASE_URL)");
    app.add_flag("-v,--verbose", global.verbose, "Log what the kernel does (plugin loading) on stderr");

    PluginsOptions plugins_options;
    auto* plugins = app.add_subcommand("plugins", "List loaded plugins and the files that failed to load, with reasons");
    plugins->add_flag("--json", plugins_options.json, "Print JSON instead of a table");
    plugins->add_flag("--strict", plugins_options.strict, "Exit with code 3 if any plugin failed to load");

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
    migrate_down->add_option("--steps", migrate_options.steps, "How many to roll back (default 1)")->check(CLI::PositiveNumber);
    migrate_down->add_option("--to", migrate_options.to, "Roll back every migration applied after this one");
    auto* migrate_status = migrate->add_subcommand("status", "List applied, pending, changed and partial migrations (exit 5 if any needs attention)");
    migrate_status->add_flag("--json", migrate_options.json, "Print JSON");
    auto* migrate_create = migrate->add_subcommand("create", "Create <id>_<name>/up.sql and down.sql");
    migrate_create->add_option("name", migrate_options.name, "Name: letters, digits and _")->required();
    for (auto* sub : {migrate_up, migrate_down, migrate_status, migrate_create})
        sub->callback([&migrate_options, sub] { migrate_options.action = sub->get_name(); });

    // CLI11 reports an unknown command as "a subcommand is required"; name it instead.
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--config" || arg == "--plugin-dir" || arg == "--url") {
            ++i;  // skip the option's value
            continue;
        }
        if (arg.starts_with('-')) continue;
        if (app.get_subcommands([&](CLI::App* sub) { return sub->get_name() == arg; }).empty()) {
            report("unknown command '" + arg + "' (commands: init, migrate, plugins, query; see rex --help)");
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

    try {
        if (*init) return run_init(init_options);  // before reading a config that may not exist yet
        CliContext context(global);
        if (*plugins) return run_plugins(context, plugins_options);
        if (*query) return run_query(context, query_options);
        if (*migrate) return run_migrate(context, migrate_options);
    } catch (const rex::Error& e) {
        report(e.what());
        return exit_code_for(e);
    } catch (const std::exception& e) {
        report(e.what());
        return exit_failure;
    }
    return exit_usage;
}

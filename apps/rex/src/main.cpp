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

    // CLI11 reports an unknown command as "a subcommand is required"; name it instead.
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--config" || arg == "--plugin-dir" || arg == "--url") {
            ++i;  // skip the option's value
            continue;
        }
        if (arg.starts_with('-')) continue;
        if (app.get_subcommands([&](CLI::App* sub) { return sub->get_name() == arg; }).empty()) {
            report("unknown command '" + arg + "' (commands: plugins, query; see rex --help)");
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
        CliContext context(global);
        if (*plugins) return run_plugins(context, plugins_options);
        if (*query) return run_query(context, query_options);
    } catch (const rex::Error& e) {
        report(e.what());
        return exit_code_for(e);
    } catch (const std::exception& e) {
        report(e.what());
        return exit_failure;
    }
    return exit_usage;
}

// rex realtime enable|disable|status|prune: sets change capture up in the database (triggers
// and log tables, see docs/realtime.md), shows it, and trims the log.
#include "capture_migration.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"

#include <rex/migrate.hpp>

#include <rex/sdk/capture.hpp>
#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace rex::cli {

namespace {

// Every table but Rex's own (rex_*) and the migration history.
std::vector<std::string> all_tables(CliContext& context, Connection& connection) {
    const auto dialect = context.kernel().dialect(connection.dialect());
    std::vector<std::string> out;
    for (const auto& row : connection.execute(dialect->list_tables_sql()).rows) {
        const auto& name = row.at(0).as_text();
        if (!name.starts_with("rex_") && name != context.config().migrations.table) out.push_back(name);
    }
    return out;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
}

}  // namespace

int run_realtime(CliContext& context, const RealtimeOptions& options) {
    const auto url = context.require_database_url();
    auto& kernel = context.kernel();
    auto* capture = kernel.adapter_for_url(url)->capture();
    if (!capture) raise({ErrorCategory::unsupported, "the database's adapter cannot capture changes", {}, {}});
    auto connection = kernel.connect(url);
    if (!options.dir.empty() && !options.migration) raise({ErrorCategory::validation, "--dir goes with --migration", {}, {}});
    if (options.migration && !options.mode.empty())
        raise({ErrorCategory::validation, "--mode is set on the database directly, not written as a migration", {}, {}});
    if (options.migration) {
        // enable and disable are each other's down; a disable of everything re-enables what is captured now.
        const bool enable = options.action == "enable";
        auto tables = options.tables;
        if (tables.empty()) tables = enable ? all_tables(context, *connection) : capture->status(*connection).tables;
        if (tables.empty()) raise({ErrorCategory::not_found, enable ? "the database has no tables to capture" : "no table is captured", {}, {}});
        const auto on = install_script(*capture, *connection, tables);
        const auto off = uninstall_script(*capture, *connection, enable ? tables : options.tables);
        const auto dir = options.dir.empty() ? context.config().migrations.path : std::filesystem::path(options.dir);
        const auto folder = create_migration(dir, enable ? "enable_realtime" : "disable_realtime", enable ? on : off, enable ? off : on);
        std::cout << "wrote " << folder.string() << " (" << (enable ? "capturing " : "no longer capturing ") << joined(tables)
                  << "); run rex migrate up\n";
        return exit_ok;
    }
    if (options.action == "enable") {
        const auto tables = options.tables.empty() ? all_tables(context, *connection) : options.tables;
        if (tables.empty()) raise({ErrorCategory::not_found, "the database has no tables to capture", {}, {}});
        capture->install(*connection, tables);
        if (!options.mode.empty()) capture->set_mode(*connection, options.mode);
        std::cout << "capturing changes of " << joined(tables) << " (" << capture->status(*connection).mode << ")\n";
    } else if (options.action == "disable") {
        capture->uninstall(*connection, options.tables);
        std::cout << (options.tables.empty() ? "capture removed (triggers and log tables)" : "stopped capturing " + joined(options.tables)) << '\n';
    } else if (options.action == "prune") {
        CaptureRetention retention;
        if (options.max_age_seconds > 0) retention.max_age = std::chrono::seconds(options.max_age_seconds);
        if (options.max_batches > 0) retention.max_batches = options.max_batches;
        if (!retention.max_age && !retention.max_batches)
            raise({ErrorCategory::validation, "prune needs --max-age <seconds> or --max-batches <n>", {}, {}});
        std::cout << "pruned " << capture->prune(*connection, retention) << " batches\n";
    } else {
        const auto s = capture->status(*connection);
        if (options.json) {
            std::cout << nlohmann::json{{"installed", s.installed},       {"tables", s.tables},
                                        {"oldest_position", s.oldest_position}, {"last_position", s.last_position},
                                        {"kept_changes", s.kept_changes}, {"pruned_through", s.pruned_through},
                                        {"mode", s.mode}}
                             .dump()
                      << '\n';
        } else {
            std::cout << "capture: " << (s.installed ? "installed (" + s.mode + ")" : "not installed") << "\ntables: " << joined(s.tables)
                      << "\npositions: " << s.oldest_position << " to " << s.last_position << " (" << s.kept_changes
                      << " changes kept, pruned through " << s.pruned_through << ")\n";
        }
    }
    return exit_ok;
}

}  // namespace rex::cli

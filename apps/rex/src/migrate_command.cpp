// rex migrate up|down|status|create: the kernel's MigrationRunner over a migrations folder.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "table_printer.hpp"

#include <rex/migrate.hpp>
#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace rex::cli {

namespace {

// Colour only for a terminal, and never when NO_COLOR is set (no-color.org).
bool colour() {
    static const bool on = ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
    return on;
}
std::string paint(const std::string& text, const char* code) { return colour() ? "\x1b[" + std::string(code) + "m" + text + "\x1b[0m" : text; }

std::string state_text(MigrationState s) {
    const std::string name(to_string(s));
    switch (s) {
        case MigrationState::applied: return paint(name, "32");
        case MigrationState::pending: return paint(name, "33");
        default: return paint(name, "31");
    }
}

std::string require_url(CliContext& context) {
    auto url = context.database_url();
    if (!url) raise({ErrorCategory::configuration, "no database URL: give --url, a config file with database.url, or REX_DATABASE_URL", {}, {}});
    return *url;
}

std::filesystem::path migrations_dir(CliContext& context, const MigrateOptions& options) {
    return options.dir.empty() ? context.config().migrations.path : std::filesystem::path(options.dir);
}

MigrationRunner make_runner(CliContext& context, const MigrateOptions& options) {
    MigrationOptions runner_options;
    runner_options.history_table = context.config().migrations.table;
    runner_options.progress = [](const std::string& line) { std::cout << line << std::endl; };
    return MigrationRunner(context.kernel(), require_url(context), read_migrations(migrations_dir(context, options)),
                           std::move(runner_options));
}

int status(CliContext& context, const MigrateOptions& options) {
    auto runner = make_runner(context, options);
    const auto states = runner.status();
    if (options.json) {
        auto out = nlohmann::json::array();
        for (const auto& s : states)
            out.push_back({{"id", s.id},
                           {"state", to_string(s.state)},
                           {"applied_at", s.applied_at ? nlohmann::json(format_timestamp(*s.applied_at)) : nlohmann::json(nullptr)}});
        std::cout << out.dump(2) << '\n';
    } else if (states.empty()) {
        std::cout << "No migrations in " << migrations_dir(context, options).string() << ".\n";
    } else {
        TablePrinter table({"MIGRATION", "STATE", "APPLIED AT"});
        for (const auto& s : states)
            table.add_row({s.id, state_text(s.state), s.applied_at ? format_timestamp(*s.applied_at) : ""});
        table.print(std::cout);
    }
    // Something needs attention: exit 5 so scripts (and deploys) can tell.
    for (const auto& s : states)
        if (s.state == MigrationState::changed || s.state == MigrationState::partial || s.state == MigrationState::missing)
            return exit_attention;
    return exit_ok;
}

}  // namespace

int run_migrate(CliContext& context, const MigrateOptions& options) {
    if (options.action == "create") {
        const auto folder = create_migration(migrations_dir(context, options), options.name);
        std::cout << "created " << (folder / "up.sql").string() << " and " << (folder / "down.sql").string() << '\n';
        return exit_ok;
    }
    if (options.action == "status") return status(context, options);
    auto runner = make_runner(context, options);
    if (options.action == "up") {
        const auto applied = runner.up();
        if (!applied.empty()) std::cout << paint("applied " + std::to_string(applied.size()) + " migration(s)", "32") << '\n';
        return exit_ok;
    }
    if (options.action == "down") {
        const auto undone = options.to.empty() ? runner.down(options.steps) : runner.down_to(options.to);
        std::cout << "rolled back " << undone.size() << " migration(s)\n";
        return exit_ok;
    }
    raise({ErrorCategory::configuration, "unknown migrate action '" + options.action + "' (up, down, status, create)", {}, {}});
}

}  // namespace rex::cli

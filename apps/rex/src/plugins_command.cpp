#include "commands.hpp"
#include "exit_codes.hpp"
#include "table_printer.hpp"

#include "plugin_probe.hpp"

#include <plugin_report.hpp>
#include <rex/config.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>

namespace rex::cli {

namespace {

std::string extension_list(const PluginInfo& plugin) {
    std::string out;
    for (const auto& e : plugin.extensions) out += (out.empty() ? "" : ", ") + e.point + ":" + e.name;
    return out;
}

// Every file probed in a child process: this process never loads a plugin.
int run_isolated(CliContext& context, const PluginsOptions& options) {
    std::vector<LoadFailure> problems;
    auto files = plugin_files(context.plugin_dirs(), &problems);
    std::vector<std::string> only;  // as file stems: plugins.load names rex-<name>.so
    for (const auto& name : context.config().plugins.load) only.push_back("rex-" + name);
    if (!only.empty())
        std::erase_if(files, [&](const auto& f) { return std::find(only.begin(), only.end(), f.stem().string()) == only.end(); });
    bool fatal = false, refused = !problems.empty();
    auto out = nlohmann::json::array();
    TablePrinter table({"FILE", "RESULT", "DETAIL"});
    for (const auto& file : files) {
        const auto result = probe_plugin_file(file);
        fatal = fatal || result.outcome == "crashed" || result.outcome == "exited";
        refused = refused || result.outcome == "refused";
        out.push_back({{"file", file.string()}, {"result", result.outcome}, {"detail", result.detail}});
        table.add_row({file.string(), result.outcome, result.detail});
    }
    for (const auto& p : problems) {
        out.push_back({{"file", p.file.string()}, {"result", "refused"}, {"detail", p.reason}});
        table.add_row({p.file.string(), "refused", p.reason});
    }
    if (options.json)
        std::cout << nlohmann::json{{"files", out}}.dump(2) << '\n';
    else if (files.empty() && problems.empty())
        std::cout << "No plugin files found.\n";
    else
        table.print(std::cout);
    // A plugin that ends the process is always worth an exit code; a refusal only with --strict.
    return fatal || (options.strict && refused) ? exit_plugin_failed : exit_ok;
}

}  // namespace

int run_plugins(CliContext& context, const PluginsOptions& options) {
    if (options.isolate) return run_isolated(context, options);
    auto& kernel = context.kernel();
    const auto& plugins = kernel.plugins();
    const auto& failures = kernel.failures();

    if (options.json) {
        std::cout << app::plugin_report(kernel, context.plugin_dirs()).dump(2) << '\n';
    } else {
        if (plugins.empty()) {
            std::cout << "No plugins loaded.\n";
        } else {
            TablePrinter table({"NAME", "VERSION", "ABI", "EXTENSIONS", "FILE"});
            for (const auto& p : plugins)
                table.add_row({p.name, p.version, std::to_string(p.abi_version), extension_list(p), p.file.string()});
            table.print(std::cout);
        }
        if (!failures.empty()) {
            std::cout << "\nNot loaded:\n";
            TablePrinter table({"FILE", "REASON"});
            for (const auto& f : failures) table.add_row({f.file.string(), f.reason});
            table.print(std::cout);
        }
        if (plugins.empty() && failures.empty()) {
            std::cout << "Searched:";
            for (const auto& d : context.plugin_dirs()) std::cout << ' ' << d.string();
            if (context.plugin_dirs().empty()) std::cout << " (no plugin directories; use --plugin-dir or REX_PLUGIN_PATH)";
            std::cout << '\n';
        }
    }
    return options.strict && !failures.empty() ? exit_plugin_failed : exit_ok;
}

}  // namespace rex::cli

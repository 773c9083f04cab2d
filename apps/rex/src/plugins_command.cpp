#include "commands.hpp"
#include "exit_codes.hpp"
#include "table_printer.hpp"

#include <plugin_report.hpp>

#include <iostream>

namespace rex::cli {

namespace {

std::string extension_list(const PluginInfo& plugin) {
    std::string out;
    for (const auto& e : plugin.extensions) out += (out.empty() ? "" : ", ") + e.point + ":" + e.name;
    return out;
}

}  // namespace

int run_plugins(CliContext& context, const PluginsOptions& options) {
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

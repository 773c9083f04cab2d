#include "commands.hpp"
#include "exit_codes.hpp"
#include "table_printer.hpp"

#include <nlohmann/json.hpp>

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
        auto out = nlohmann::json::object();
        out["plugins"] = nlohmann::json::array();
        for (const auto& p : plugins) {
            auto extensions = nlohmann::json::array();
            for (const auto& e : p.extensions) extensions.push_back({{"point", e.point}, {"name", e.name}});
            out["plugins"].push_back({{"name", p.name},
                                      {"version", p.version},
                                      {"abi", p.abi_version},
                                      {"description", p.description},
                                      {"extensions", extensions},
                                      {"file", p.file.string()}});
        }
        out["failures"] = nlohmann::json::array();
        for (const auto& f : failures) out["failures"].push_back({{"file", f.file.string()}, {"reason", f.reason}});
        out["directories"] = nlohmann::json::array();
        for (const auto& d : context.plugin_dirs()) out["directories"].push_back(d.string());
        std::cout << out.dump(2) << '\n';
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

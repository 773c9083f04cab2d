#include "plugin_report.hpp"

namespace rex::app {

nlohmann::json plugin_report(const Kernel& kernel, const std::vector<std::filesystem::path>& directories) {
    auto out = nlohmann::json::object();
    out["plugins"] = nlohmann::json::array();
    for (const auto& p : kernel.plugins()) {
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
    for (const auto& f : kernel.failures()) out["failures"].push_back({{"file", f.file.string()}, {"reason", f.reason}});
    out["directories"] = nlohmann::json::array();
    for (const auto& d : directories) out["directories"].push_back(d.string());
    return out;
}

}  // namespace rex::app

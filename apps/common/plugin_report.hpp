// The plugin report as JSON, shared by `rex plugins --json` and rex-host's GET /plugins.
#pragma once

#include <rex/kernel.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <vector>

namespace rex::app {

// {"plugins": [{name, version, abi, description, extensions: [{point, name}], file}],
//  "failures": [{file, reason}], "directories": [...]}
nlohmann::json plugin_report(const Kernel& kernel, const std::vector<std::filesystem::path>& directories);

}  // namespace rex::app

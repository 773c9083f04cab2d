// Loads plugin files into a Registry. Each file is checked before any of its code runs
// (ELF header, the "rex_plugin" entry point in the symbol table), then opened with
// RTLD_NOW | RTLD_LOCAL, its descriptor's ABI version and build fingerprint compared, and
// only then its registration function called (with PluginInitGuard armed while its code first
// runs). Built-in plugins load first unless LoadOptions::replace_builtins; a name, URL scheme or
// exporter format already taken is refused naming both files. Every refusal names the file
// and the reason.
#pragma once

#include "registry.hpp"

#include <rex/kernel/plugin_info.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rex {

class PluginLoader {
public:
    explicit PluginLoader(Registry& registry) : registry_(registry) {}

    // Loads files and directories in order; refusals go to report.failures.
    void load(const std::vector<std::filesystem::path>& paths, const LoadOptions& options, LoadReport& report);

    const std::vector<PluginInfo>& plugins() const noexcept { return plugins_; }

private:
    // The plugin's info, or the reason it was refused. nullopt + empty reason: already loaded.
    std::optional<PluginInfo> load_file(const std::filesystem::path& file, std::string& reason);

    // What a refusal for a name already taken adds when a built-in is involved.
    std::string shadowing_hint(const std::filesystem::path& winner, const std::filesystem::path& loser) const;

    Registry& registry_;
    std::vector<PluginInfo> plugins_;
    std::set<std::filesystem::path> builtin_files_;  // canonical, of the current load
    bool replace_builtins_ = false;
    std::map<std::filesystem::path, std::string> loaded_files_;  // canonical path -> plugin name
};

// The plugin name a file is expected to hold: "rex-sqlite.so" -> "sqlite".
std::string plugin_name_from_file(const std::filesystem::path& file);

}  // namespace rex

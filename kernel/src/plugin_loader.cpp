#include "plugin_loader.hpp"

#include "elf_check.hpp"
#include "plugin_guard.hpp"

#include <rex/config.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/plugin.hpp>

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstring>
#include <regex>

namespace rex {

namespace {

namespace fs = std::filesystem;

// Turns dlopen's message into the reason a user can act on.
std::string explain_dlopen_failure(const std::string& what, const fs::path& file) {
    std::string message = what;
    if (const auto pos = what.find("dlerror system message: "); pos != std::string::npos) {
        message = what.substr(pos + 24);
        if (!message.empty() && message.back() == ')') message.pop_back();
    }
    static const std::regex missing_dep(R"(([^\s:]+): cannot open shared object file)");
    std::smatch m;
    if (std::regex_search(message, m, missing_dep) && fs::path(m[1].str()).filename() != file.filename())
        return "missing shared-library dependency: " + m[1].str();
    if (const auto pos = message.find("undefined symbol: "); pos != std::string::npos)
        return "unresolved symbol " + message.substr(pos + 18) +
               " (built against another SDK or library version?)";
    if (message.find("file too short") != std::string::npos || message.find("past end of file") != std::string::npos)
        return "truncated or corrupted file: " + message;
    return "cannot load: " + message;
}

bool valid_plugin_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

bool is_plugin_file(const fs::directory_entry& entry) {
    std::error_code ec;
    return entry.is_regular_file(ec) && entry.path().extension() == ".so";
}

}  // namespace

std::string PluginLoader::shadowing_hint(const fs::path& winner, const fs::path& loser) const {
    if (builtin_files_.contains(winner) && !builtin_files_.contains(loser))
        return "; it would shadow a built-in plugin: to replace built-ins, pass --replace-builtins, set plugins.replace_builtins "
               "or LoadOptions::replace_builtins";
    if (builtin_files_.contains(loser) && replace_builtins_) return "; this built-in plugin is replaced (replace_builtins)";
    return "";
}

std::string plugin_name_from_file(const fs::path& file) {
    auto stem = file.stem().string();
    if (stem.starts_with("rex-")) stem.erase(0, 4);
    return stem;
}

std::vector<fs::path> plugin_files(const std::vector<fs::path>& paths, std::vector<LoadFailure>* problems) {
    std::vector<fs::path> files;
    for (const auto& path : paths) {
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            std::vector<fs::path> found;
            for (const auto& entry : fs::directory_iterator(path, ec))
                if (is_plugin_file(entry)) found.push_back(entry.path());
            if (ec && problems) problems->push_back({path, "cannot read plugin directory: " + ec.message()});
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::exists(path, ec)) {
            files.push_back(path);
        } else if (problems) {
            problems->push_back({path, "no such plugin file or directory"});
        }
    }
    return files;
}

void PluginLoader::load(const std::vector<fs::path>& paths, const LoadOptions& options, LoadReport& report) {
    auto files = plugin_files(paths, &report.failures);
    // Built-ins first, so that a plugin elsewhere cannot take their names or URL schemes unless
    // the caller asked for that (then the others go first).
    const auto builtin_dirs = builtin_plugin_directories();
    const auto builtin = [&](const fs::path& file) {
        std::error_code ec;
        const auto dir = fs::weakly_canonical(file, ec).parent_path();
        return std::find(builtin_dirs.begin(), builtin_dirs.end(), dir) != builtin_dirs.end();
    };
    std::stable_partition(files.begin(), files.end(),
                          [&](const fs::path& file) { return builtin(file) != options.replace_builtins; });
    for (const auto& file : files)
        if (builtin(file)) builtin_files_.insert(fs::weakly_canonical(file));
    replace_builtins_ = options.replace_builtins;

    std::vector<std::string> wanted = options.only;
    std::vector<std::string> seen;
    for (const auto& file : files) {
        const auto expected_name = plugin_name_from_file(file);
        if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), expected_name) == wanted.end()) continue;
        seen.push_back(expected_name);
        std::string reason;
        if (auto info = load_file(file, reason)) {
            report.loaded.push_back(*info);
            plugins_.push_back(std::move(*info));
        } else if (!reason.empty()) {
            report.failures.push_back({file, reason});
        }
    }
    for (const auto& name : wanted) {
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
        const bool loaded_before = std::any_of(plugins_.begin(), plugins_.end(), [&](const PluginInfo& p) { return p.name == name; });
        if (loaded_before) continue;
        std::string where;
        for (const auto& p : paths) where += (where.empty() ? "" : ", ") + p.string();
        report.failures.push_back({fs::path("rex-" + name + ".so"),
                                   "plugin '" + name + "' was requested but not found in: " + (where.empty() ? "(no directories)" : where)});
    }
}

std::optional<PluginInfo> PluginLoader::load_file(const fs::path& file, std::string& reason) {
    std::error_code ec;
    const auto canonical = fs::weakly_canonical(file, ec);
    if (loaded_files_.contains(canonical)) return std::nullopt;  // never initialised twice

    // 1. Before any of its code runs: is this a shared library for this machine, whole?
    if (auto problem = check_elf_file(file)) {
        reason = *problem;
        return std::nullopt;
    }
    // 2. Does it export the entry point? Read from the symbol table without loading it.
    try {
        boost::dll::library_info info(file, /*throw_if_not_native*/ true);
        const auto symbols = info.symbols();
        if (std::find(symbols.begin(), symbols.end(), plugin_entry_symbol) == symbols.end()) {
            reason = std::string("not a Rex plugin: no '") + plugin_entry_symbol + "' entry point (REX_PLUGIN missing)";
            return std::nullopt;
        }
    } catch (const std::exception& e) {
        reason = std::string("truncated or corrupted file: cannot read its symbol table (") + e.what() + ")";
        return std::nullopt;
    }

    // 3. Load it: RTLD_NOW so a missing symbol fails here, RTLD_LOCAL so plugins don't see each other.
    auto library = std::make_shared<boost::dll::shared_library>();
    try {
        const PluginInitGuard guard(file);  // its static constructors run here
        library->load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
        reason = explain_dlopen_failure(e.what(), file);
        return std::nullopt;
    }
    if (!library->has(plugin_entry_symbol)) {
        reason = std::string("not a Rex plugin: no '") + plugin_entry_symbol + "' entry point";
        return std::nullopt;
    }

    // 4. The descriptor: ABI version and size first, as they are stable across versions.
    const void* entry = library->get<const void*>(plugin_entry_symbol);
    if (!entry) {
        reason = "not a Rex plugin: the entry point is null";
        return std::nullopt;
    }
    std::uint32_t header[2];
    std::memcpy(header, entry, sizeof header);
    if (header[0] != sdk_abi_version) {
        reason = "ABI version mismatch: plugin was built for SDK ABI " + std::to_string(header[0]) +
                 ", this kernel provides " + std::to_string(sdk_abi_version);
        return std::nullopt;
    }
    if (header[1] < sizeof(PluginDescriptor)) {
        reason = "corrupted descriptor: struct_size " + std::to_string(header[1]) + " is smaller than " +
                 std::to_string(sizeof(PluginDescriptor));
        return std::nullopt;
    }
    const auto& d = *static_cast<const PluginDescriptor*>(entry);
    const std::string fingerprint = d.build_fingerprint ? d.build_fingerprint : "";
    if (fingerprint != build_fingerprint) {
        reason = "build fingerprint mismatch: plugin has '" + fingerprint + "', kernel has '" + build_fingerprint +
                 "' (rebuild the plugin with the same compiler, standard library and Boost)";
        return std::nullopt;
    }
    const std::string name = d.name ? d.name : "";
    if (!valid_plugin_name(name)) {
        reason = "invalid plugin name '" + name + "' (use [a-z0-9_-], at most 64 characters)";
        return std::nullopt;
    }
    for (const auto& p : plugins_) {
        if (p.name == name) {
            reason = "duplicate plugin name '" + name + "' (already loaded from " + p.file.string() + ")" +
                     shadowing_hint(p.file, canonical);
            return std::nullopt;
        }
    }
    if (!d.register_extensions) {
        reason = "corrupted descriptor: no registration function";
        return std::nullopt;
    }

    // 5. Registration is staged: a throw or a duplicate name leaves the registry untouched.
    StagingRegistrar registrar(registry_);
    try {
        const PluginInitGuard guard(file);
        d.register_extensions(registrar);
    } catch (const RegistrationConflict& e) {
        reason = "initialisation failed: " + std::string(e.what()) + shadowing_hint(e.owner_file(), canonical);
        return std::nullopt;
    } catch (const Error& e) {
        reason = "initialisation failed: " + std::string(e.what());
        return std::nullopt;
    } catch (...) {
        // Not a rex::Error: its type says more than its message ("stoll").
        reason = "initialisation failed: plugin '" + name + "' threw " + describe_current_exception();
        return std::nullopt;
    }

    PluginInfo info;
    info.name = name;
    info.version = d.version ? d.version : "";
    info.description = d.description ? d.description : "";
    info.abi_version = header[0];
    info.file = canonical;
    info.extensions = registrar.commit(registry_, std::shared_ptr<const void>(library, library.get()), name, canonical);
    loaded_files_.emplace(canonical, name);
    return info;
}

}  // namespace rex

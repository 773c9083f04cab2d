// What the loader reports about plugins: those loaded and those refused, with the reason.
#pragma once

#include <rex/kernel/export.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rex {

// The four extension points, by their documented names.
inline constexpr const char* adapter_point = "adapter";
inline constexpr const char* dialect_point = "query-dialect";
inline constexpr const char* transport_point = "realtime-transport";
inline constexpr const char* exporter_point = "schema-exporter";
// Not an extension point of its own: a custom GraphQL root field a plugin added (rex/sdk/resolver.hpp).
inline constexpr const char* resolver_point = "resolver";

struct ExtensionRef {
    std::string point;  // one of the *_point names above
    std::string name;
};

struct PluginInfo {
    std::string name;
    std::string version;
    std::string description;
    std::uint32_t abi_version = 0;
    std::filesystem::path file;
    std::vector<ExtensionRef> extensions;
};

struct LoadFailure {
    std::filesystem::path file;
    std::string reason;  // one line: "ABI version mismatch: plugin has 999, kernel expects 1"
};

struct LoadReport {
    std::vector<PluginInfo> loaded;
    std::vector<LoadFailure> failures;
};

struct LoadOptions {
    // Plugin names to load (matched against rex-<name>.so); empty loads every plugin found.
    // A name that matches no file is reported as a failure.
    std::vector<std::string> only;
    // Built-in plugins (those of builtin_plugin_directories()) load before any other, so a
    // plugin with a built-in's name, extension name or URL scheme is refused (with a warning
    // naming both files). true: the others load first and may replace built-ins instead.
    bool replace_builtins = false;
};

// Inside a catch block: "std::invalid_argument: stoll" for the exception being handled, its
// type demangled, or "an exception of type int". How exceptions from plugins that are not a
// rex::Error are reported.
REX_KERNEL_API std::string describe_current_exception();

}  // namespace rex

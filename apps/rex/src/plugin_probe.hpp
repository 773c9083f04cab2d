// `rex plugins --isolate`: each plugin file is loaded by a child `rex` of its own, so a plugin
// that crashes or calls exit() while loading is reported by name instead of ending rex.
#pragma once

#include <filesystem>
#include <string>

namespace rex::cli {

struct ProbeResult {
    std::string outcome;  // "loaded", "refused", "crashed", "exited"
    std::string detail;   // "sqlite 0.1.0", the refusal's reason, "signal 11 (SIGSEGV)", "exit status 7"
};

// Runs `<this executable> --plugin-dir <file> plugins --json` and reads what became of it.
ProbeResult probe_plugin_file(const std::filesystem::path& file);

}  // namespace rex::cli

// While a plugin's code first runs (dlopen's constructors, its registration), a fatal signal or
// a call to exit() would end the process without a word. The guard, armed only for that time,
// names the file on stderr first: from a signal handler that uses write() alone and then
// re-raises the signal with the previous handler, and from an atexit / at_quick_exit hook.
#pragma once

#include <filesystem>

namespace rex {

class PluginInitGuard {
public:
    explicit PluginInitGuard(const std::filesystem::path& file);
    ~PluginInitGuard();
    PluginInitGuard(const PluginInitGuard&) = delete;
    PluginInitGuard& operator=(const PluginInitGuard&) = delete;
};

}  // namespace rex

#include "plugin_guard.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unistd.h>

namespace rex {

namespace {

// Process-wide by nature (signal dispositions are): one plugin initialises at a time.
std::mutex guard_mutex;
char loading_file[4096];
std::atomic<bool> armed{false};

constexpr int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
constexpr const char* fatal_names[] = {"SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT"};
struct sigaction previous[std::size(fatal_signals)];
// The handler runs on a stack of its own, so a plugin that overflows its stack is named too.
alignas(16) char handler_stack[64 * 1024];
stack_t previous_stack;

void say(const char* text) {
    for (std::size_t left = std::strlen(text); left > 0;) {
        const auto n = ::write(STDERR_FILENO, text, left);
        if (n <= 0) return;
        text += n;
        left -= static_cast<std::size_t>(n);
    }
}

extern "C" void on_fatal_signal(int signal) {
    std::size_t i = 0;
    while (i < std::size(fatal_signals) && fatal_signals[i] != signal) ++i;
    if (i == std::size(fatal_signals)) return;
    say("rex: fatal signal ");
    say(fatal_names[i]);
    say(" while loading plugin ");
    say(loading_file);
    say("\n");
    // The previous disposition (usually the default: end the process) handles it again.
    ::sigaction(signal, &previous[i], nullptr);
    ::raise(signal);
}

extern "C" void on_exit_while_loading() {
    if (!armed.load()) return;
    say("rex: plugin ");
    say(loading_file);
    say(" called exit() while loading; the process ends here\n");
}

}  // namespace

PluginInitGuard::PluginInitGuard(const std::filesystem::path& file) {
    guard_mutex.lock();
    static std::once_flag hooks;
    std::call_once(hooks, [] {
        std::atexit(on_exit_while_loading);
        std::at_quick_exit(on_exit_while_loading);
    });
    const auto text = file.string();
    const auto n = std::min(text.size(), sizeof loading_file - 1);
    std::memcpy(loading_file, text.data(), n);
    loading_file[n] = '\0';
    stack_t stack{};
    stack.ss_sp = handler_stack;
    stack.ss_size = sizeof handler_stack;
    ::sigaltstack(&stack, &previous_stack);
    struct sigaction action {};
    action.sa_handler = on_fatal_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_ONSTACK;
    for (std::size_t i = 0; i < std::size(fatal_signals); ++i) ::sigaction(fatal_signals[i], &action, &previous[i]);
    armed.store(true);
}

PluginInitGuard::~PluginInitGuard() {
    armed.store(false);
    for (std::size_t i = 0; i < std::size(fatal_signals); ++i) ::sigaction(fatal_signals[i], &previous[i], nullptr);
    ::sigaltstack(&previous_stack, nullptr);
    guard_mutex.unlock();
}

}  // namespace rex

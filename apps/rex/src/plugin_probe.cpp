#include "plugin_probe.hpp"

#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace rex::cli {

namespace {

std::string signal_text(int signal) {
    const char* abbrev = sigabbrev_np(signal);
    return "signal " + std::to_string(signal) + (abbrev ? " (SIG" + std::string(abbrev) + ")" : std::string());
}

}  // namespace

ProbeResult probe_plugin_file(const std::filesystem::path& file) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) raise({ErrorCategory::internal, std::string("pipe: ") + std::strerror(errno), {}, {}});
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    // The child's own last words (the loader's "fatal signal ... while loading") are summed up here.
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const std::string self = "/proc/self/exe";
    std::string arg0 = "rex", arg1 = "--plugin-dir", arg2 = file.string(), arg3 = "plugins", arg4 = "--json";
    char* argv[] = {arg0.data(), arg1.data(), arg2.data(), arg3.data(), arg4.data(), nullptr};
    pid_t pid = 0;
    const int spawned = ::posix_spawn(&pid, self.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (spawned != 0) {
        ::close(out[0]);
        raise({ErrorCategory::internal, "cannot start a child rex to probe " + file.string() + ": " + std::strerror(spawned), {}, {}});
    }
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }

    if (WIFSIGNALED(status)) return {"crashed", signal_text(WTERMSIG(status)) + " while loading"};
    const auto report = nlohmann::json::parse(text, nullptr, /*allow_exceptions*/ false);
    if (report.is_discarded() || !report.is_object())
        return {"exited", "ended the process with exit status " + std::to_string(WEXITSTATUS(status)) +
                              " while loading (it called exit())"};
    if (!report["plugins"].empty()) {
        const auto& p = report["plugins"][0];
        return {"loaded", p.value("name", "") + " " + p.value("version", "")};
    }
    if (!report["failures"].empty()) return {"refused", report["failures"][0].value("reason", "")};
    return {"refused", "no plugin in this file"};
}

}  // namespace rex::cli

#include "subprocess.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace rex::test {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
    int fd[2] = {-1, -1};
    Pipe() {
        if (::pipe2(fd, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    }
};

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// fork + exec with stdin/stdout/stderr redirected. stderr_fd may equal stdout_fd.
int spawn(const std::vector<std::string>& argv, const ProcessOptions& options, int stdin_fd, int stdout_fd,
          int stderr_fd) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    for (const auto& e : options.env) env_strings.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // A test that crashes takes its children with it: a rex-host left running would hold
        // the capture's feeder lock and slot (and its port) into the next run.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(126);
        ::dup2(stdin_fd, 0);
        ::dup2(stdout_fd, 1);
        ::dup2(stderr_fd, 2);
        if (!options.working_directory.empty() && ::chdir(options.working_directory.c_str()) != 0) ::_exit(126);
        ::execve(args[0], args.data(), envp.data());
        const char msg[] = "exec failed\n";
        [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
        ::_exit(127);
    }
    return pid;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    Pipe in, out, err;
    const int pid = spawn(argv, options, in.fd[0], out.fd[1], err.fd[1]);
    ::close(in.fd[0]);
    ::close(out.fd[1]);
    ::close(err.fd[1]);
    if (!options.stdin_text.empty()) {
        [[maybe_unused]] auto n = ::write(in.fd[1], options.stdin_text.data(), options.stdin_text.size());
    }
    ::close(in.fd[1]);

    ProcessResult result;
    const auto deadline = Clock::now() + std::chrono::seconds(options.timeout_seconds);
    pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
    int open_fds = 2;
    bool killed = false;
    while (open_fds > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            ::kill(pid, SIGKILL);
            killed = true;
            break;
        }
        if (::poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const auto n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
            } else {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = killed ? 137 : decode_status(status);
    return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
    Pipe in, out;
    pid_ = spawn(argv, options, in.fd[0], out.fd[1], out.fd[1]);
    ::close(in.fd[0]);
    ::close(in.fd[1]);
    ::close(out.fd[1]);
    out_fd_ = out.fd[0];
}

BackgroundProcess::~BackgroundProcess() {
    if (exit_code_ < 0 && pid_ > 0) {
        if (stop(SIGTERM, 5000) < 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    if (out_fd_ >= 0) ::close(out_fd_);
}

void BackgroundProcess::drain(int timeout_ms) {
    if (out_fd_ < 0) return;
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return;
    char buf[4096];
    const auto n = ::read(out_fd_, buf, sizeof buf);
    if (n > 0) {
        output_.append(buf, static_cast<std::size_t>(n));
    } else {
        ::close(out_fd_);
        out_fd_ = -1;
    }
}

std::string BackgroundProcess::wait_for_output(const std::string& needle, int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
        if (const auto pos = output_.find(needle); pos != std::string::npos) {
            const auto start = output_.rfind('\n', pos);
            const auto end = output_.find('\n', pos);
            const auto from = start == std::string::npos ? 0 : start + 1;
            return output_.substr(from, end == std::string::npos ? std::string::npos : end - from);
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0 || out_fd_ < 0) return {};
        drain(static_cast<int>(std::min<long long>(left, 100)));
    }
}

int BackgroundProcess::stop(int signal, int timeout_ms) {
    if (exit_code_ >= 0) return exit_code_;
    ::kill(pid_, signal);
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exit_code_ = decode_status(status);
            while (out_fd_ >= 0) drain(50);
            return exit_code_;
        }
        drain(20);
    }
    return -1;
}

}  // namespace rex::test

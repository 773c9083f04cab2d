// Runs a real program (rex, rex-host) for end-to-end tests and captures its output.
#pragma once

#include <string>
#include <vector>

namespace rex::test {

struct ProcessResult {
    int exit_code = -1;  // 128 + signal number if killed by a signal
    std::string out;
    std::string err;
};

struct ProcessOptions {
    std::vector<std::string> env;  // extra "NAME=value" entries added to the environment
    std::string working_directory;   // empty: inherit
    std::string stdin_text;
    int timeout_seconds = 60;      // killed (SIGKILL) after this; exit_code then 137
};

// Runs argv[0] (a path) with argv, waits for it, returns its exit code and output.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// A background process (rex-host) that is stopped with SIGTERM in the destructor.
class BackgroundProcess {
public:
    BackgroundProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;

    int pid() const { return pid_; }
    // Reads stderr+stdout lines until one contains `needle` or the timeout passes; returns that
    // line (empty on timeout). Everything read is kept in output().
    std::string wait_for_output(const std::string& needle, int timeout_ms = 20000);
    const std::string& output() const { return output_; }
    // Sends `signal`, waits up to timeout_ms; returns the exit code (or -1 if it did not exit).
    int stop(int signal, int timeout_ms = 10000);

private:
    void drain(int timeout_ms);
    int pid_ = -1;
    int out_fd_ = -1;
    int exit_code_ = -1;
    std::string output_;
};

}  // namespace rex::test

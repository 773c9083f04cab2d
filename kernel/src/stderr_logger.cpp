#include "stderr_logger.hpp"

#include <rex/sdk/value.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace rex {

void StderrLogger::write(LogLevel level, std::string_view component, std::string_view message) {
    using namespace std::chrono;
    const auto now = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    // Millisecond precision is enough for logs.
    const auto stamp = format_timestamp(Timestamp{now - now % 1000});
    std::string line = stamp + " " + std::string(to_string(level)) + " [" + std::string(component) + "] ";
    line.append(message);
    line += '\n';
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace rex

#include "stderr_logger.hpp"

#include <rex/sdk/value.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace rex {

std::string log_timestamp(Timestamp t) {
    // Millisecond precision is enough for logs; always three digits so that lines align.
    const auto millis = ((t.micros % 1'000'000 + 1'000'000) % 1'000'000) / 1000;
    std::string text = format_timestamp(Timestamp{t.micros - t.micros % 1'000'000 - (t.micros % 1'000'000 < 0 ? 1'000'000 : 0)});
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(millis));
    const auto zone = text.find('Z');
    text.insert(zone == std::string::npos ? text.size() : zone, fraction);
    return text;
}

void StderrLogger::write(LogLevel level, std::string_view component, std::string_view message) {
    using namespace std::chrono;
    const auto now = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    std::string line = log_timestamp(Timestamp{now}) + " " + std::string(to_string(level)) + " [" + std::string(component) + "] ";
    line.append(message);
    line += '\n';
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace rex

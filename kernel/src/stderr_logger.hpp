// The default logger: one line per message on stderr, safe from any thread.
#pragma once

#include <rex/sdk/log.hpp>

#include <rex/sdk/value.hpp>

#include <mutex>
#include <string>

namespace rex {

// "2026-12-04T23:23:33.070Z": always three fraction digits.
std::string log_timestamp(Timestamp t);

class StderrLogger final : public Logger {
public:
    explicit StderrLogger(LogLevel level) : level_(level) {}
    bool enabled(LogLevel level) const noexcept override { return level >= level_ && level != LogLevel::off; }
    void write(LogLevel level, std::string_view component, std::string_view message) override;

private:
    LogLevel level_;
    std::mutex mutex_;
};

}  // namespace rex

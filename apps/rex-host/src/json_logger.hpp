// log.format "json": one JSON object per line on stderr ({"time", "level", "component",
// "message"}), for log collectors. Messages are the same text as in the plain format, which
// never carries a secret (URLs are redacted, request targets too: log_redaction.hpp).
#pragma once

#include <rex/sdk/log.hpp>

#include <mutex>

namespace rex::host {

class JsonLogger final : public Logger {
public:
    explicit JsonLogger(LogLevel level) : level_(level) {}
    bool enabled(LogLevel level) const noexcept override { return level >= level_ && level != LogLevel::off; }
    void write(LogLevel level, std::string_view component, std::string_view message) override;

private:
    LogLevel level_;
    std::mutex mutex_;
};

}  // namespace rex::host

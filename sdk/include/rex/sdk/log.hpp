// The logger the kernel hands to plugins. Messages must never contain secrets.
#pragma once

#include <rex/sdk/abi.hpp>

#include <optional>
#include <string_view>

REX_SDK_BEGIN

enum class LogLevel : std::uint8_t { trace, debug, info, warn, error, off };

REX_SDK_API std::string_view to_string(LogLevel level) noexcept;
REX_SDK_API std::optional<LogLevel> parse_log_level(std::string_view name) noexcept;

class REX_SDK_API Logger {
public:
    virtual ~Logger();
    virtual bool enabled(LogLevel level) const noexcept = 0;
    virtual void write(LogLevel level, std::string_view component, std::string_view message) = 0;

    void log(LogLevel level, std::string_view component, std::string_view message) {
        if (enabled(level)) write(level, component, message);
    }
};

REX_SDK_END

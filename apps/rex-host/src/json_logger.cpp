#include "json_logger.hpp"

#include <rex/sdk/json_text.hpp>
#include <rex/sdk/value.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace rex::host {

namespace {

// A request target may carry bytes that are not UTF-8: those become \u00XX, never a broken line.
void append_text(std::string& out, std::string_view text) {
    if (append_json_string(out, text)) return;
    std::string ascii;
    for (const unsigned char c : text) {
        if (c < 0x80) {
            ascii += static_cast<char>(c);
        } else {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", c);
            ascii += escape;
        }
    }
    append_json_string(out, ascii);
}

}  // namespace

void JsonLogger::write(LogLevel level, std::string_view component, std::string_view message) {
    using namespace std::chrono;
    const auto micros = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    std::string line = "{\"time\":";
    append_json_string(line, format_timestamp(Timestamp{micros - micros % 1000}));
    line += ",\"level\":\"";
    line += to_string(level);
    line += "\",\"component\":";
    append_text(line, component);
    line += ",\"message\":";
    append_text(line, message);
    line += "}\n";
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace rex::host

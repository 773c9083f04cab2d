#include "sqlite_options.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <charconv>

namespace rex::sqlite {

namespace {

[[noreturn]] void bad(std::string_view url, const std::string& why) {
    raise({ErrorCategory::configuration, "invalid sqlite URL '" + redact_url(url) + "': " + why, {}, {}});
}

bool parse_switch(std::string_view url, const std::string& key, const std::string& value) {
    if (value == "on" || value == "true" || value == "1") return true;
    if (value == "off" || value == "false" || value == "0") return false;
    bad(url, "option " + key + "=" + value + " must be on or off");
}

int parse_ms(std::string_view url, const std::string& key, const std::string& value, int least) {
    int ms = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec != std::errc() || end != value.data() + value.size() || ms < least)
        bad(url, "option " + key + "=" + value + " must be a number of milliseconds" + (least ? " (at least 1)" : ""));
    return ms;
}

}  // namespace

SqliteOptions parse_options(std::string_view url) {
    const auto parsed = parse_url(url);
    if (parsed.scheme != "sqlite") bad(url, "scheme must be sqlite");
    if (parsed.has_authority && !parsed.host.empty())
        bad(url, "a host is not allowed (use sqlite:path/to/file.db or sqlite:///absolute/path.db)");

    SqliteOptions options;
    options.path = parsed.path;
    if (options.path.empty()) bad(url, "no database path (use sqlite::memory: or sqlite:path/to/file.db)");

    for (const auto& [key, value] : parsed.options) {
        if (key == "busy_timeout") {
            options.busy_timeout_ms = parse_ms(url, key, value, 0);
        } else if (key == "capture_poll") {
            options.capture_poll_ms = parse_ms(url, key, value, 1);
        } else if (key == "mode") {
            if (value == "ro") options.mode = OpenMode::read_only;
            else if (value == "rw") options.mode = OpenMode::read_write;
            else if (value == "rwc") options.mode = OpenMode::read_write_create;
            else bad(url, "option mode=" + value + " must be ro, rw or rwc");
        } else if (key == "journal") {
            if (value == "wal") options.journal = Journal::wal;
            else if (value == "delete") options.journal = Journal::rollback;
            else bad(url, "option journal=" + value + " must be wal or delete");
        } else if (key == "foreign_keys") {
            options.foreign_keys = parse_switch(url, key, value);
        } else {
            bad(url, "unknown option '" + key + "' (known: busy_timeout, mode, journal, foreign_keys, capture_poll)");
        }
    }
    return options;
}

}  // namespace rex::sqlite

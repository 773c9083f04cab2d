// Database URL parsing shared by adapters: scheme://user:password@host:port/database?k=v
#pragma once

#include <rex/sdk/abi.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

REX_SDK_BEGIN

struct REX_SDK_API Url {
    std::string scheme;    // lower-case, without ':'
    std::string user;      // percent-decoded
    std::string password;  // percent-decoded; never logged (see redacted())
    std::string host;
    std::optional<std::uint16_t> port;
    std::string path;      // percent-decoded; for scheme://host/db everything after the
                           // authority including the leading '/' ("/db"); for scheme:path
                           // the whole opaque part ("file.db", ":memory:")
    std::map<std::string, std::string> options;  // query parameters, percent-decoded
    bool has_authority = false;                  // true for "scheme://..."

    // The URL with the password replaced by "***", safe for logs and error messages.
    std::string redacted() const;
    // An option's value, or nullopt.
    std::optional<std::string> option(std::string_view key) const;
};

// Throws ConfigurationError naming the URL (redacted) and what is wrong.
REX_SDK_API Url parse_url(std::string_view text);

// The scheme of a URL ("sqlite" for "sqlite::memory:"), lower-cased; empty if none.
REX_SDK_API std::string url_scheme(std::string_view text);

// Best effort redaction for any text that may contain a URL with a password.
REX_SDK_API std::string redact_url(std::string_view text);

REX_SDK_END

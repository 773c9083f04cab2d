// A plugin's settings, from the section of the host's config named after it:
//   "settings": {"graphql": {"naming": "camel", "limits": {"max_depth": 12}}}
// Kept as text per key (nested objects as dotted keys: "limits.max_depth"; arrays as their JSON
// text), so the SDK needs no JSON library and a plugin reads typed values with one call. Every
// accessor that fails names the plugin, the key and the problem in one line.
#pragma once

#include <rex/sdk/abi.hpp>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

REX_SDK_BEGIN

class REX_SDK_API PluginSettings {
public:
    PluginSettings() = default;
    // `origin` names where the settings came from in messages ("rex.json: /settings/graphql").
    explicit PluginSettings(std::string origin) : origin_(std::move(origin)) {}

    // Adds or replaces a key. Strings are kept as they are; numbers, booleans and null as their
    // JSON text; arrays and objects as JSON text.
    void set(std::string key, std::string value);

    bool empty() const noexcept { return values_.empty(); }
    const std::vector<std::pair<std::string, std::string>>& values() const noexcept { return values_; }
    const std::string& origin() const noexcept { return origin_; }

    // The value's text; nullopt when the key is absent.
    std::optional<std::string_view> find(std::string_view key) const noexcept;
    std::string text(std::string_view key, std::string_view fallback) const;
    // ConfigurationError when present but not an integer within [min, max].
    std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                         std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;
    // ConfigurationError when present but not true/false.
    bool boolean(std::string_view key, bool fallback) const;
    // ConfigurationError when present but not one of `choices`.
    std::string choice(std::string_view key, std::string_view fallback, std::initializer_list<std::string_view> choices) const;
    // ConfigurationError naming the first key that is not in `known` (or under a known "prefix.").
    void check_known(std::initializer_list<std::string_view> known) const;

private:
    [[noreturn]] void fail(std::string_view key, const std::string& problem) const;

    std::string origin_ = "settings";
    std::vector<std::pair<std::string, std::string>> values_;
};

REX_SDK_END

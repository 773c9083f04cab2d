#include <rex/sdk/error.hpp>
#include <rex/sdk/settings.hpp>

#include <charconv>

REX_SDK_BEGIN

void PluginSettings::set(std::string key, std::string value) {
    for (auto& [k, v] : values_)
        if (k == key) {
            v = std::move(value);
            return;
        }
    values_.emplace_back(std::move(key), std::move(value));
}

std::optional<std::string_view> PluginSettings::find(std::string_view key) const noexcept {
    for (const auto& [k, v] : values_)
        if (k == key) return std::string_view(v);
    return std::nullopt;
}

std::string PluginSettings::text(std::string_view key, std::string_view fallback) const {
    return std::string(find(key).value_or(fallback));
}

std::int64_t PluginSettings::integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) const {
    const auto v = find(key);
    if (!v) return fallback;
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || end != v->data() + v->size())
        fail(key, "expected an integer, got '" + std::string(*v) + "'");
    if (n < min || n > max)
        fail(key, "expected an integer " + std::to_string(min) + "-" + std::to_string(max) + ", got " + std::string(*v));
    return n;
}

bool PluginSettings::boolean(std::string_view key, bool fallback) const {
    const auto v = find(key);
    if (!v) return fallback;
    if (*v == "true") return true;
    if (*v == "false") return false;
    fail(key, "expected true or false, got '" + std::string(*v) + "'");
}

std::string PluginSettings::choice(std::string_view key, std::string_view fallback,
                                   std::initializer_list<std::string_view> choices) const {
    const auto v = find(key);
    if (!v) return std::string(fallback);
    std::string listed;
    for (auto c : choices) {
        if (c == *v) return std::string(c);
        listed += (listed.empty() ? "" : ", ") + std::string(c);
    }
    fail(key, "expected one of " + listed + ", got '" + std::string(*v) + "'");
}

void PluginSettings::check_known(std::initializer_list<std::string_view> known) const {
    for (const auto& [k, v] : values_) {
        bool ok = false;
        for (auto name : known) {
            const std::string_view key(k);
            // "limits" also admits "limits.max_depth" when the plugin reads the nested keys itself.
            if (key == name || (key.size() > name.size() && key.starts_with(name) && key[name.size()] == '.')) ok = true;
        }
        if (!ok) {
            std::string listed;
            for (auto name : known) listed += (listed.empty() ? "" : ", ") + std::string(name);
            fail(k, "unknown setting (known: " + listed + ")");
        }
    }
}

void PluginSettings::fail(std::string_view key, const std::string& problem) const {
    std::string pointer(key);
    for (auto& c : pointer)
        if (c == '.') c = '/';
    raise({ErrorCategory::configuration, origin_ + "/" + pointer + ": " + problem, {}, {}});
}

REX_SDK_END

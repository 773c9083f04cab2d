#include <rex/sdk/access.hpp>

#include <algorithm>
#include <cctype>

REX_SDK_BEGIN

const std::string* Identity::variable(std::string_view name) const noexcept {
    for (const auto& [n, v] : variables)
        if (std::equal(n.begin(), n.end(), name.begin(), name.end(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
            }))
            return &v;
    return nullptr;
}

bool is_session_variable(std::string_view text) noexcept {
    if (text.size() <= 6) return false;
    for (std::size_t i = 0; i < 6; ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != "x-rex-"[i]) return false;
    return true;
}

std::shared_ptr<const Identity> Identity::administrator() {
    static const auto admin = [] {
        auto out = std::make_shared<Identity>();
        out->admin = true;
        out->role = "admin";
        return std::shared_ptr<const Identity>(std::move(out));
    }();
    return admin;
}

REX_SDK_END

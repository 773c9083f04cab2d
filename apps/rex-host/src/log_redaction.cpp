#include "log_redaction.hpp"

#include <array>
#include <cctype>

namespace rex::host {

namespace {

bool names_a_credential(std::string_view name) {
    static constexpr std::array<std::string_view, 9> words{"token", "secret", "password", "passwd", "auth", "key", "jwt", "session", "signature"};
    std::string lower;
    for (const char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto word : words)
        if (lower.find(word) != std::string::npos) return true;
    return false;
}

}  // namespace

std::string redact_target(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return std::string(target);
    std::string out(target.substr(0, q + 1));
    std::string_view rest = target.substr(q + 1);
    bool first = true;
    while (true) {
        const auto amp = rest.find('&');
        const auto pair = rest.substr(0, amp);
        if (!first) out += '&';
        first = false;
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && names_a_credential(pair.substr(0, eq))) {
            out.append(pair.substr(0, eq + 1)).append("REDACTED");
        } else {
            out.append(pair);
        }
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return out;
}

}  // namespace rex::host

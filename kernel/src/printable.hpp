// Text from a file quoted in a one-line error message: control characters are shown (a NUL as
// \0, others as \xNN) instead of sent raw, where a NUL would end what() and a newline the line.
#pragma once

#include <string>
#include <string_view>

namespace rex {

inline std::string printable(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\0')
            out += "\\0";
        else if (u < 0x20 || u == 0x7f)
            out += std::string("\\x") + hex[u >> 4] + hex[u & 0xf];
        else
            out += c;
    }
    return out;
}

}  // namespace rex

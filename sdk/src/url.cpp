#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

REX_SDK_BEGIN

namespace {

[[noreturn]] void bad_url(std::string_view text, const std::string& why) {
    raise({ErrorCategory::configuration, "invalid database URL '" + redact_url(text) + "': " + why, {}, {}});
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string decode(std::string_view part, std::string_view whole) {
    std::string out;
    out.reserve(part.size());
    for (std::size_t i = 0; i < part.size(); ++i) {
        if (part[i] == '%') {
            if (i + 2 >= part.size()) bad_url(whole, "incomplete percent-escape");
            const int hi = hex_value(part[i + 1]);
            const int lo = hex_value(part[i + 2]);
            if (hi < 0 || lo < 0) bad_url(whole, "bad percent-escape");
            // Paths, names and options reach C APIs that stop at a NUL: "c.db%00.bak" would open c.db.
            if (hi == 0 && lo == 0) bad_url(whole, "'%00' (a NUL byte) is not allowed");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += part[i];
        }
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::size_t scheme_end(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::string_view::npos;
    for (std::size_t i = 0; i < colon; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (!(std::isalnum(c) || c == '+' || c == '-' || c == '.')) return std::string_view::npos;
    }
    return std::isalpha(static_cast<unsigned char>(text[0])) ? colon : std::string_view::npos;
}

}  // namespace

std::string url_scheme(std::string_view text) {
    const auto end = scheme_end(text);
    return end == std::string_view::npos ? std::string() : lower(text.substr(0, end));
}

std::string redact_url(std::string_view text) {
    // scheme://user:password@host -> scheme://user:***@host
    std::string out(text);
    const auto sep = out.find("://");
    if (sep == std::string::npos) return out;
    const auto start = sep + 3;
    const auto at = out.find('@', start);
    const auto slash = out.find('/', start);
    if (at == std::string::npos || (slash != std::string::npos && slash < at)) {
        // password=... in the query string
    } else {
        const auto colon = out.find(':', start);
        if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    for (std::string key : {"password=", "passwd=", "pwd="}) {
        for (auto pos = out.find(key); pos != std::string::npos; pos = out.find(key, pos + 1)) {
            if (pos > 0 && out[pos - 1] != '?' && out[pos - 1] != '&' && out[pos - 1] != ' ') continue;
            const auto vstart = pos + key.size();
            auto vend = out.find_first_of("& ", vstart);
            if (vend == std::string::npos) vend = out.size();
            out.replace(vstart, vend - vstart, "***");
        }
    }
    return out;
}

Url parse_url(std::string_view text) {
    if (const auto nul = text.find('\0'); nul != std::string_view::npos)
        bad_url(text.substr(0, nul), "a NUL byte follows (at offset " + std::to_string(nul) + "); it is not allowed");
    Url url;
    const auto colon = scheme_end(text);
    if (colon == std::string_view::npos) bad_url(text, "missing scheme (expected e.g. sqlite:, postgres://)");
    url.scheme = lower(text.substr(0, colon));
    std::string_view rest = text.substr(colon + 1);

    // The query string is split off first; '?' never appears in the other parts unescaped.
    std::string_view query;
    if (const auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }

    if (rest.starts_with("//")) {
        url.has_authority = true;
        rest.remove_prefix(2);
        const auto slash = rest.find('/');
        std::string_view authority = rest.substr(0, slash);
        url.path = slash == std::string_view::npos ? std::string() : decode(rest.substr(slash), text);
        if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
            const auto userinfo = authority.substr(0, at);
            authority = authority.substr(at + 1);
            const auto pc = userinfo.find(':');
            url.user = decode(userinfo.substr(0, pc), text);
            if (pc != std::string_view::npos) url.password = decode(userinfo.substr(pc + 1), text);
        }
        std::string_view port;
        if (authority.starts_with('[')) {
            const auto close = authority.find(']');
            if (close == std::string_view::npos) bad_url(text, "unterminated IPv6 address");
            url.host = std::string(authority.substr(1, close - 1));
            const auto after = authority.substr(close + 1);
            if (!after.empty()) {
                if (after[0] != ':') bad_url(text, "unexpected text after IPv6 address");
                port = after.substr(1);
            }
        } else {
            const auto pc = authority.rfind(':');
            url.host = decode(authority.substr(0, pc), text);
            if (pc != std::string_view::npos) port = authority.substr(pc + 1);
        }
        if (!port.empty()) {
            unsigned value = 0;
            auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
            if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
                bad_url(text, "port '" + std::string(port) + "' is not a number from 1 to 65535");
            url.port = static_cast<std::uint16_t>(value);
        }
    } else {
        url.path = decode(rest, text);
    }

    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        const auto key = decode(pair.substr(0, eq), text);
        if (key.empty()) bad_url(text, "empty option name in query string");
        url.options[key] = eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1), text);
    }
    return url;
}

std::string Url::redacted() const {
    std::string out = scheme + ":";
    if (has_authority) {
        out += "//";
        if (!user.empty() || !password.empty()) out += user + (password.empty() ? "" : ":***") + "@";
        out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
        if (port) out += ":" + std::to_string(*port);
    }
    out += path;
    char sep = '?';
    for (const auto& [k, v] : options) {
        const bool secret = k == "password" || k == "passwd" || k == "pwd";
        out += sep + k + "=" + (secret ? std::string("***") : v);
        sep = '&';
    }
    return out;
}

std::optional<std::string> Url::option(std::string_view key) const {
    auto it = options.find(std::string(key));
    if (it == options.end()) return std::nullopt;
    return it->second;
}

REX_SDK_END

#include "api/naming.hpp"

#include <cctype>
#include <vector>

namespace rex::graphql {

namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// "ArtistId", "artist_id", "playlistTrack" -> {"artist", "id"}, lower-cased words.
std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_' || c == '-' || c == ' ') {
            if (!current.empty()) out.push_back(std::move(current)), current.clear();
            continue;
        }
        // A new word starts at an upper-case letter after a lower-case one, or at the last
        // capital of a run followed by a lower-case letter ("HTTPServer" -> http, server).
        if (is_upper(c) && !current.empty() &&
            (is_lower_or_digit(text[i - 1]) || (i + 1 < text.size() && is_upper(text[i - 1]) && text[i + 1] >= 'a' && text[i + 1] <= 'z')))
            out.push_back(std::move(current)), current.clear();
        current += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

std::string capitalised(std::string word) {
    if (!word.empty()) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
    return word;
}

// English plural to singular, for table names only ("tracks", "categories", "addresses").
std::string singular(std::string word) {
    const auto ends = [&](std::string_view s) { return word.size() > s.size() && word.ends_with(s); };
    if (ends("ies")) return word.substr(0, word.size() - 3) + "y";
    if (ends("sses") || ends("xes") || ends("ches") || ends("shes")) return word.substr(0, word.size() - 2);
    if (ends("s") && !ends("ss") && !ends("us") && !ends("is")) return word.substr(0, word.size() - 1);
    return word;
}

std::string pascal(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& w : parts) out += capitalised(w);
    return out;
}

std::string camel(const std::vector<std::string>& parts) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) out += i ? capitalised(parts[i]) : parts[i];
    return out;
}

}  // namespace

std::optional<Naming> parse_naming(std::string_view text) noexcept {
    if (text == "as-is" || text == "as_is" || text.empty()) return Naming::as_is;
    if (text == "camel") return Naming::camel;
    return std::nullopt;
}

std::string graphql_name(std::string_view text) {
    std::string out;
    for (char c : text) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out.insert(out.begin(), '_');
    return out;
}

std::string Names::type(std::string_view entity) const {
    if (naming_ == Naming::as_is) return graphql_name(entity);
    auto parts = words(entity);
    if (parts.empty()) return graphql_name(entity);
    parts.back() = singular(parts.back());
    return graphql_name(pascal(parts));
}

std::string Names::derived(std::string_view type_name, std::string_view suffix) const {
    if (naming_ == Naming::as_is) return std::string(type_name) + "_" + std::string(suffix);
    return std::string(type_name) + pascal(words(suffix));
}

std::string Names::field(std::string_view name) const {
    if (naming_ == Naming::as_is) return graphql_name(name);
    // Leading underscores mark operators (_eq, _set): they stay.
    std::size_t underscores = 0;
    while (underscores < name.size() && name[underscores] == '_') ++underscores;
    return graphql_name(std::string(underscores, '_') + camel(words(name.substr(underscores))));
}

std::string Names::root(std::string_view prefix, std::string_view entity, std::string_view suffix) const {
    if (naming_ == Naming::as_is) {
        std::string out = prefix.empty() ? "" : std::string(prefix) + "_";
        out += graphql_name(entity);
        if (!suffix.empty()) out += "_" + std::string(suffix);
        return out;
    }
    std::vector<std::string> parts = words(prefix);
    for (auto& w : words(entity)) parts.push_back(std::move(w));
    for (auto& w : words(suffix)) parts.push_back(std::move(w));
    return graphql_name(camel(parts));
}

}  // namespace rex::graphql

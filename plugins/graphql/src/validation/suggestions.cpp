#include "suggestions.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace rex::graphql {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// graphql-js LexicalDistance.measure: Damerau-Levenshtein (optimal string alignment), bounded.
std::optional<std::size_t> distance(std::string_view input, std::string_view option, std::size_t threshold) {
    if (input == option) return 0;
    std::string a = lower(option), b = lower(input);
    if (a == b) return 1;
    if (a.size() < b.size()) std::swap(a, b);
    if (a.size() - b.size() > threshold) return std::nullopt;
    std::vector<std::vector<std::size_t>> rows(3, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t j = 0; j <= b.size(); ++j) rows[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        auto& up = rows[(i - 1) % 3];
        auto& cur = rows[i % 3];
        std::size_t smallest = cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            std::size_t d = std::min({up[j] + 1, cur[j - 1] + 1, up[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d = std::min(d, rows[(i - 2) % 3][j - 2] + 1);
            cur[j] = d;
            smallest = std::min(smallest, d);
        }
        if (smallest > threshold) return std::nullopt;
    }
    std::size_t d = rows[a.size() % 3][b.size()];
    if (d > threshold) return std::nullopt;
    return d;
}

}  // namespace

std::vector<std::string_view> suggestion_list(std::string_view input, const std::vector<std::string_view>& options) {
    std::size_t threshold = input.size() * 4 / 10 + 1;
    std::vector<std::pair<std::size_t, std::string_view>> found;
    for (auto option : options)
        if (auto d = distance(input, option, threshold)) found.emplace_back(*d, option);
    std::sort(found.begin(), found.end());
    std::vector<std::string_view> out;
    for (const auto& [d, option] : found) out.push_back(option);
    return out;
}

std::string did_you_mean(const std::vector<std::string_view>& suggestions, std::string_view what) {
    if (suggestions.empty()) return {};
    std::string message = " Did you mean ";
    if (!what.empty()) message += std::string(what) + " ";
    auto quoted = [](std::string_view s) { return "\"" + std::string(s) + "\""; };
    if (suggestions.size() == 1) return message + quoted(suggestions[0]) + "?";
    if (suggestions.size() == 2) return message + quoted(suggestions[0]) + " or " + quoted(suggestions[1]) + "?";
    std::size_t n = std::min<std::size_t>(suggestions.size(), 5);
    for (std::size_t i = 0; i + 1 < n; ++i) message += quoted(suggestions[i]) + ", ";
    return message + "or " + quoted(suggestions[n - 1]) + "?";
}

}  // namespace rex::graphql

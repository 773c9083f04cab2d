#include "operations/sent_rows.hpp"

#include <algorithm>
#include <functional>

namespace rex::graphql {

namespace {

std::uint64_t hash_of(std::string_view text) { return std::hash<std::string_view>{}(text); }
// 0 marks a taken row.
std::uint64_t text_hash(std::string_view text) { return std::max<std::uint64_t>(hash_of(text), 1); }

}  // namespace

void SentRows::add(std::string_view key, std::string_view text) { rows_.emplace_back(hash_of(key), text_hash(text)); }

void SentRows::seal(Clock::time_point now) {
    // Stable: of a key sent twice, the later text stays last of its run, and is the one kept.
    std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) { return a.first < b.first; });
    auto last = std::unique(rows_.rbegin(), rows_.rend(), [](const Row& a, const Row& b) { return a.first == b.first; });
    rows_.erase(rows_.begin(), last.base());
    rows_.shrink_to_fit();
    until_ = now + window_;
    sealed_ = true;
}

bool SentRows::take_same(std::string_view key, std::string_view text, Clock::time_point now) {
    if (!sealed_ || rows_.empty()) return false;
    if (now >= until_) {
        std::vector<Row>().swap(rows_);  // `= {}` would keep the capacity
        taken_ = 0;
        return false;
    }
    const auto k = hash_of(key);
    const auto it = std::lower_bound(rows_.begin(), rows_.end(), Row{k, 0}, [](const Row& a, const Row& b) { return a.first < b.first; });
    if (it == rows_.end() || it->first != k || it->second == 0) return false;
    const bool same = it->second == text_hash(text);
    it->second = 0;
    // Taken rows are dropped once they are half of the vector.
    if (++taken_ * 2 >= rows_.size()) {
        std::erase_if(rows_, [](const Row& r) { return r.second == 0; });
        rows_.shrink_to_fit();
        taken_ = 0;
    }
    return same;
}

}  // namespace rex::graphql

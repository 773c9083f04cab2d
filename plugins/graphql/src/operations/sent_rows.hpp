// What the first pages of a stream sent, so that a change they already showed is not sent again.
// A page read after a change committed shows it; the change's event comes later (capture lag), and
// only the first event of each such row can repeat a page. So for each row of the pages: a hash
// of its key and one of the text sent, 16 bytes a row in one sorted vector (a map of strings
// cost 70–120), each forgotten at the row's first change, and all of them once `window` has
// passed since the pages were read: by then every change a page showed has reached the bus, and
// a later change is sent whether or not its row looks the same.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace rex::graphql {

class SentRows {
public:
    using Clock = std::chrono::steady_clock;

    explicit SentRows(std::chrono::seconds window = std::chrono::seconds(60)) : window_(window) {}

    // A row sent by a page; a key sent twice (its cursor value moved it to a later page) keeps
    // the last text.
    void add(std::string_view key, std::string_view text);
    // The pages are read: from now on rows are looked up, until `now` + window.
    void seal(Clock::time_point now);
    // Whether `text` is what a page sent for `key`; forgets the key either way (only a row's first
    // change can repeat a page). After the window: always false, and the memory is freed.
    bool take_same(std::string_view key, std::string_view text, Clock::time_point now);

    std::size_t size() const { return rows_.size() - taken_; }
    std::size_t capacity_bytes() const { return rows_.capacity() * sizeof(Row); }

private:
    using Row = std::pair<std::uint64_t, std::uint64_t>;  // key hash, text hash (0: taken)
    std::vector<Row> rows_;
    std::size_t taken_ = 0;
    std::chrono::seconds window_;
    Clock::time_point until_{};
    bool sealed_ = false;
};

}  // namespace rex::graphql

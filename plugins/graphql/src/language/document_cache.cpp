#include "document_cache.hpp"

#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rex::graphql {

namespace {

constexpr std::size_t capacity = 512;
constexpr std::size_t max_cached_text = 64 * 1024;  // bigger documents are rare: not worth the memory
// Texts held at most (their parsed forms take a few times more): distinct large documents from a
// hostile client must not pin much memory.
constexpr std::size_t max_cached_bytes = 4 * 1024 * 1024;

struct Cache {
    using Entry = std::pair<std::string, std::shared_ptr<const CheckedDocument>>;
    std::mutex mutex;
    std::list<Entry> lru;  // most recent first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;
    std::size_t bytes = 0;  // sum of the keys' sizes
};

Cache& cache() {
    static Cache c;
    return c;
}

// The schema's identity and its root names (public fields, changeable without a new generation).
std::string key_for(const Schema& schema, std::string_view text) {
    std::string key = std::to_string(schema.generation());
    key += '\0';
    key += schema.query_type;
    key += '\0';
    key += schema.mutation_type.value_or("");
    key += '\0';
    key += schema.subscription_type.value_or("");
    key += '\0';
    key += text;
    return key;
}

}  // namespace

std::shared_ptr<const CheckedDocument> cached_document(const Schema& schema, std::string_view text,
                                                       const std::function<CheckedDocument()>& make) {
    if (text.size() > max_cached_text) return std::make_shared<const CheckedDocument>(make());
    std::string key = key_for(schema, text);
    Cache& c = cache();
    {
        std::lock_guard lock(c.mutex);
        if (auto it = c.index.find(key); it != c.index.end()) {
            c.lru.splice(c.lru.begin(), c.lru, it->second);
            return it->second->second;
        }
    }
    auto made = std::make_shared<const CheckedDocument>(make());
    std::lock_guard lock(c.mutex);
    if (c.index.find(key) == c.index.end()) {
        c.bytes += key.size();
        c.lru.emplace_front(std::move(key), made);
        c.index.emplace(c.lru.front().first, c.lru.begin());
        while (c.lru.size() > capacity || c.bytes > max_cached_bytes) {
            c.bytes -= c.lru.back().first.size();
            c.index.erase(c.lru.back().first);
            c.lru.pop_back();
        }
    }
    return made;
}

}  // namespace rex::graphql

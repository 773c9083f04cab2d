#include "json_repeats.hpp"

#include <set>
#include <vector>

namespace rex {

std::string json_pointer_token(std::string_view key) {
    std::string out;
    for (char c : key) out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    return out;
}

nlohmann::json parse_json_noting_repeats(std::string_view text, bool ignore_comments, std::string& repeated) {
    using json = nlohmann::json;
    struct Frame {
        bool array = false;
        std::size_t items = 0;  // arrays: elements begun so far
        std::string key;        // objects: the current key
        std::set<std::string, std::less<>> keys;
    };
    std::vector<Frame> open;
    const auto begin_item = [&] {
        if (!open.empty() && open.back().array) ++open.back().items;
    };
    const json::parser_callback_t watch = [&](int, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start:
                begin_item();
                open.emplace_back();
                open.back().array = event == json::parse_event_t::array_start;
                break;
            case json::parse_event_t::key:
                open.back().key = parsed.get<std::string>();
                if (!open.back().keys.insert(open.back().key).second && repeated.empty())
                    for (const auto& f : open)
                        repeated += f.array ? "/" + std::to_string(f.items - 1) : "/" + json_pointer_token(f.key);
                break;
            case json::parse_event_t::value: begin_item(); break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end: open.pop_back(); break;
        }
        return true;
    };
    return json::parse(text.begin(), text.end(), watch, /*allow_exceptions*/ true, ignore_comments);
}

}  // namespace rex

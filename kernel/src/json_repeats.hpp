// Parsing JSON that a person wrote (config and model files): nlohmann keeps the last of a
// repeated key silently, so the parse notes where the first repeat is instead.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace rex {

// Parses `text` (throws nlohmann::json::parse_error); `repeated` becomes the JSON pointer of the
// first key that appears twice in one object, or stays empty.
nlohmann::json parse_json_noting_repeats(std::string_view text, bool ignore_comments, std::string& repeated);

// A JSON pointer token: '~' and '/' escaped (RFC 6901).
std::string json_pointer_token(std::string_view key);

}  // namespace rex

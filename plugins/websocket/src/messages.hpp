// JSON text of the protocols' messages, and reading a client's message.
#pragma once

#include <rex/sdk/operation.hpp>

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace rex::websocket {

// {"type":…[,"id":…][,"payload":…]}: `id` is a raw string (escaped here), `payload` JSON text;
// either is left out when empty.
std::string message(std::string_view type, std::string_view id = {}, std::string_view payload = {});
// [{"message":…}]: one GraphQL error.
std::string error_list(std::string_view text);
// {"message":…}
std::string error_object(std::string_view text);
// The client's message as a JSON object with a string "type"; nullopt when it is not one.
std::optional<nlohmann::json> parse_message(std::string_view text);
// A member as JSON text, or empty when it is absent or null; nullopt when present but not an
// object (variables, extensions, connection payloads must be objects).
std::optional<std::string> object_text(const nlohmann::json& parent, const char* key);

// The operation in a subscribe / start payload ({query, variables?, operationName?,
// extensions?}); on a malformed one, nullopt and `problem` says what is wrong.
std::optional<OperationRequest> read_operation(const nlohmann::json& payload, std::string& problem);

}  // namespace rex::websocket

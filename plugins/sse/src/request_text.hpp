// Reading what a client sent: query-string parameters, and the members of a JSON request body
// (a GraphQL request) as text, without a JSON library. Errors as the host writes them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rex::sse {

// name=value pairs in order, percent-decoded ('+' is a space); a name without '=' has "".
std::vector<std::pair<std::string, std::string>> query_parameters(std::string_view query);

// The top-level members of a JSON object as {name, compact JSON text of the value}; nullopt
// when `json` is not valid JSON or not an object.
std::optional<std::vector<std::pair<std::string, std::string>>> json_members(std::string_view json);
// The string a JSON string literal stands for; nullopt when `literal` is not one.
std::optional<std::string> json_string_value(std::string_view literal);

// {"error":{"status":…,"message":"…"}}, the host's error body.
std::string error_body(int status, std::string_view message);

}  // namespace rex::sse

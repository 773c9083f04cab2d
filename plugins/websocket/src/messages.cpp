#include "messages.hpp"

#include <rex/sdk/json_text.hpp>

#include <nlohmann/json.hpp>

namespace rex::websocket {

std::string message(std::string_view type, std::string_view id, std::string_view payload) {
    std::string out;
    out.reserve(32 + id.size() + payload.size());
    out += R"({"type":)";
    append_json_string(out, type);
    if (!id.empty()) {
        out += R"(,"id":)";
        if (!append_json_string(out, id)) out += R"("")";  // ids come from parsed JSON: valid UTF-8
    }
    if (!payload.empty()) {
        out += R"(,"payload":)";
        out += payload;
    }
    out += '}';
    return out;
}

std::string error_object(std::string_view text) {
    std::string out = R"({"message":)";
    if (!append_json_string(out, text)) out += R"x("(not UTF-8)")x";
    out += '}';
    return out;
}

std::string error_list(std::string_view text) { return '[' + error_object(text) + ']'; }

std::optional<nlohmann::json> parse_message(std::string_view text) {
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    const auto type = doc.find("type");
    if (type == doc.end() || !type->is_string()) return std::nullopt;
    return doc;
}

std::optional<std::string> object_text(const nlohmann::json& parent, const char* key) {
    const auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return std::string();
    if (!it->is_object()) return std::nullopt;
    return it->dump();
}

std::optional<OperationRequest> read_operation(const nlohmann::json& payload, std::string& problem) {
    if (!payload.is_object()) return problem = "payload must be an object", std::nullopt;
    const auto query = payload.find("query");
    if (query == payload.end() || !query->is_string()) return problem = "payload.query must be a string", std::nullopt;
    auto variables = object_text(payload, "variables");
    if (!variables) return problem = "payload.variables must be an object or null", std::nullopt;
    auto extensions = object_text(payload, "extensions");
    if (!extensions) return problem = "payload.extensions must be an object or null", std::nullopt;
    const auto name = payload.find("operationName");
    if (name != payload.end() && !name->is_null() && !name->is_string())
        return problem = "payload.operationName must be a string or null", std::nullopt;
    OperationRequest request;
    request.query = query->get<std::string>();
    request.variables = std::move(*variables);
    request.extensions = std::move(*extensions);
    if (name != payload.end() && name->is_string()) request.operation_name = name->get<std::string>();
    return request;
}

}  // namespace rex::websocket

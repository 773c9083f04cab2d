// Request targets go to the access log; a query parameter that carries a credential
// (?access_token=…, ?password=…: SSE and WebSocket clients cannot always send headers) must not.
#pragma once

#include <string>
#include <string_view>

namespace rex::host {

// `target` with the value of every query parameter whose name contains token, secret, password,
// passwd, auth, key, jwt, session or signature (any case) replaced by "REDACTED".
std::string redact_target(std::string_view target);

}  // namespace rex::host

// Plain HTTP request/response types exchanged between rex-host and plugins. No network
// library appears here; the host translates to and from its own server types.
#pragma once

#include <rex/sdk/abi.hpp>

#include <string>
#include <string_view>
#include <vector>

REX_SDK_BEGIN

struct HttpHeader {
    std::string name;
    std::string value;
};

struct REX_SDK_API HttpRequest {
    std::string method;  // "GET"
    std::string target;  // "/graphql?x=1"
    std::string path;    // "/graphql"
    std::string query;   // "x=1"
    std::vector<HttpHeader> headers;
    std::string body;
    std::string remote_address;

    // Case-insensitive header lookup; nullptr if absent.
    const std::string* header(std::string_view name) const noexcept;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<HttpHeader> headers;
    std::string body;
    // What the request was, for the host's metrics ("query", "mutation"); empty: nothing more
    // than the route. Never sent to the client.
    std::string operation;
};

REX_SDK_END

// Plain HTTP request/response types exchanged between rex-host and plugins. No network
// library appears here; the host translates to and from its own server types.
#pragma once

#include <rex/sdk/abi.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

REX_SDK_BEGIN

struct HttpHeader {
    std::string name;
    std::string value;
};

// Case-insensitive header lookup; nullptr if absent.
REX_SDK_API const std::string* find_header(const std::vector<HttpHeader>& headers, std::string_view name) noexcept;

// Tells a route that the client went away before its answer (the host watches the socket while a
// worker runs the route). A route doing long work registers what stops it, e.g. cancelling its
// statement, and withdraws it when the work is done. Thread-safe: the host abandons from an I/O
// thread while the route runs on a worker.
class REX_SDK_API RequestAbandon {
public:
    bool abandoned() const noexcept;
    // Runs `action` (noexcept in spirit: exceptions are swallowed) when the request is abandoned,
    // at once when it already is; replaces any earlier action.
    void on_abandon(std::function<void()> action);
    // Withdraws the action; once this returns, the action is not running and never will.
    void withdraw() noexcept;
    // The host: the client hung up. Runs the action once.
    void abandon() noexcept;

private:
    mutable std::mutex mutex_;
    bool abandoned_ = false;
    std::function<void()> action_;
};

struct REX_SDK_API HttpRequest {
    std::string method;  // "GET"
    std::string target;  // "/graphql?x=1"
    std::string path;    // "/graphql"
    std::string query;   // "x=1"
    std::vector<HttpHeader> headers;
    std::string body;
    std::string remote_address;
    // Set by a host that watches for clients hanging up; nullptr otherwise.
    std::shared_ptr<RequestAbandon> abandon;

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

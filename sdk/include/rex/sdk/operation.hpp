// GraphQL operations for realtime transports: a transport plugin (WebSocket, SSE) runs queries,
// mutations and subscriptions through the host's GraphQL executor without linking it. The
// executor (a schema-exporter's, e.g. rex-graphql.so) implements OperationExecutor; the host hands
// it to transports through TransportContext::operations().
#pragma once

#include <rex/sdk/http.hpp>

#include <memory>
#include <string>
#include <vector>

REX_SDK_BEGIN

struct OperationRequest {
    std::string query;
    std::string variables;       // JSON object text; empty when there are none
    std::string operation_name;  // empty when not given
    std::string extensions;      // JSON object text; empty when there are none
    // Who asks: the HTTP headers of the connection's opening request (Authorization, cookies)
    // and the JSON object of the transport's handshake (graphql-ws `connection_init` payload;
    // empty when none), from which the executor derives the requester's identity.
    std::vector<HttpHeader> headers;
    std::string connection_params;
};

// Receives the results of one operation. Calls for one operation never overlap and come from the
// host's worker threads (or the change bus's publishing thread): a sink queues and returns quickly.
class REX_SDK_API OperationSink {
public:
    virtual ~OperationSink();
    // One execution result: a GraphQL response object as JSON text ({"data":…} and/or
    // {"errors":[…]}, maybe "extensions"). A query or mutation gives one; a subscription many.
    virtual void next(std::string result) = 0;
    // The request was refused before any execution (syntax, validation, a limit, no permission):
    // a JSON array of GraphQL errors. Nothing follows, not even complete().
    virtual void error(std::string errors) = 0;
    // The operation ended by itself (a query or mutation after its result).
    virtual void complete() = 0;
};

// A running operation; destroying it stops it. After the destructor returns no sink call starts.
class REX_SDK_API OperationHandle {
public:
    virtual ~OperationHandle();
};

class REX_SDK_API OperationExecutor {
public:
    virtual ~OperationExecutor();
    // Starts a query, mutation or subscription and returns at once; the work runs on the host's
    // worker threads and reports to `sink`. Subscriptions: the first result reflects a change-log
    // position (its "extensions": {"rex": {"sequence": n}}) and updates follow from right after it.
    virtual std::unique_ptr<OperationHandle> start(OperationRequest request, std::shared_ptr<OperationSink> sink) = 0;
};

REX_SDK_END

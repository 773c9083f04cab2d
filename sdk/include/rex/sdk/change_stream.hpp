// The plain change stream (GET /changes over SSE, /changes over WebSocket) for clients without
// GraphQL: change-bus events of the entities a client names, filtered by operation and a row
// predicate in the `where` syntax, rendered as JSON messages. The host implements ChangeStreams
// once (with the catalog and the permission rules) and hands it to every transport through
// TransportContext::change_streams(), so SSE and WebSocket deliver exactly the same events.
#pragma once

#include <rex/sdk/change.hpp>
#include <rex/sdk/http.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

REX_SDK_BEGIN

struct ChangeStreamRequest {
    std::vector<std::string> entities;  // catalog entity names; empty: every entity
    std::vector<ChangeKind> kinds;      // empty: insert, update and delete
    std::string where;                  // JSON object text in the where syntax; empty: every row
    // Resume after this sequence number (SSE Last-Event-ID); nullopt: only new events.
    std::optional<std::uint64_t> after;
    std::vector<HttpHeader> headers;    // the opening request's headers (identity)
    std::string connection_params;      // a handshake's JSON object (identity); empty when none
};

// How a stream ended without the client asking.
struct ChangeStreamEnd {
    // The client resumed from a position no longer retained (or the host lost changes): it must
    // refetch its state, then open a new stream without `after`.
    bool refetch = false;
    std::string reason;  // one line
};

// Calls for one stream never overlap; they come from the change bus's publishing thread, so a
// sink queues and returns quickly (and ends the stream itself when its queue is full).
class REX_SDK_API ChangeStreamSink {
public:
    virtual ~ChangeStreamSink();
    // `message`: {"event":"insert|update|delete","model":…,"data":{…},"old":{…}?,"seq":n}, never
    // null. Rendered once per event and view and shared by every stream that sees the same: a
    // sink keeps the pointer (queues it) rather than copying the text.
    virtual void event(std::uint64_t sequence, std::shared_ptr<const std::string> message) = 0;
    virtual void end(ChangeStreamEnd why) = 0;
};

class REX_SDK_API ChangeStreams {
public:
    virtual ~ChangeStreams();
    // Checks the request (entity names, the where text, the identity) and throws a rex::Error
    // with one line saying what is wrong when it is bad — category validation when the requester
    // is refused or its role may not read what it asks for (SSE answers 403) — otherwise delivers
    // matching events, as the requester's role sees them, until the subscription is destroyed.
    virtual std::unique_ptr<ChangeSubscription> open(ChangeStreamRequest request, std::shared_ptr<ChangeStreamSink> sink) = 0;
};

REX_SDK_END

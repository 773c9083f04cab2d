// The transport's two routes.
//
// GET /changes: the plain change stream (the host's ChangeStreams) as Server-Sent Events.
//   ?entity=Album,Track&op=insert,delete&where={"AlbumId":{"_eq":3}}&lastEventId=42
// `id:` is the event's sequence number; the Last-Event-ID header (or lastEventId) resumes after
// it. A stream that ends says why in an `event: end` message.
//
// /graphql/stream: GraphQL over Server-Sent Events (the graphql-sse protocol). Distinct
// connections mode: each POST (or GET ?query=…) opens one stream for one operation, whose
// results come as `event: next` messages and whose end as `event: complete`. Single connection
// mode: reservations.hpp. Operations run through the host's GraphQL executor
// (TransportContext::operations()).
#pragma once

#include "reservations.hpp"
#include "stream_context.hpp"

namespace rex::sse {

// What both routes share: the transport's context.
class StreamRoute : public HttpRoute {
public:
    explicit StreamRoute(std::shared_ptr<const StreamContext> context) : context_(std::move(context)) {}

protected:
    std::shared_ptr<const StreamContext> context_;
};

class ChangesRoute final : public StreamRoute {
public:
    using StreamRoute::StreamRoute;
    HttpResponse handle(const HttpRequest& request) override;
    bool wants_stream(const HttpRequest& request) const override;
    void take_stream(const HttpRequest& request, StreamSocket socket) override;
};

class GraphqlStreamRoute final : public StreamRoute {
public:
    explicit GraphqlStreamRoute(std::shared_ptr<const StreamContext> context);
    HttpResponse handle(const HttpRequest& request) override;
    bool wants_stream(const HttpRequest& request) const override;
    void take_stream(const HttpRequest& request, StreamSocket socket) override;

private:
    std::shared_ptr<Reservations> reservations_;
};

}  // namespace rex::sse

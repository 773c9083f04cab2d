// Extension point "realtime-transport": started by rex-host with its I/O context, it claims
// HTTP routes (plain or upgraded/streaming) and feeds clients from the kernel's change bus.
#pragma once

#include <rex/sdk/access.hpp>
#include <rex/sdk/http.hpp>
#include <rex/sdk/settings.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;  // the host's; plugins include Boost.Asio themselves
}

REX_SDK_BEGIN

class ChangeBus;
class ChangeStreams;
class CatalogView;
class Logger;
class Metrics;
class OperationExecutor;

// A connection the host hands over for streaming (WebSocket upgrade, SSE). The receiver
// owns the socket from then on and must close it.
struct StreamSocket {
    int native_handle = -1;     // connected TCP socket
    std::string already_read;   // bytes the host read past the request, if any
};

class REX_SDK_API HttpRoute {
public:
    virtual ~HttpRoute();
    // Plain request/response.
    virtual HttpResponse handle(const HttpRequest& request) = 0;
    // True if this request should be handed over as a stream instead of handle().
    virtual bool wants_stream(const HttpRequest& request) const;
    virtual void take_stream(const HttpRequest& request, StreamSocket socket);
};

class REX_SDK_API TransportContext {
public:
    virtual ~TransportContext();
    virtual boost::asio::io_context& io_context() = 0;
    // Claims every request whose path equals `path`. A second claim shares the path: it gets the
    // streams it wants (e.g. WebSocket upgrades on the executor's /graphql), the first route the
    // rest; a third claim throws.
    virtual void add_route(std::string path, std::shared_ptr<HttpRoute> route) = 0;
    virtual ChangeBus& changes() = 0;
    virtual const CatalogView& catalog() const = 0;
    virtual Logger& logger() = 0;
    // A plugin's settings from the host's config ("settings": {"<plugin>": {...}}); empty by default.
    virtual const PluginSettings& settings(std::string_view plugin) const;
    // The GraphQL executor for operations over streams (rex/sdk/operation.hpp); nullptr when the
    // host serves none. Valid until the transport is stopped.
    virtual OperationExecutor* operations();
    // The plain change stream (rex/sdk/change_stream.hpp); nullptr when the host offers none.
    virtual ChangeStreams* change_streams();
    // Where the transport reports its figures for GET /metrics (rex/sdk/metrics.hpp); nullptr
    // when the host keeps none.
    virtual Metrics* metrics();
    // Who opens a stream, as ExecutorContext::identify; the default (no permissions) is the admin.
    virtual IdentifyResult identify(const IdentityRequest& request) const;
};

class REX_SDK_API RealtimeTransport {
public:
    virtual ~RealtimeTransport();
    virtual std::string_view name() const = 0;
    virtual std::string_view description() const = 0;
    virtual void start(TransportContext& context) = 0;
    // Closes every client; called before the host's I/O context stops.
    virtual void stop() = 0;
};

REX_SDK_END

// Extension point "schema-exporter": turns the catalog into a schema text (e.g. GraphQL
// SDL) and may offer an executor serving requests against that schema.
#pragma once

#include <rex/sdk/access.hpp>
#include <rex/sdk/http.hpp>
#include <rex/sdk/settings.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

REX_SDK_BEGIN

class CatalogView;
class ChangeBus;
class Connection;
class Dialect;
class Logger;
class Metrics;
class OperationExecutor;

// What an executor may use of the kernel. The host calls an executor from its worker threads,
// never from its I/O threads, so an executor may block on the database.
class REX_SDK_API ExecutorContext {
public:
    virtual ~ExecutorContext();
    virtual const CatalogView& catalog() const = 0;
    // A connection from the kernel's pool for the configured database; returned to the pool when
    // the last reference goes (with any open transaction rolled back).
    virtual std::shared_ptr<Connection> acquire() = 0;
    // The dialect of the configured database: identifiers are quoted and placeholders numbered
    // by it, so values stay bound parameters.
    virtual const Dialect& dialect() const = 0;
    virtual ChangeBus& changes() = 0;
    virtual Logger& logger() = 0;
    // The exporter's plugin's settings from the host's config ("settings": {"<plugin>": {...}});
    // empty by default.
    virtual const PluginSettings& settings() const;
    // Runs `work` on the host's worker threads (not an I/O thread), for operations that report
    // later (OperationExecutor::start); the default runs it at once on the calling thread.
    virtual void post(std::function<void()> work);
    // Where the executor reports its figures for GET /metrics (rex/sdk/metrics.hpp); nullptr when
    // the host keeps none.
    virtual Metrics* metrics();
    // Who sends a request (rex/sdk/access.hpp): the host checks the token or the operator secret
    // and hands the role's rules with the identity; the default (no permissions) is the admin.
    virtual IdentifyResult identify(const IdentityRequest& request) const;
    // A connection for a read that needs no fresh data (a GraphQL query outside any transaction):
    // from a read replica when the host has some (database.replicas), which may lag behind the
    // primary; the default is acquire(). Writes, reads that must reflect a change-log position
    // and transactions use acquire().
    virtual std::shared_ptr<Connection> acquire_read();
};

class REX_SDK_API RequestExecutor {
public:
    virtual ~RequestExecutor();
    virtual HttpResponse execute(const HttpRequest& request) = 0;
    // The same executor for transports (WebSocket, SSE: subscriptions too); nullptr by default.
    virtual std::shared_ptr<OperationExecutor> operations();
};

class REX_SDK_API SchemaExporter {
public:
    virtual ~SchemaExporter();
    virtual std::string_view name() const = 0;
    virtual std::string_view description() const = 0;
    virtual std::string_view format() const = 0;  // "graphql-sdl", "sql-ddl", ...
    virtual std::string export_schema(const CatalogView& catalog) const = 0;
    // The same with the plugin's settings from the config (an exporter whose schema depends on
    // them, such as a naming option, overrides this one); the default ignores them.
    virtual std::string export_schema(const CatalogView& catalog, const PluginSettings& settings) const;
    // nullptr when the exporter only exports.
    virtual std::shared_ptr<RequestExecutor> make_executor(ExecutorContext& context);
};

REX_SDK_END

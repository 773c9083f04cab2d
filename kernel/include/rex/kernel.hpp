// The embedding API: a Kernel owns its plugin registry, catalog, change bus and logger.
// There is no global state; two kernels in one process do not see each other.
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/kernel/plugin_info.hpp>
#include <rex/pool.hpp>
#include <rex/sdk/adapter.hpp>
#include <rex/sdk/catalog.hpp>
#include <rex/sdk/change.hpp>
#include <rex/sdk/dialect.hpp>
#include <rex/sdk/exporter.hpp>
#include <rex/sdk/log.hpp>
#include <rex/sdk/resolver.hpp>
#include <rex/sdk/transport.hpp>

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

namespace rex {

class REX_KERNEL_API Kernel {
public:
    // Logs to stderr at `level` unless a logger is set.
    explicit Kernel(LogLevel level = LogLevel::warn);
    ~Kernel();
    Kernel(const Kernel&) = delete;
    Kernel& operator=(const Kernel&) = delete;

    // Loads one plugin file, or every *.so in a directory (sorted by name, not recursive).
    // Failures are collected in the report and in failures(); they never stop the others.
    LoadReport load_plugins(const std::filesystem::path& path, const LoadOptions& options = {});
    // Loads from several files/directories in order (built-in plugins first, see
    // LoadOptions::replace_builtins); LoadOptions::only is checked across all.
    LoadReport load_plugins(const std::vector<std::filesystem::path>& paths, const LoadOptions& options = {});
    // Loads from every directory of default_plugin_directories(); warns when no plugin at all
    // was found.
    LoadReport load_default_plugins(const LoadOptions& options = {});

    const std::vector<PluginInfo>& plugins() const noexcept;
    const std::vector<LoadFailure>& failures() const noexcept;

    // Extensions by name; a missing name throws NotFoundError listing what is registered.
    // The returned objects keep their plugin's library loaded while they live.
    std::shared_ptr<Adapter> adapter(std::string_view name) const;
    std::shared_ptr<Adapter> adapter_for_url(std::string_view url) const;
    std::shared_ptr<Dialect> dialect(std::string_view name) const;
    // The dialect of the adapter registered for the URL's scheme (no connection is opened).
    std::shared_ptr<Dialect> dialect_for_url(std::string_view url) const;
    std::shared_ptr<RealtimeTransport> transport(std::string_view name) const;
    std::shared_ptr<SchemaExporter> exporter(std::string_view name) const;
    std::vector<std::shared_ptr<RealtimeTransport>> transports() const;
    std::vector<std::shared_ptr<SchemaExporter>> exporters() const;

    // Opens a connection with the adapter registered for the URL's scheme. The connection
    // keeps its plugin loaded while it lives.
    std::shared_ptr<Connection> connect(std::string_view url) const;
    // A connection pool for `url`; it keeps the adapter (and its library) alive and may
    // outlive the kernel.
    std::shared_ptr<ConnectionPool> make_pool(std::string_view url, PoolOptions options = {}) const;

    Logger& logger() noexcept;
    void set_logger(std::shared_ptr<Logger> logger);
    const CatalogView& catalog() const noexcept;
    // Adds an entity to the catalog, or replaces the one with the same name (Database::map and
    // JSON model files do this). ConfigurationError for an entity without a name.
    void register_entity(EntityInfo entity);
    // Adds a custom root field to the GraphQL API (rex/sdk/resolver.hpp), listed by
    // catalog().resolvers(). ConfigurationError when it is incomplete or its operation already has
    // a custom field of that name; a clash with a generated field is refused when the API is built.
    void register_resolver(Resolver resolver);
    ChangeBus& changes() noexcept;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace rex

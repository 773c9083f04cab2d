#include <rex/config.hpp>
#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include "catalog.hpp"
#include "change_bus.hpp"
#include "plugin_loader.hpp"
#include "registry.hpp"
#include "stderr_logger.hpp"

#include <mutex>

namespace rex {

struct Kernel::State {
    explicit State(LogLevel level) : logger(std::make_shared<StderrLogger>(level)), loader(registry) { registry.catalog = &catalog; }

    mutable std::mutex mutex;  // loading happens on one thread at a time; lookups see a consistent registry
    std::shared_ptr<Logger> logger;
    Registry registry;
    PluginLoader loader;
    std::vector<LoadFailure> failures;
    Catalog catalog;
    InMemoryChangeBus changes;

    template <class T>
    std::shared_ptr<T> find(const NamedMap<T>& map, std::string_view name, const char* point) const {
        std::lock_guard lock(mutex);
        if (auto it = map.find(name); it != map.end()) return it->second;
        std::string known;
        for (const auto& [n, object] : map) known += (known.empty() ? "" : ", ") + n;
        raise({ErrorCategory::not_found,
               std::string("no ") + point + " named '" + std::string(name) + "' is loaded (loaded: " +
                   (known.empty() ? "none" : known) + ")",
               {}, {}});
    }

    template <class T>
    std::vector<std::shared_ptr<T>> all(const NamedMap<T>& map) const {
        std::lock_guard lock(mutex);
        std::vector<std::shared_ptr<T>> out;
        for (const auto& [name, object] : map) out.push_back(object);
        return out;
    }
};

Kernel::Kernel(LogLevel level) : state_(std::make_unique<State>(level)) {}

Kernel::~Kernel() = default;

LoadReport Kernel::load_plugins(const std::filesystem::path& path, const LoadOptions& options) {
    return load_plugins(std::vector<std::filesystem::path>{path}, options);
}

LoadReport Kernel::load_plugins(const std::vector<std::filesystem::path>& paths, const LoadOptions& options) {
    LoadReport report;
    {
        std::lock_guard lock(state_->mutex);
        state_->loader.load(paths, options, report);
        state_->failures.insert(state_->failures.end(), report.failures.begin(), report.failures.end());
    }
    for (const auto& p : report.loaded)
        state_->logger->log(LogLevel::debug, "loader", "loaded plugin " + p.name + " " + p.version + " from " + p.file.string());
    for (const auto& f : report.failures)
        state_->logger->log(LogLevel::warn, "loader", "refused " + f.file.string() + ": " + f.reason);
    return report;
}

LoadReport Kernel::load_default_plugins(const LoadOptions& options) {
    const auto dirs = default_plugin_directories();
    auto report = load_plugins(dirs, options);
    if (plugins().empty()) {
        // Said now: otherwise the first connect fails with "no adapter is loaded" and no hint why.
        std::string searched;
        for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d.string();
        state_->logger->log(LogLevel::warn, "loader",
                            "no plugin found (searched: " + (searched.empty() ? std::string("no plugin directory exists") : searched) +
                                "); set REX_PLUGIN_PATH, or install the plugins into <prefix>/lib/rex/plugins beside librex-kernel.so");
    }
    return report;
}

const std::vector<PluginInfo>& Kernel::plugins() const noexcept { return state_->loader.plugins(); }

const std::vector<LoadFailure>& Kernel::failures() const noexcept { return state_->failures; }

std::shared_ptr<Adapter> Kernel::adapter(std::string_view name) const {
    return state_->find(state_->registry.adapters, name, adapter_point);
}

std::shared_ptr<Adapter> Kernel::adapter_for_url(std::string_view url) const {
    const auto scheme = url_scheme(url);
    if (scheme.empty())
        raise({ErrorCategory::configuration,
               "invalid database URL '" + redact_url(url) + "': missing scheme (expected e.g. sqlite:, postgres://)", {}, {}});
    std::string name;
    {
        std::lock_guard lock(state_->mutex);
        auto it = state_->registry.adapter_by_scheme.find(scheme);
        if (it == state_->registry.adapter_by_scheme.end()) {
            std::string known;
            for (const auto& [s, a] : state_->registry.adapter_by_scheme) known += (known.empty() ? "" : ", ") + s;
            raise({ErrorCategory::not_found,
                   "no adapter is loaded for URL scheme '" + scheme + "' (schemes loaded: " +
                       (known.empty() ? "none" : known) + ")",
                   {}, {}});
        }
        name = it->second;
    }
    return adapter(name);
}

std::shared_ptr<Dialect> Kernel::dialect(std::string_view name) const {
    return state_->find(state_->registry.dialects, name, dialect_point);
}

std::shared_ptr<Dialect> Kernel::dialect_for_url(std::string_view url) const { return dialect(adapter_for_url(url)->dialect()); }

std::shared_ptr<RealtimeTransport> Kernel::transport(std::string_view name) const {
    return state_->find(state_->registry.transports, name, transport_point);
}

std::shared_ptr<SchemaExporter> Kernel::exporter(std::string_view name) const {
    return state_->find(state_->registry.exporters, name, exporter_point);
}

std::vector<std::shared_ptr<RealtimeTransport>> Kernel::transports() const {
    return state_->all(state_->registry.transports);
}

std::vector<std::shared_ptr<SchemaExporter>> Kernel::exporters() const {
    return state_->all(state_->registry.exporters);
}

namespace {

// Opens a connection that keeps its adapter (and so its library) alive; it is destroyed first.
std::shared_ptr<Connection> open_connection(std::shared_ptr<Adapter> adapter, const std::string& url,
                                            const std::shared_ptr<Logger>& logger) {
    ConnectOptions options;
    options.url = url;
    options.logger = logger.get();
    auto connection = adapter->connect(options);
    if (!connection)
        raise({ErrorCategory::internal, "adapter '" + std::string(adapter->name()) + "' returned no connection", {}, {}});
    struct Holder {
        std::shared_ptr<Logger> logger;
        std::shared_ptr<Adapter> adapter;
        std::unique_ptr<Connection> connection;
    };
    auto holder = std::make_shared<Holder>(Holder{logger, std::move(adapter), std::move(connection)});
    Connection* raw = holder->connection.get();
    return std::shared_ptr<Connection>(std::move(holder), raw);
}

}  // namespace

std::shared_ptr<Connection> Kernel::connect(std::string_view url) const {
    return open_connection(adapter_for_url(url), std::string(url), state_->logger);
}

std::shared_ptr<ConnectionPool> Kernel::make_pool(std::string_view url, PoolOptions options) const {
    auto factory = [adapter = adapter_for_url(url), url = std::string(url), logger = state_->logger] {
        return open_connection(adapter, url, logger);
    };
    return std::make_shared<ConnectionPool>(std::move(factory), options, redact_url(url));
}

Logger& Kernel::logger() noexcept { return *state_->logger; }

void Kernel::set_logger(std::shared_ptr<Logger> logger) {
    if (logger) state_->logger = std::move(logger);
}

const CatalogView& Kernel::catalog() const noexcept { return state_->catalog; }

void Kernel::register_entity(EntityInfo entity) { state_->catalog.put_entity(std::move(entity)); }

void Kernel::register_resolver(Resolver resolver) {
    std::lock_guard lock(state_->mutex);  // against a plugin registering one at the same time
    state_->catalog.put_resolver(std::make_shared<const Resolver>(std::move(resolver)), "the application");
}

ChangeBus& Kernel::changes() noexcept { return state_->changes; }

}  // namespace rex

#include "registry.hpp"

#include <rex/sdk/error.hpp>

#include <algorithm>

namespace rex {

namespace {

[[noreturn]] void registration_error(const std::string& message) {
    raise({ErrorCategory::plugin_load, message, {}, {}});
}

template <class T>
void require_object(const std::shared_ptr<T>& object, const char* point) {
    if (!object) registration_error(std::string("registered a null ") + point);
}

}  // namespace

void StagingRegistrar::claim(const char* point, std::string_view name) {
    if (name.empty()) registration_error(std::string("registered a ") + point + " without a name");
    const auto key = std::string(point) + "/" + std::string(name);
    if (auto it = registry_.owner.find(key); it != registry_.owner.end())
        registration_error("duplicate " + std::string(point) + " name '" + std::string(name) +
                           "' (already registered by plugin '" + it->second + "')");
    if (std::find(claimed_.begin(), claimed_.end(), key) != claimed_.end())
        registration_error("duplicate " + std::string(point) + " name '" + std::string(name) +
                           "' (registered twice by this plugin)");
    claimed_.push_back(key);
}

void StagingRegistrar::add_adapter(std::shared_ptr<Adapter> adapter) {
    require_object(adapter, adapter_point);
    claim(adapter_point, adapter->name());
    for (const auto& scheme : adapter->url_schemes()) {
        if (registry_.adapter_by_scheme.contains(scheme) ||
            std::find(schemes_.begin(), schemes_.end(), scheme) != schemes_.end())
            registration_error("duplicate URL scheme '" + scheme + "' for adapter '" + std::string(adapter->name()) +
                               "'");
        schemes_.push_back(scheme);
    }
    adapters_.push_back(std::move(adapter));
}

void StagingRegistrar::add_dialect(std::shared_ptr<Dialect> dialect) {
    require_object(dialect, dialect_point);
    claim(dialect_point, dialect->name());
    dialects_.push_back(std::move(dialect));
}

void StagingRegistrar::add_transport(std::shared_ptr<RealtimeTransport> transport) {
    require_object(transport, transport_point);
    claim(transport_point, transport->name());
    transports_.push_back(std::move(transport));
}

void StagingRegistrar::add_exporter(std::shared_ptr<SchemaExporter> exporter) {
    require_object(exporter, exporter_point);
    claim(exporter_point, exporter->name());
    exporters_.push_back(std::move(exporter));
}

std::vector<ExtensionRef> StagingRegistrar::commit(Registry& registry, const LibraryHandle& library,
                                                   const std::string& plugin) {
    std::vector<ExtensionRef> added;
    auto put = [&](auto& map, auto& staged, const char* point) {
        for (auto& object : staged) {
            std::string name(object->name());
            registry.owner[std::string(point) + "/" + name] = plugin;
            added.push_back({point, name});
            map.emplace(name, pin(std::move(object), library));
        }
        staged.clear();
    };
    for (const auto& adapter : adapters_)
        for (const auto& scheme : adapter->url_schemes()) registry.adapter_by_scheme[scheme] = std::string(adapter->name());
    put(registry.adapters, adapters_, adapter_point);
    put(registry.dialects, dialects_, dialect_point);
    put(registry.transports, transports_, transport_point);
    put(registry.exporters, exporters_, exporter_point);
    return added;
}

}  // namespace rex

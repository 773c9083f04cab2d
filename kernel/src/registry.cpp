#include "registry.hpp"

#include "catalog.hpp"

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

void StagingRegistrar::conflict(const std::string& what, const std::string& owner_plugin) const {
    const auto file = registry_.plugin_files.find(owner_plugin);
    const auto owner_file = file == registry_.plugin_files.end() ? std::filesystem::path() : file->second;
    throw RegistrationConflict(what + " (already registered by plugin '" + owner_plugin + "'" +
                                   (owner_file.empty() ? std::string() : " from " + owner_file.string()) + ")",
                               owner_file);
}

void StagingRegistrar::claim(const std::string& key, const std::string& what) {
    if (auto it = registry_.owner.find(key); it != registry_.owner.end()) conflict(what, it->second);
    if (std::find(claimed_.begin(), claimed_.end(), key) != claimed_.end())
        registration_error(what + " (registered twice by this plugin)");
    claimed_.push_back(key);
}

namespace {

void require_name(std::string_view name, const char* point) {
    if (name.empty()) registration_error(std::string("registered a ") + point + " without a name");
}

std::string duplicate_name(const char* point, std::string_view name) {
    return "duplicate " + std::string(point) + " name '" + std::string(name) + "'";
}

}  // namespace

void StagingRegistrar::add_adapter(std::shared_ptr<Adapter> adapter) {
    require_object(adapter, adapter_point);
    require_name(adapter->name(), adapter_point);
    claim(std::string(adapter_point) + "/" + std::string(adapter->name()), duplicate_name(adapter_point, adapter->name()));
    for (const auto& scheme : adapter->url_schemes()) {
        const auto what = "duplicate URL scheme '" + scheme + "' for adapter '" + std::string(adapter->name()) + "'";
        if (auto it = registry_.adapter_by_scheme.find(scheme); it != registry_.adapter_by_scheme.end())
            conflict(what, registry_.owner.at(std::string(adapter_point) + "/" + it->second));
        if (std::find(schemes_.begin(), schemes_.end(), scheme) != schemes_.end())
            registration_error(what + " (registered twice by this plugin)");
        schemes_.push_back(scheme);
    }
    adapters_.push_back(std::move(adapter));
}

void StagingRegistrar::add_dialect(std::shared_ptr<Dialect> dialect) {
    require_object(dialect, dialect_point);
    require_name(dialect->name(), dialect_point);
    claim(std::string(dialect_point) + "/" + std::string(dialect->name()), duplicate_name(dialect_point, dialect->name()));
    dialects_.push_back(std::move(dialect));
}

void StagingRegistrar::add_transport(std::shared_ptr<RealtimeTransport> transport) {
    require_object(transport, transport_point);
    require_name(transport->name(), transport_point);
    claim(std::string(transport_point) + "/" + std::string(transport->name()), duplicate_name(transport_point, transport->name()));
    transports_.push_back(std::move(transport));
}

void StagingRegistrar::add_exporter(std::shared_ptr<SchemaExporter> exporter) {
    require_object(exporter, exporter_point);
    require_name(exporter->name(), exporter_point);
    claim(std::string(exporter_point) + "/" + std::string(exporter->name()), duplicate_name(exporter_point, exporter->name()));
    // One exporter per format: `rex schema export --format` could not choose between two.
    claim("format/" + std::string(exporter->format()),
          "duplicate schema-exporter format '" + std::string(exporter->format()) + "' for exporter '" + std::string(exporter->name()) + "'");
    exporters_.push_back(std::move(exporter));
}

void StagingRegistrar::add_resolver(Resolver resolver) {
    check_resolver(resolver);
    const std::string point(to_string(resolver.operation));
    const auto what = "duplicate custom " + point + " field '" + resolver.name + "'";
    // The application's own (Kernel::register_resolver) have no entry in `owner`.
    if (registry_.catalog) {
        const auto other = registry_.catalog->resolver_owner(resolver.operation, resolver.name);
        if (other == "the application") registration_error(what + " (already registered by the application)");
    }
    claim("resolver/" + point + "/" + resolver.name, what);
    resolvers_.push_back(std::make_shared<const Resolver>(std::move(resolver)));
}

std::vector<ExtensionRef> StagingRegistrar::commit(Registry& registry, const LibraryHandle& library,
                                                   const std::string& plugin, const std::filesystem::path& file) {
    std::vector<ExtensionRef> added;
    registry.plugin_files[plugin] = file;
    for (const auto& exporter : exporters_) registry.owner["format/" + std::string(exporter->format())] = plugin;
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
    for (auto& resolver : resolvers_) {
        const std::string point(to_string(resolver->operation));
        registry.owner["resolver/" + point + "/" + resolver->name] = plugin;
        added.push_back({resolver_point, point + " " + resolver->name});
        // Pinned: the callback is the plugin's code.
        if (registry.catalog) registry.catalog->put_resolver(pin(std::move(resolver), library), "plugin '" + plugin + "' from " + file.string());
    }
    resolvers_.clear();
    return added;
}

}  // namespace rex

// The plugin descriptor and the registrar a plugin's entry point fills.
#pragma once

#include <rex/sdk/abi.hpp>

#include <cstdint>
#include <memory>

REX_SDK_BEGIN

class Adapter;
class Dialect;
class RealtimeTransport;
class SchemaExporter;
struct Resolver;

// Receives a plugin's extensions. A name already registered (by this plugin or another)
// throws PluginLoadError; the loader then rolls back everything this plugin registered.
class REX_SDK_API Registrar {
public:
    virtual ~Registrar();
    virtual void add_adapter(std::shared_ptr<Adapter> adapter) = 0;
    virtual void add_dialect(std::shared_ptr<Dialect> dialect) = 0;
    virtual void add_transport(std::shared_ptr<RealtimeTransport> transport) = 0;
    virtual void add_exporter(std::shared_ptr<SchemaExporter> exporter) = 0;
    // A custom root field of the GraphQL API (rex/sdk/resolver.hpp); its callback keeps the plugin
    // loaded while the field exists. The default refuses with PluginLoadError.
    virtual void add_resolver(Resolver resolver);
};

// A plain, versioned struct, constant-initialised in the plugin and exported under the
// Boost.DLL alias "rex_plugin". The loader reads abi_version and struct_size first, then
// compares build_fingerprint, and only then calls register_extensions.
// Fields are only ever appended; struct_size tells which ones a plugin has.
struct PluginDescriptor {
    std::uint32_t abi_version;
    std::uint32_t struct_size;
    const char* name;               // unique, [a-z0-9_-]+
    const char* version;            // semantic version "1.2.3"
    const char* description;
    const char* build_fingerprint;  // REX_BUILD_FINGERPRINT of the plugin's build
    void (*register_extensions)(Registrar& registrar);
};

inline constexpr const char* plugin_entry_symbol = "rex_plugin";

REX_SDK_END

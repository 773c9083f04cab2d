// Extensions by extension point and name. Objects are stored "pinned": their shared_ptr keeps
// the plugin library that made them loaded for as long as anyone holds them.
#pragma once

#include <rex/kernel/plugin_info.hpp>
#include <rex/sdk/adapter.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/dialect.hpp>
#include <rex/sdk/exporter.hpp>
#include <rex/sdk/plugin.hpp>
#include <rex/sdk/resolver.hpp>
#include <rex/sdk/transport.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rex {

class Catalog;

// Whatever keeps a loaded library mapped (a boost::dll::shared_library in practice).
using LibraryHandle = std::shared_ptr<const void>;

template <class T>
std::shared_ptr<T> pin(std::shared_ptr<T> object, LibraryHandle library) {
    // Members are destroyed in reverse order: the object first, then the library reference.
    struct Holder {
        LibraryHandle library;
        std::shared_ptr<T> object;
    };
    auto holder = std::make_shared<Holder>(Holder{std::move(library), std::move(object)});
    T* raw = holder->object.get();
    return std::shared_ptr<T>(std::move(holder), raw);
}

// A name, URL scheme or exporter format that another plugin already took; names its file.
class RegistrationConflict : public Error {
public:
    RegistrationConflict(const std::string& message, std::filesystem::path owner_file)
        : Error({ErrorCategory::plugin_load, message, {}, {}}), owner_file_(std::move(owner_file)) {}
    const std::filesystem::path& owner_file() const noexcept { return owner_file_; }

private:
    std::filesystem::path owner_file_;
};

template <class T>
using NamedMap = std::map<std::string, std::shared_ptr<T>, std::less<>>;

class Registry {
public:
    NamedMap<Adapter> adapters;
    NamedMap<Dialect> dialects;
    NamedMap<RealtimeTransport> transports;
    NamedMap<SchemaExporter> exporters;
    std::map<std::string, std::string, std::less<>> adapter_by_scheme;  // url scheme -> adapter name
    std::map<std::string, std::string, std::less<>> owner;              // "point/name", "format/<f>" -> plugin name
    std::map<std::string, std::filesystem::path, std::less<>> plugin_files;  // plugin name -> its file
    Catalog* catalog = nullptr;  // where plugins' resolvers go (the kernel's)
};

// The Registrar a plugin's entry point fills. It stages everything and checks names against
// the registry and itself; commit() moves the staged objects in only if registration finished.
class StagingRegistrar final : public Registrar {
public:
    explicit StagingRegistrar(const Registry& registry) : registry_(registry) {}

    void add_adapter(std::shared_ptr<Adapter> adapter) override;
    void add_dialect(std::shared_ptr<Dialect> dialect) override;
    void add_transport(std::shared_ptr<RealtimeTransport> transport) override;
    void add_exporter(std::shared_ptr<SchemaExporter> exporter) override;
    void add_resolver(Resolver resolver) override;

    // Moves every staged extension into `registry`, pinned to `library`; returns what it added.
    std::vector<ExtensionRef> commit(Registry& registry, const LibraryHandle& library, const std::string& plugin,
                                     const std::filesystem::path& file);

private:
    // Takes `key` ("point/name", "format/<f>") or throws: `what` says what was taken.
    void claim(const std::string& key, const std::string& what);
    [[noreturn]] void conflict(const std::string& what, const std::string& owner_plugin) const;

    const Registry& registry_;
    std::vector<std::shared_ptr<Adapter>> adapters_;
    std::vector<std::shared_ptr<Dialect>> dialects_;
    std::vector<std::shared_ptr<RealtimeTransport>> transports_;
    std::vector<std::shared_ptr<SchemaExporter>> exporters_;
    std::vector<std::shared_ptr<const Resolver>> resolvers_;
    std::vector<std::string> claimed_;     // "point/name", "format/<f>"
    std::vector<std::string> schemes_;
};

}  // namespace rex

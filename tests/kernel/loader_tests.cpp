// The plugin loader against real plugin files: a good one and deliberately broken ones.
#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

namespace fs = std::filesystem;

namespace {

const fs::path fixtures = REX_TEST_FIXTURE_DIR;

fs::path fixture(const std::string& name) { return fixtures / ("rex-" + name + ".so"); }

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("rex-loader-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

std::string only_failure(const rex::LoadReport& report) {
    REQUIRE(report.loaded.empty());
    REQUIRE(report.failures.size() == 1);
    return report.failures.front().reason;
}

fs::path shadowing(const std::string& name) { return fixtures / "shadowing" / ("rex-" + name + ".so"); }

// Keeps what the kernel logs at warn level and above.
class WarningLog final : public rex::Logger {
public:
    bool enabled(rex::LogLevel level) const noexcept override { return level >= rex::LogLevel::warn && level != rex::LogLevel::off; }
    void write(rex::LogLevel, std::string_view component, std::string_view message) override {
        std::lock_guard lock(mutex_);
        lines_.push_back(std::string(component) + ": " + std::string(message));
    }
    std::vector<std::string> lines() {
        std::lock_guard lock(mutex_);
        return lines_;
    }

private:
    std::mutex mutex_;
    std::vector<std::string> lines_;
};

}  // namespace

TEST_CASE("a good plugin loads and registers its extensions", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    auto report = kernel.load_plugins(fixture("fixture-good"));
    REQUIRE(report.failures.empty());
    REQUIRE(report.loaded.size() == 1);
    const auto& info = report.loaded.front();
    CHECK(info.name == "fixture-good");
    CHECK(info.version == "1.2.3");
    CHECK(info.abi_version == rex::sdk_abi_version);
    CHECK(info.file.filename() == "rex-fixture-good.so");
    REQUIRE(info.extensions.size() == 1);
    CHECK(info.extensions[0].point == "query-dialect");
    CHECK(info.extensions[0].name == "fixture");
    CHECK(kernel.dialect("fixture")->quote_identifier("x") == "[x]");
    CHECK(kernel.plugins().size() == 1);
}

TEST_CASE("the same file loaded twice is initialised once", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    kernel.load_plugins(fixture("fixture-good"));
    auto again = kernel.load_plugins(fixture("fixture-good"));
    CHECK(again.loaded.empty());
    CHECK(again.failures.empty());
    CHECK(kernel.plugins().size() == 1);
}

TEST_CASE("a wrong ABI version is refused before any plugin code runs", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    // The fixture's registration function calls abort(): reaching it would kill the test.
    const auto reason = only_failure(kernel.load_plugins(fixture("fixture-wrong-abi")));
    CHECK(reason == "ABI version mismatch: plugin was built for SDK ABI 999, this kernel provides " +
                        std::to_string(rex::sdk_abi_version));
    CHECK(kernel.failures().size() == 1);
    CHECK(kernel.failures()[0].file.filename() == "rex-fixture-wrong-abi.so");
}

TEST_CASE("a build fingerprint mismatch names both fingerprints", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    const auto reason = only_failure(kernel.load_plugins(fixture("fixture-fingerprint")));
    CHECK_THAT(reason, Catch::StartsWith("build fingerprint mismatch"));
    CHECK_THAT(reason, Catch::Contains("stdlib=libc++"));
    CHECK_THAT(reason, Catch::Contains(rex::build_fingerprint));
}

TEST_CASE("a shared library without the entry point is not a Rex plugin", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    const auto reason = only_failure(kernel.load_plugins(fixture("fixture-no-entry")));
    CHECK_THAT(reason, Catch::StartsWith("not a Rex plugin: no 'rex_plugin' entry point"));
}

TEST_CASE("a file that is not ELF is not a Rex plugin", "[loader]") {
    TempDir dir;
    const auto junk = dir.path / "rex-junk.so";
    std::ofstream(junk) << "this is a text file, not a shared library\n";
    rex::Kernel kernel(rex::LogLevel::off);
    CHECK(only_failure(kernel.load_plugins(junk)) == "not a Rex plugin: not an ELF shared library");
}

TEST_CASE("truncated files are refused without loading them", "[loader]") {
    TempDir dir;
    const auto good = fixture("fixture-good");
    const auto size = fs::file_size(good);
    for (const auto keep : {std::uintmax_t{10}, std::uintmax_t{100}, size / 2, size - 1}) {
        const auto cut = dir.path / ("rex-cut-" + std::to_string(keep) + ".so");
        fs::copy_file(good, cut);
        fs::resize_file(cut, keep);
        rex::Kernel kernel(rex::LogLevel::off);
        INFO("kept " << keep << " of " << size << " bytes");
        CHECK_THAT(only_failure(kernel.load_plugins(cut)), Catch::StartsWith("truncated or corrupted file"));
    }
}

TEST_CASE("a missing shared-library dependency is named", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    const auto reason = only_failure(kernel.load_plugins(fixture("fixture-missing-dep")));
    CHECK(reason == "missing shared-library dependency: libfixture-dependency.so");
}

TEST_CASE("a throwing registration is reported and rolled back", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    const auto reason = only_failure(kernel.load_plugins(fixture("fixture-throws")));
    // Not a rex::Error: its type is named with the plugin.
    CHECK(reason == "initialisation failed: plugin 'fixture-throws' threw std::runtime_error: fixture refuses to start: missing setting 'x'");
    CHECK_THROWS_AS(kernel.dialect("fixture-partial"), rex::NotFoundError);
    CHECK(kernel.plugins().empty());
}

TEST_CASE("duplicate extension and plugin names are refused; the first stays", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    kernel.load_plugins(fixture("fixture-good"));

    const auto reason = only_failure(kernel.load_plugins(fixture("fixture-duplicate")));
    CHECK(reason == "initialisation failed: duplicate query-dialect name 'fixture' (already registered by plugin "
                    "'fixture-good' from " + fs::canonical(fixture("fixture-good")).string() + ")");
    // Nothing of the refused plugin stays, not even the names it registered before the duplicate.
    CHECK_THROWS_AS(kernel.dialect("fixture-extra"), rex::NotFoundError);

    TempDir dir;
    const auto copy = dir.path / "rex-another-name.so";
    fs::copy_file(fixture("fixture-good"), copy);
    const auto dup = only_failure(kernel.load_plugins(copy));
    CHECK_THAT(dup, Catch::StartsWith("duplicate plugin name 'fixture-good' (already loaded from "));
    CHECK(kernel.dialect("fixture")->quote_identifier("a") == "[a]");
}

TEST_CASE("a directory with broken plugins still loads the good ones", "[loader]") {
    TempDir dir;
    for (const auto* name : {"fixture-good", "fixture-wrong-abi", "fixture-no-entry", "fixture-throws"})
        fs::copy_file(fixture(name), dir.path / fixture(name).filename());
    std::ofstream(dir.path / "rex-junk.so") << "junk";
    std::ofstream(dir.path / "README.txt") << "not a .so: ignored";
    fs::copy_file(fixture("fixture-good"), dir.path / "rex-truncated.so");
    fs::resize_file(dir.path / "rex-truncated.so", 2000);

    rex::Kernel kernel(rex::LogLevel::off);
    const auto report = kernel.load_plugins(dir.path);
    REQUIRE(report.loaded.size() == 1);
    CHECK(report.loaded[0].name == "fixture-good");
    REQUIRE(report.failures.size() == 5);
    for (const auto& f : report.failures) {
        INFO(f.file << ": " << f.reason);
        CHECK(f.file.parent_path() == dir.path);
        CHECK_FALSE(f.reason.empty());
        CHECK(f.reason.find('\n') == std::string::npos);
    }
}

TEST_CASE("LoadOptions::only loads the named plugins and reports names not found", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    const auto report = kernel.load_plugins(fixtures, rex::LoadOptions{{"fixture-good", "nonexistent"}});
    REQUIRE(report.loaded.size() == 1);
    CHECK(report.loaded[0].name == "fixture-good");
    REQUIRE(report.failures.size() == 1);
    CHECK_THAT(report.failures[0].reason, Catch::StartsWith("plugin 'nonexistent' was requested but not found in: "));
}

TEST_CASE("a missing plugin directory is reported", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    CHECK(only_failure(kernel.load_plugins("/nonexistent/rex/plugins")) == "no such plugin file or directory");
}

TEST_CASE("a library stays loaded while an object it made is alive", "[loader][lifetime]") {
    const auto path = fs::canonical(fixture("fixture-good"));
    auto is_mapped = [&] {
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
        if (handle) ::dlclose(handle);
        return handle != nullptr;
    };
    REQUIRE_FALSE(is_mapped());
    std::shared_ptr<rex::Dialect> dialect;
    {
        rex::Kernel kernel(rex::LogLevel::off);
        kernel.load_plugins(path);
        dialect = kernel.dialect("fixture");
        CHECK(is_mapped());
    }
    // The kernel is gone; the dialect still works because it pins its library.
    CHECK(is_mapped());
    CHECK(dialect->quote_identifier("still") == "[still]");
    dialect.reset();
    CHECK_FALSE(is_mapped());
}

TEST_CASE("a registration that throws something other than rex::Error names the plugin and the type", "[loader]") {
    rex::Kernel kernel(rex::LogLevel::off);
    CHECK(only_failure(kernel.load_plugins(fixture("fixture-foreign-registration"))) ==
          "initialisation failed: plugin 'fixture-foreign-registration' threw std::invalid_argument: stoll");
    CHECK(only_failure(kernel.load_plugins(fixture("fixture-throws-int"))) ==
          "initialisation failed: plugin 'fixture-throws-int' threw an exception of type int");
}

TEST_CASE("a plugin named like a built-in, or claiming its URL scheme, is refused with a warning naming both files",
          "[loader][shadowing]") {
    TempDir user;
    fs::copy_file(shadowing("fixture-named-sqlite"), user.path / "rex-sqlite.so");
    fs::copy_file(shadowing("fixture-scheme-thief"), user.path / "rex-fixture-scheme-thief.so");
    const auto builtin = fs::canonical(fs::path(REX_TEST_PLUGIN_DIR) / "rex-sqlite.so");
    const auto user_sqlite = fs::canonical(user.path / "rex-sqlite.so");

    rex::Kernel kernel;
    auto log = std::make_shared<WarningLog>();
    kernel.set_logger(log);
    // The user's folder is named first (as REX_PLUGIN_PATH is), yet the built-ins load first.
    const auto report = kernel.load_plugins(std::vector<fs::path>{user.path, REX_TEST_PLUGIN_DIR});
    std::map<std::string, std::string> reasons;
    for (const auto& f : report.failures) reasons[f.file.filename()] = f.reason;
    REQUIRE(reasons.size() == 2);
    CHECK(reasons["rex-sqlite.so"] == "duplicate plugin name 'sqlite' (already loaded from " + builtin.string() +
                                          "); it would shadow a built-in plugin: to replace built-ins, pass --replace-builtins, "
                                          "set plugins.replace_builtins or LoadOptions::replace_builtins");
    CHECK_THAT(reasons["rex-fixture-scheme-thief.so"],
               Catch::StartsWith("initialisation failed: duplicate URL scheme 'sqlite' for adapter 'thief' (already registered by "
                                 "plugin 'sqlite' from " + builtin.string() + "); it would shadow a built-in plugin"));
    CHECK(kernel.adapter_for_url("sqlite::memory:")->name() == "sqlite");
    const auto warnings = log->lines();
    REQUIRE(warnings.size() == 2);
    for (const auto& w : warnings) CHECK_THAT(w, Catch::StartsWith("loader: refused ") && Catch::Contains(builtin.string()));
    CHECK_THAT(warnings[0] + warnings[1], Catch::Contains(user_sqlite.string()));

    // Replacing is an explicit choice; the built-in's refusal is still reported.
    rex::Kernel replacing(rex::LogLevel::off);
    rex::LoadOptions options;
    options.replace_builtins = true;
    const auto replaced = replacing.load_plugins(std::vector<fs::path>{REX_TEST_PLUGIN_DIR, user.path}, options);
    bool user_loaded = false;
    for (const auto& p : replaced.loaded) user_loaded = user_loaded || (p.name == "sqlite" && p.version == "9.9.9");
    CHECK(user_loaded);
    bool builtin_refused = false;
    for (const auto& f : replaced.failures)
        builtin_refused = builtin_refused || (f.file == builtin && f.reason.find(user_sqlite.string()) != std::string::npos &&
                                              f.reason.ends_with("; this built-in plugin is replaced (replace_builtins)"));
    CHECK(builtin_refused);
    CHECK(replacing.dialect("impostor")->name() == "impostor");
}

TEST_CASE("two exporters of one format: the second is refused, naming the first's file", "[loader][shadowing]") {
    rex::Kernel kernel(rex::LogLevel::off);
    const auto report = kernel.load_plugins(std::vector<fs::path>{shadowing("fixture-exporter-a"), shadowing("fixture-exporter-b")});
    REQUIRE(report.loaded.size() == 1);
    REQUIRE(report.failures.size() == 1);
    CHECK(report.failures[0].reason ==
          "initialisation failed: duplicate schema-exporter format 'fixture-format' for exporter 'fixture-exporter-b' (already "
          "registered by plugin 'fixture-exporter-a' from " + fs::canonical(shadowing("fixture-exporter-a")).string() + ")");
    REQUIRE(kernel.exporters().size() == 1);
    CHECK(kernel.exporters()[0]->name() == "fixture-exporter-a");
}

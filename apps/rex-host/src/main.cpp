// rex-host: read the config, load the plugins it names, serve until SIGINT/SIGTERM.
#include "config_check.hpp"
#include "drain.hpp"
#include "executor_context.hpp"
#include "host.hpp"
#include "host_capture.hpp"
#include "json_logger.hpp"
#include "host_models.hpp"
#include "host_options.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace {

int fatal(const std::string& message, int code) {
    std::cerr << "rex-host: error: " << rex::redact_url(message) << '\n';
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    const auto process_start = std::chrono::steady_clock::now();
    std::optional<rex::host::HostOptions> options;
    try {
        options = rex::host::parse_host_options(argc, argv);
        if (!options) return 0;
    } catch (const rex::Error& e) {
        return fatal(e.what(), 2);
    }
    const auto& config = options->config;
    if (options->check) return rex::host::check_config(*options, std::cout, std::cerr);

    rex::Kernel kernel(config.log_level);
    if (config.log_json) kernel.set_logger(std::make_shared<rex::host::JsonLogger>(config.log_level));
    auto& log = kernel.logger();
    log.log(rex::LogLevel::info, "host", "database " + rex::redact_url(config.database_url) + " (connected on first use)");
    rex::LoadOptions load;
    load.only = config.plugins.load;
    load.replace_builtins = config.plugins.replace_builtins;
    const auto report = kernel.load_plugins(options->plugin_dirs, load);
    for (const auto& p : report.loaded)
        log.log(rex::LogLevel::info, "host", "loaded plugin " + p.name + " " + p.version + " (" + p.file.string() + ")");
    // Refusals were logged by the loader; the host serves with what loaded.

    // Worker threads run plugin code; the pool opens at most one connection per worker.
    const unsigned workers = config.http.workers ? config.http.workers : std::max(8u, 2 * std::thread::hardware_concurrency());
    rex::host::HostExecutorContext executor_context(kernel, config.database_url, workers, config.settings);
    rex::PoolOptions pool_options;
    pool_options.min_size = config.pool.min_size;
    pool_options.max_size = config.pool.max_size;  // 0: one per worker
    pool_options.acquire_timeout = config.pool.acquire_timeout;
    pool_options.idle_timeout = config.pool.idle_timeout;
    pool_options.max_lifetime = config.pool.max_lifetime;
    executor_context.set_pool_options(pool_options);
    if (!config.database_replicas.empty()) {
        std::string names;
        for (const auto& url : config.database_replicas) names += (names.empty() ? "" : ", ") + rex::redact_url(url);
        log.log(rex::LogLevel::info, "host", "read replicas for queries: " + names);
        executor_context.use_replicas(config.database_replicas);
    }
    std::optional<rex::host::Authenticator> authenticator;
    try {
        authenticator.emplace(config);
    } catch (const rex::Error& e) {
        return fatal(e.what(), 2);
    }
    executor_context.use_authenticator(&*authenticator);
    boost::asio::io_context io;
    rex::host::Host host(kernel, io, executor_context, {options->plugin_dirs, config.http.admin_secret, workers});
    rex::host::HttpServer server(io,
                                 {config.http.address, config.http.port, config.http.body_limit, config.http.request_timeout},
                                 host);
    // Bound first, so a taken port fails at once; connections wait in the backlog until io runs.
    std::uint16_t port = 0;
    try {
        port = server.start();
    } catch (const rex::Error& e) {
        return fatal(e.what(), 1);
    }
    try {
        rex::host::apply_migrations_on_start(kernel, config);
    } catch (const std::exception& e) {
        return fatal(std::string("applying migrations: ") + e.what(), 3);
    }
    try {
        // Filled when something reads it (a schema-exporter or a transport) or the config asks
        // (model files, a snapshot); otherwise the host does not connect at start.
        if (!config.models.empty() || !config.catalog.snapshot.empty() || !kernel.exporters().empty() || !kernel.transports().empty())
            rex::host::fill_catalog(kernel, config, executor_context);
    } catch (const std::exception& e) {
        return fatal(std::string("filling the catalog: ") + e.what(), 3);
    }
    std::unique_ptr<rex::host::HostCapture> capture;
    try {
        capture = rex::host::HostCapture::start(kernel, config);
    } catch (const std::exception& e) {
        return fatal(std::string("realtime.capture: ") + e.what(), 3);
    }
    try {
        authenticator->check_names(kernel.catalog());
    } catch (const rex::Error& e) {
        return fatal(e.what(), 2);
    }
    try {
        host.start_executor(config.graphql.exporter);
    } catch (const rex::Error& e) {
        return fatal(e.what(), 2);
    }
    host.start_transports();
    // Without capture the bus carries only what this process writes (its GraphQL mutations):
    // subscribers would wait in vain for every other writer's changes.
    if (!capture && !kernel.transports().empty())
        log.log(rex::LogLevel::warn, "host",
                "realtime.capture is off: subscriptions and change streams get only this host's own GraphQL mutations, no "
                "change made by other clients or hosts (run `rex realtime enable --tables ...` and set \"realtime\": {\"capture\": true})");
    // A section naming no loaded extension is most likely a typo or a plugin left out of plugins.load.
    for (const auto& [name, section] : config.settings) {
        bool used = false;
        for (const auto& e : kernel.exporters()) used = used || e->name() == name;
        for (const auto& t : kernel.transports()) used = used || t->name() == name;
        if (!used) log.log(rex::LogLevel::warn, "host", section.origin() + ": no loaded schema-exporter or transport is named '" + name + "'");
    }

    rex::host::Drain drain(io, server, log, config.http.shutdown_grace,
                           {[&host] { host.begin_drain(); }, [&host] { host.stop_transports(); }});
    drain.arm();

    // One thread per core unless the config says otherwise; sessions keep to their strands.
    const unsigned threads = config.http.threads ? config.http.threads : std::max(1u, std::thread::hardware_concurrency());
    log.log(rex::LogLevel::info, "host", "serving with " + std::to_string(threads) + (threads == 1 ? " thread" : " threads") + " and " +
                                             std::to_string(workers) + " worker" + (workers == 1 ? "" : "s"));
    // Cold start, a figure serverless deployments care about: until here nothing was served.
    log.log(rex::LogLevel::info, "host",
            "ready in " +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - process_start).count()) +
                " ms");
    std::cout << "rex-host listening on http://" << config.http.address << ":" << port << std::endl;

    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();
    if (drain.cut()) {  // a worker still runs a request past the grace period: do not wait for it
        log.log(rex::LogLevel::info, "host", "stopped");
        std::cout.flush();
        std::_Exit(0);
    }
    host.stop_workers();
    log.log(rex::LogLevel::info, "host", "stopped");
    return 0;
}

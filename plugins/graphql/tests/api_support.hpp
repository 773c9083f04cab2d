// The GraphQL API tests' fixture: the real plugins loaded from disk, a Chinook subset (artist,
// album, track, genre, playlist, playlist_track) registered in the kernel's catalog and created
// on each available backend, and a small ExecutorContext over the kernel's pool and dialect.
#pragma once

#include "executor/executor.hpp"

#include <rex/kernel.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rex::graphql::test {

struct Backend {
    std::string name;  // "sqlite", "postgres", "mysql"
    std::string url;
};

// SQLite always; PostgreSQL and MariaDB when REX_TEST_POSTGRES_URL / REX_TEST_MYSQL_URL are set
// (a FAIL when they are not and REX_REQUIRE_SERVERS=1).
std::vector<Backend> backends();

// Keeps every message of one component.
class RecordingLogger : public Logger {
public:
    bool enabled(LogLevel level) const noexcept override { return level >= LogLevel::debug; }
    void write(LogLevel level, std::string_view component, std::string_view message) override;
    std::vector<std::string> take(std::string_view component);

private:
    std::mutex mutex_;
    std::vector<std::pair<std::string, std::string>> lines_;
};

// An ExecutorContext over a kernel with every in-tree plugin loaded, its pool and dialect.
class KernelContext : public ExecutorContext {
public:
    explicit KernelContext(const std::string& url);

    const CatalogView& catalog() const override { return kernel_.catalog(); }
    std::shared_ptr<Connection> acquire() override;
    const Dialect& dialect() const override { return *dialect_; }
    ChangeBus& changes() override { return kernel_.changes(); }
    Logger& logger() override { return logger_; }

    Kernel& kernel() { return kernel_; }
    RecordingLogger& log() { return logger_; }
    // Runs SQL directly through the adapter ('?' become the dialect's placeholders).
    ResultSet sql(const std::string& text, const Params& params = {});

protected:
    Kernel kernel_;
    std::shared_ptr<ConnectionPool> pool_;
    std::shared_ptr<Dialect> dialect_;
    RecordingLogger logger_;
};

// POSTs {"query":..., "variables":...} to `executor` and returns the response body.
std::string post(RequestExecutor& executor, const std::string& query, const std::string& variables_json = "");

class Fixture : public KernelContext {
public:
    // Registers the entities, creates the tables and fills them.
    explicit Fixture(const Backend& backend, ExecutorOptions options = {});

    GraphqlExecutor& executor() { return *executor_; }
    const Backend& backend() const { return backend_; }

    // Empties the tables and writes the rows every case starts from.
    void seed();
    std::string post(const std::string& query, const std::string& variables_json = "") { return test::post(*executor_, query, variables_json); }
    HttpResponse request(const std::string& method, const std::string& body, const std::string& query_string = {},
                         std::vector<HttpHeader> headers = {});

private:
    Backend backend_;
    std::shared_ptr<GraphqlExecutor> executor_;
};

}  // namespace rex::graphql::test

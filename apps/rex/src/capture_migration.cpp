#include "capture_migration.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/result.hpp>

#include <cctype>
#include <utility>

namespace rex::cli {

namespace {

bool reads_only(std::string_view sql) {
    std::size_t i = 0;
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
    std::string word;
    while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])))
        word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
    return word == "SELECT" || word == "WITH" || word == "SHOW" || word == "PRAGMA";
}

// Reads go to the live database; DDL is written down.
class RecordingConnection final : public Connection {
public:
    explicit RecordingConnection(Connection& live) : live_(live) {}

    std::unique_ptr<Cursor> query(std::string_view sql, const Params& params) override {
        if (!reads_only(sql)) refuse(sql);
        return live_.query(sql, params);
    }
    ResultSet execute(std::string_view sql, const Params& params) override {
        if (reads_only(sql)) return live_.execute(sql, params);
        if (!params.empty()) refuse(sql);
        record(sql);
        return {};
    }
    void execute_script(std::string_view sql) override { record(sql); }
    void begin(const TransactionOptions&) override { refuse("BEGIN"); }
    void commit() override { refuse("COMMIT"); }
    void rollback() override { refuse("ROLLBACK"); }
    bool in_transaction() const override { return false; }
    bool ping() override { return true; }
    std::string_view dialect() const override { return live_.dialect(); }
    std::string server_version() const override { return live_.server_version(); }

    std::string take_script() { return std::exchange(script_, {}); }

private:
    void record(std::string_view sql) {
        auto end = sql.size();
        while (end > 0 && (std::isspace(static_cast<unsigned char>(sql[end - 1])) || sql[end - 1] == ';')) --end;
        std::size_t start = 0;
        while (start < end && std::isspace(static_cast<unsigned char>(sql[start]))) ++start;
        if (start < end) script_.append(sql.substr(start, end - start)).append(";\n\n");
    }
    [[noreturn]] static void refuse(std::string_view sql) {
        raise({ErrorCategory::unsupported,
               "the capture set-up ran a statement that cannot go into a migration: " + std::string(sql.substr(0, 80)), {}, {}});
    }

    Connection& live_;
    std::string script_;
};

}  // namespace

std::string install_script(ChangeCapture& capture, Connection& live, const std::vector<std::string>& tables) {
    RecordingConnection recorder(live);
    capture.install(recorder, tables);
    return recorder.take_script();
}

std::string uninstall_script(ChangeCapture& capture, Connection& live, const std::vector<std::string>& tables) {
    RecordingConnection recorder(live);
    capture.uninstall(recorder, tables);
    return recorder.take_script();
}

}  // namespace rex::cli

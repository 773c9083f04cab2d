#pragma once

#include "sqlite_capture.hpp"

#include <rex/sdk/adapter.hpp>

namespace rex::sqlite {

class SqliteAdapter final : public Adapter {
public:
    std::string_view name() const override { return "sqlite"; }
    std::string_view description() const override { return "SQLite databases: files and :memory:"; }
    std::vector<std::string> url_schemes() const override { return {"sqlite"}; }
    std::string_view dialect() const override { return "sqlite"; }
    std::unique_ptr<Connection> connect(const ConnectOptions& options) override;
    ChangeCapture* capture() override { return &capture_; }

private:
    SqliteCapture capture_;
};

}  // namespace rex::sqlite

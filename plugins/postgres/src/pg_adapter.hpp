#pragma once

#include "pg_capture.hpp"

#include <rex/sdk/adapter.hpp>

namespace rex::postgres {

class PgAdapter final : public Adapter {
public:
    std::string_view name() const override { return "postgres"; }
    std::string_view description() const override { return "PostgreSQL through libpq"; }
    std::vector<std::string> url_schemes() const override { return {"postgres", "postgresql"}; }
    std::string_view dialect() const override { return "postgresql"; }
    std::unique_ptr<Connection> connect(const ConnectOptions& options) override;
    ChangeCapture* capture() override { return &capture_; }

private:
    PgCapture capture_;
};

}  // namespace rex::postgres

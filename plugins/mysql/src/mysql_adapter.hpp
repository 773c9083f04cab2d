#pragma once

#include "mysql_capture.hpp"

#include <rex/sdk/adapter.hpp>

namespace rex::mysql {

class MysqlAdapter final : public Adapter {
public:
    MysqlAdapter();
    ~MysqlAdapter() override;
    std::string_view name() const override { return "mysql"; }
    std::string_view description() const override { return "MySQL and MariaDB through libmariadb"; }
    std::vector<std::string> url_schemes() const override { return {"mysql", "mariadb"}; }
    std::string_view dialect() const override { return "mysql"; }
    std::unique_ptr<Connection> connect(const ConnectOptions& options) override;
    ChangeCapture* capture() override { return &capture_; }

private:
    MysqlCapture capture_;
};

}  // namespace rex::mysql

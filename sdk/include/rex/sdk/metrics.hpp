// Figures a plugin reports for the host's GET /metrics (Prometheus text format): gauges it sets
// (subscriptions open, queue depths, change-log lag) and counters it adds to. A plugin asks once
// (at start) and keeps the value; setting it is one atomic store, cheap enough per event.
#pragma once

#include <rex/sdk/abi.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

REX_SDK_BEGIN

// One label set: {{"transport", "websocket"}}. Names are [a-zA-Z_][a-zA-Z0-9_]*.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// One time series. A gauge goes up and down; a counter only up (add a non-negative delta).
class REX_SDK_API MetricValue {
public:
    void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
    void add(double delta) noexcept {
        double old = value_.load(std::memory_order_relaxed);
        while (!value_.compare_exchange_weak(old, old + delta, std::memory_order_relaxed)) {
        }
    }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class REX_SDK_API Metrics {
public:
    virtual ~Metrics();
    // The series `name` with `labels`, made on first use; the same name and labels give the same
    // value. `name` is [a-zA-Z_:][a-zA-Z0-9_:]* (prefix it "rex_<plugin>_"); a bad name, or a name
    // already used with the other kind, throws ConfigurationError. `help` is one line.
    virtual std::shared_ptr<MetricValue> gauge(std::string_view name, std::string_view help, MetricLabels labels = {}) = 0;
    virtual std::shared_ptr<MetricValue> counter(std::string_view name, std::string_view help, MetricLabels labels = {}) = 0;
};

REX_SDK_END

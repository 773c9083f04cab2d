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

// What every realtime transport reports, labelled {transport="<name>"} (the same names for
// WebSocket and SSE, so one dashboard reads both). Empty pointers when the host keeps no metrics.
struct RealtimeMetrics {
    std::shared_ptr<MetricValue> connections;     // open connections (streams)
    std::shared_ptr<MetricValue> subscriptions;   // active subscriptions and operations
    std::shared_ptr<MetricValue> queued;          // messages waiting for their socket, all connections
    std::shared_ptr<MetricValue> slow_consumers;  // connections cut off for falling behind (counter)
    std::shared_ptr<MetricValue> sent_sequence;   // the newest change sequence number written to a client

    static RealtimeMetrics of(Metrics& metrics, std::string_view transport) {
        const MetricLabels labels{{"transport", std::string(transport)}};
        RealtimeMetrics m;
        m.connections = metrics.gauge("rex_realtime_connections", "Open realtime connections", labels);
        m.subscriptions = metrics.gauge("rex_realtime_subscriptions", "Active subscriptions (change streams and GraphQL operations)", labels);
        m.queued = metrics.gauge("rex_realtime_queued_messages", "Messages queued for realtime clients, waiting for their sockets", labels);
        m.slow_consumers = metrics.counter("rex_realtime_slow_consumers_total", "Realtime clients cut off for falling behind", labels);
        m.sent_sequence = metrics.gauge("rex_realtime_sent_sequence",
                                        "Sequence number of the newest change written to a client (lag: rex_changes_last_sequence minus this)", labels);
        return m;
    }
};

REX_SDK_END

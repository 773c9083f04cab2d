// rex-host's figures for GET /metrics in the Prometheus text format (version 0.0.4): requests
// and their latency by route and operation, and whatever plugins report through rex::Metrics
// (subscriptions, queue depths, change-log lag). Samplers add figures read at scrape time (the
// pool). Recording a request takes one short lock; rendering happens only on a scrape.
#pragma once

#include <rex/sdk/metrics.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rex::host {

// One answered request, as the metrics see it.
struct RequestSample {
    std::string route;      // the path of a known route, "other" for the rest (bounded label values)
    std::string operation;  // "query", "mutation", or empty
    std::string method;
    int status = 0;         // 0: handed over as a stream
    std::chrono::microseconds duration{0};
};

class HostMetrics final : public Metrics {
public:
    // A sampler appends series text at scrape time (e.g. the pool's figures).
    using Sampler = std::function<void(std::string& out)>;

    HostMetrics();
    std::shared_ptr<MetricValue> gauge(std::string_view name, std::string_view help, MetricLabels labels = {}) override;
    std::shared_ptr<MetricValue> counter(std::string_view name, std::string_view help, MetricLabels labels = {}) override;
    void add_sampler(Sampler sampler);

    void record(const RequestSample& sample);
    // Every series, in the text format.
    std::string render() const;

private:
    struct Family {
        std::string help;
        bool counter = false;
        std::map<std::string, std::shared_ptr<MetricValue>> series;  // by rendered label text
    };
    struct Latency {
        std::vector<std::uint64_t> buckets;  // cumulative counts are summed at render
        std::uint64_t count = 0;
        double sum = 0;
    };
    std::shared_ptr<MetricValue> series(std::string_view name, std::string_view help, const MetricLabels& labels, bool counter);

    mutable std::mutex mutex_;
    std::map<std::string, Family, std::less<>> families_;
    std::map<std::string, std::uint64_t> requests_;  // by label text {route, operation, method, code}
    std::map<std::string, Latency> latency_;         // by label text {route, operation}
    std::vector<Sampler> samplers_;
    const std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
};

// Label text `{a="x",b="y"}` with values escaped as the format requires; empty values are left out.
std::string label_text(const MetricLabels& labels);

}  // namespace rex::host

#include "metrics.hpp"

#include <rex/sdk/error.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace rex::host {

namespace {

// Upper bounds of the latency buckets, in seconds: 1 ms to 10 s.
constexpr std::array<double, 13> bucket_bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

bool valid_name(std::string_view name, bool colon) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

void append_number(std::string& out, double v) {
    if (std::isnan(v)) return out.append("NaN"), void();
    if (std::isinf(v)) return out.append(v > 0 ? "+Inf" : "-Inf"), void();
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
    out.append(buffer, end);
}

// HELP text escapes backslash and newline; label values also the double quote.
std::string escaped(std::string_view text, bool quote) {
    std::string out;
    for (const char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (quote && c == '"') out += "\\\"";
        else out += c;
    }
    return out;
}

void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
    out.append("# HELP ").append(name).append(" ").append(escaped(help, false)).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// {a="x"} plus one more label: {a="x",le="0.1"}.
std::string with_label(const std::string& labels, const std::string& extra) {
    if (labels.empty()) return "{" + extra + "}";
    return labels.substr(0, labels.size() - 1) + "," + extra + "}";
}

std::size_t resident_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long size = 0, resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    return n == 2 ? resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace

std::string label_text(const MetricLabels& labels) {
    std::string out;
    for (const auto& [name, value] : labels) {
        if (value.empty()) continue;
        out += out.empty() ? "{" : ",";
        out += name + "=\"" + escaped(value, true) + "\"";
    }
    if (!out.empty()) out += "}";
    return out;
}

HostMetrics::HostMetrics() = default;

std::shared_ptr<MetricValue> HostMetrics::gauge(std::string_view name, std::string_view help, MetricLabels labels) {
    return series(name, help, labels, false);
}

std::shared_ptr<MetricValue> HostMetrics::counter(std::string_view name, std::string_view help, MetricLabels labels) {
    return series(name, help, labels, true);
}

std::shared_ptr<MetricValue> HostMetrics::series(std::string_view name, std::string_view help, const MetricLabels& labels, bool counter) {
    const auto kind = counter ? "counter" : "gauge";
    if (!valid_name(name, true))
        raise({ErrorCategory::configuration, "metric name '" + std::string(name) + "' is not [a-zA-Z_:][a-zA-Z0-9_:]*", {}, {}});
    for (const auto& label : labels)
        if (!valid_name(label.first, false) || label.first.starts_with("__") || label.first == "le")
            raise({ErrorCategory::configuration, "metric " + std::string(name) + ": label name '" + label.first + "' is not allowed", {}, {}});
    std::lock_guard lock(mutex_);
    auto it = families_.find(name);
    if (it == families_.end()) {
        Family family;
        family.help = help.empty() ? std::string(name) : std::string(help.substr(0, help.find('\n')));
        family.counter = counter;
        it = families_.emplace(std::string(name), std::move(family)).first;
    } else if (it->second.counter != counter) {
        raise({ErrorCategory::configuration, "metric " + std::string(name) + " is already a " + (counter ? "gauge" : "counter") + ", not a " + kind, {}, {}});
    }
    auto& value = it->second.series[label_text(labels)];
    if (!value) value = std::make_shared<MetricValue>();
    return value;
}

void HostMetrics::add_sampler(Sampler sampler) {
    std::lock_guard lock(mutex_);
    samplers_.push_back(std::move(sampler));
}

void HostMetrics::record(const RequestSample& sample) {
    const auto code = sample.status ? std::to_string(sample.status) : std::string("stream");
    const auto counted = label_text({{"route", sample.route}, {"operation", sample.operation}, {"method", sample.method}, {"code", code}});
    const auto timed = label_text({{"route", sample.route}, {"operation", sample.operation}});
    const double seconds = static_cast<double>(sample.duration.count()) / 1e6;
    std::lock_guard lock(mutex_);
    ++requests_[counted];
    if (!sample.status) return;  // a stream's duration is that of its hand-over, not a latency
    auto& latency = latency_[timed];
    if (latency.buckets.empty()) latency.buckets.resize(bucket_bounds.size());
    for (std::size_t i = 0; i < bucket_bounds.size(); ++i)
        if (seconds <= bucket_bounds[i]) {
            ++latency.buckets[i];
            break;
        }
    ++latency.count;
    latency.sum += seconds;
}

std::string HostMetrics::render() const {
    std::string out;
    out.reserve(4096);
    std::lock_guard lock(mutex_);
    append_header(out, "rex_http_requests_total", "HTTP requests answered, by route, GraphQL operation, method and status code", "counter");
    for (const auto& [labels, n] : requests_) out.append("rex_http_requests_total").append(labels).append(" ").append(std::to_string(n)).append("\n");
    append_header(out, "rex_http_request_duration_seconds", "Time from a request's last byte read to its answer, by route and GraphQL operation",
                  "histogram");
    for (const auto& [labels, latency] : latency_) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < bucket_bounds.size(); ++i) {
            cumulative += latency.buckets[i];
            std::string le = "le=\"";
            append_number(le, bucket_bounds[i]);
            out.append("rex_http_request_duration_seconds_bucket").append(with_label(labels, le + "\"")).append(" ").append(std::to_string(cumulative)).append("\n");
        }
        out.append("rex_http_request_duration_seconds_bucket").append(with_label(labels, "le=\"+Inf\"")).append(" ").append(std::to_string(latency.count)).append("\n");
        out.append("rex_http_request_duration_seconds_sum").append(labels).append(" ");
        append_number(out, latency.sum);
        out.append("\nrex_http_request_duration_seconds_count").append(labels).append(" ").append(std::to_string(latency.count)).append("\n");
    }
    for (const auto& sampler : samplers_) sampler(out);
    for (const auto& [name, family] : families_) {
        append_header(out, name, family.help, family.counter ? "counter" : "gauge");
        for (const auto& [labels, value] : family.series) {
            out.append(name).append(labels).append(" ");
            append_number(out, value->value());
            out.append("\n");
        }
    }
    append_header(out, "process_resident_memory_bytes", "Resident memory size in bytes", "gauge");
    out.append("process_resident_memory_bytes ").append(std::to_string(resident_bytes())).append("\n");
    append_header(out, "process_start_time_seconds", "Start time of the process since the Unix epoch in seconds", "gauge");
    out.append("process_start_time_seconds ");
    append_number(out, static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(started_.time_since_epoch()).count()) / 1000.0);
    out.append("\n");
    return out;
}

}  // namespace rex::host

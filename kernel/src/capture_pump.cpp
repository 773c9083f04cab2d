#include "change_bus.hpp"

#include <rex/capture.hpp>
#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace rex {

namespace {

using OrderedJson = nlohmann::ordered_json;

std::optional<Bytes> hex_bytes(const std::string& text) {
    if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2) return std::nullopt;
    Bytes out;
    for (std::size_t i = 2; i < text.size(); i += 2) {
        const auto nibble = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

// A JSON value by its own kind (no catalog entity for the table).
Value plain_value(const OrderedJson& j) {
    if (j.is_null()) return {};
    if (j.is_boolean()) return j.get<bool>();
    if (j.is_number_integer()) return j.get<std::int64_t>();
    if (j.is_number_unsigned()) return static_cast<std::int64_t>(j.get<std::uint64_t>());
    if (j.is_number_float()) return j.get<double>();
    if (j.is_string()) {
        const auto& s = j.get_ref<const std::string&>();
        if (auto b = hex_bytes(s)) return std::move(*b);
        return s;
    }
    return Json{j.dump()};
}

// A JSON value as the field's logical type; what does not convert stays as plain_value.
Value typed_value(const OrderedJson& j, LogicalType type) {
    if (j.is_null()) return {};
    try {
        const auto text = j.is_string() ? j.get<std::string>() : j.dump();
        switch (type) {
            case LogicalType::boolean:
                if (j.is_boolean()) return j.get<bool>();
                if (j.is_number()) return j.get<double>() != 0;
                if (j.is_string()) return text == "t" || text == "true" || text == "1";
                break;
            case LogicalType::int32:
            case LogicalType::int64:
                if (j.is_number()) return j.get<std::int64_t>();
                return static_cast<std::int64_t>(std::stoll(text));
            case LogicalType::float64:
                if (j.is_number()) return j.get<double>();
                return std::stod(text);
            case LogicalType::decimal: return Decimal{text};
            case LogicalType::string:
            case LogicalType::text: return text;
            case LogicalType::bytes:
                if (auto b = hex_bytes(text)) return std::move(*b);
                break;
            case LogicalType::date: return parse_date(text.substr(0, 10));
            case LogicalType::time: return parse_time(text);
            case LogicalType::timestamp: return parse_timestamp(text);
            case LogicalType::uuid: return parse_uuid(text);
            case LogicalType::json: return Json{j.is_string() ? text : j.dump()};
        }
    } catch (const std::exception&) {
    }
    return plain_value(j);
}

}  // namespace

struct CaptureShapes::Impl {
    struct TableShape {
        std::shared_ptr<const ChangeShape> shape;
        std::vector<std::string> columns;                // per field, the row's key
        std::vector<std::optional<LogicalType>> types;   // per field; nullopt: by JSON kind
        bool from_catalog = false;                       // else made from a row's columns
    };
    std::map<std::string, TableShape, std::less<>> tables;

    // The shape for a row of `table`: the catalog's entity when one maps the table, else the
    // row's own columns (a new shape when they change, e.g. after ALTER TABLE).
    const TableShape& shape_for(const std::string& table, const OrderedJson& row, const OrderedJson& key,
                                const CatalogView& catalog) {
        if (auto it = tables.find(table); it != tables.end() && matches(it->second, row)) return it->second;
        TableShape made;
        auto shape = std::make_shared<ChangeShape>();
        for (const auto& name : catalog.entity_names()) {
            const auto entity = catalog.find_entity(name);
            if (!entity || entity->table != table) continue;
            shape->entity = entity->name;
            made.from_catalog = true;
            for (const auto& f : entity->fields) {
                if (f.primary_key && shape->key_field < 0) shape->key_field = static_cast<int>(shape->fields.size());
                shape->fields.push_back(f.name);
                made.columns.push_back(f.column.empty() ? f.name : f.column);
                made.types.emplace_back(f.type.type);
            }
            break;
        }
        if (shape->entity.empty()) {
            shape->entity = table;
            const std::string key_name = key.is_object() && !key.empty() ? key.begin().key() : std::string();
            for (const auto& [name, value] : row.items()) {
                if (name == key_name) shape->key_field = static_cast<int>(shape->fields.size());
                shape->fields.push_back(name);
                made.columns.push_back(name);
                made.types.emplace_back(std::nullopt);
            }
        }
        made.shape = std::move(shape);
        return tables.insert_or_assign(table, std::move(made)).first->second;
    }

    static bool matches(const TableShape& s, const OrderedJson& row) {
        if (s.from_catalog) return true;  // columns are looked up by name
        if (row.size() != s.columns.size()) return false;
        std::size_t i = 0;
        for (const auto& [name, value] : row.items())
            if (name != s.columns[i++]) return false;
        return true;
    }
};

CaptureShapes::CaptureShapes() : impl(std::make_unique<Impl>()) {}
CaptureShapes::~CaptureShapes() = default;

namespace {

// A logged row, with the text of its top-level numbers that have a fraction or pass 64 bits:
// nlohmann reads those into doubles, and a decimal must keep every digit the database wrote.
struct ParsedRow {
    OrderedJson json;
    std::map<std::string, std::string, std::less<>> number_text;
};

// nlohmann's DOM builder, noting the text of top-level fractional numbers on the way.
class RowParser {
public:
    explicit RowParser(ParsedRow& out) : out_(out), dom_(out.json) {}
    bool null() { return dom_.null(); }
    bool boolean(bool v) { return dom_.boolean(v); }
    bool number_integer(OrderedJson::number_integer_t v) { return dom_.number_integer(v); }
    bool number_unsigned(OrderedJson::number_unsigned_t v) { return dom_.number_unsigned(v); }
    bool number_float(OrderedJson::number_float_t v, const std::string& text) {
        if (depth_ == 1) out_.number_text[key_] = text;
        return dom_.number_float(v, text);
    }
    bool string(std::string& v) { return dom_.string(v); }
    bool binary(OrderedJson::binary_t& v) { return dom_.binary(v); }
    bool start_object(std::size_t n) { return ++depth_, dom_.start_object(n); }
    bool key(std::string& k) {
        if (depth_ == 1) key_ = k;
        return dom_.key(k);
    }
    bool end_object() { return --depth_, dom_.end_object(); }
    bool start_array(std::size_t n) { return ++depth_, dom_.start_array(n); }
    bool end_array() { return --depth_, dom_.end_array(); }
    template <class Exception>
    bool parse_error(std::size_t position, const std::string& token, const Exception& e) {
        return dom_.parse_error(position, token, e);
    }

private:
    ParsedRow& out_;
    nlohmann::detail::json_sax_dom_parser<OrderedJson> dom_;
    int depth_ = 0;
    std::string key_;
};

ParsedRow parse_row(const std::optional<Json>& text, const CaptureBatch& batch, const CapturedChange& change) {
    ParsedRow out;
    if (!text) {
        out.json = OrderedJson::object();
        return out;
    }
    try {
        RowParser parser(out);
        OrderedJson::sax_parse(text->text, &parser);
        return out;
    } catch (const std::exception& e) {
        raise({ErrorCategory::invalid_value,
               "capture log: position " + std::to_string(batch.position) + ", table " + change.table + ": bad JSON: " + e.what(), {}, {}});
    }
}

void append_values(const CaptureShapes::Impl::TableShape& ts, const ParsedRow& row, std::vector<Value>& values) {
    for (std::size_t i = 0; i < ts.columns.size(); ++i) {
        const auto found = row.json.find(ts.columns[i]);
        if (found == row.json.end()) {
            values.emplace_back();
        } else if (ts.types[i] == LogicalType::decimal && found->is_number_float()) {
            const auto text = row.number_text.find(ts.columns[i]);
            values.push_back(text != row.number_text.end() ? Value(Decimal{text->second}) : typed_value(*found, LogicalType::decimal));
        } else {
            values.push_back(ts.types[i] ? typed_value(*found, *ts.types[i]) : plain_value(*found));
        }
    }
}

}  // namespace

std::vector<ChangeEvent> capture_events(const CaptureBatch& batch, const CatalogView& catalog, CaptureShapes& shapes) {
    std::vector<ChangeEvent> out;
    out.reserve(batch.changes.size());
    // A batch's position is its last change's number and its changes are numbered one after
    // another (docs/realtime.md): the same numbers on every host reading the database.
    const auto size = static_cast<std::int64_t>(batch.changes.size());
    for (std::int64_t i = 0; i < size; ++i) {
        const auto& change = batch.changes[static_cast<std::size_t>(i)];
        const bool removed = change.kind == ChangeKind::remove;
        const auto row = parse_row(removed ? change.old_row : change.new_row, batch, change);
        const auto key = parse_row(change.key, batch, change);
        const auto& ts = shapes.impl->shape_for(change.table, row.json, key.json, catalog);
        const bool has_old = change.kind == ChangeKind::update && change.old_row;
        const auto n = ts.columns.size();
        auto block = std::make_shared<std::vector<Value>>();
        block->reserve(has_old ? 2 * n : n);
        append_values(ts, row, *block);
        if (has_old) append_values(ts, parse_row(change.old_row, batch, change), *block);
        ChangeEvent event;
        event.kind = change.kind;
        event.shape = ts.shape;
        event.values = std::span<const Value>(block->data(), n);
        if (has_old) event.old_values = std::span<const Value>(block->data() + n, n);
        event.storage = std::move(block);
        event.at = batch.committed_at;
        event.position = batch.position;
        const auto sequence = batch.position - size + 1 + i;
        event.sequence = sequence > 0 ? static_cast<std::uint64_t>(sequence) : 0;
        out.push_back(std::move(event));
    }
    return out;
}

namespace {

// Events older than the bus's memory, read back from the log on a connection of their own.
class LogHistory final : public ChangeHistory {
public:
    LogHistory(Kernel& kernel, std::string url, ChangeCapture* capture, std::size_t max_batches)
        : kernel_(kernel), url_(std::move(url)), capture_(capture), max_batches_(max_batches) {}

    std::uint64_t first_available() const override { return first_available_.load(); }
    void retained_after(std::int64_t pruned_through) {
        first_available_ = static_cast<std::uint64_t>(std::max<std::int64_t>(pruned_through, 0)) + 1;
    }

    void replay(std::uint64_t after, std::uint64_t through, const std::function<void(const ChangeEvent&)>& deliver) override {
        std::lock_guard lock(mutex_);
        if (!connection_ || connection_->is_lost()) connection_ = kernel_.connect(url_);
        retained_after(capture_->status(*connection_).pruned_through);
        // Positions are change numbers, so reading after a change number gives its batch and
        // the later ones; the batch's earlier changes are filtered by the subscriber's `after`.
        auto position = static_cast<std::int64_t>(after);
        while (true) {
            const auto batches = capture_->read(*connection_, position, max_batches_);
            for (const auto& batch : batches) {
                for (const auto& e : capture_events(batch, kernel_.catalog(), shapes_)) {
                    if (e.sequence > through) return;
                    deliver(e);
                }
                position = batch.position;
            }
            if (batches.size() < max_batches_) return;
        }
    }

private:
    Kernel& kernel_;
    const std::string url_;
    ChangeCapture* capture_;
    const std::size_t max_batches_;
    std::mutex mutex_;  // guards the connection and shapes
    std::shared_ptr<Connection> connection_;
    CaptureShapes shapes_;
    std::atomic<std::uint64_t> first_available_{1};
};

class ThreadPump final : public CapturePump {
public:
    ThreadPump(Kernel& kernel, CapturePumpOptions options, std::shared_ptr<Connection> first)
        : kernel_(kernel),
          options_(std::move(options)),
          adapter_(kernel.adapter_for_url(options_.url)),
          capture_(adapter_->capture()),
          history_(std::make_shared<LogHistory>(kernel, options_.url, capture_, options_.max_batches)) {
        auto& c = *first;
        const auto status = capture_->status(c);
        if (!status.installed)
            raise({ErrorCategory::configuration, "capture is not set up in this database (run `rex realtime enable`)", {}, {}});
        position_ = options_.after.value_or(status.last_position);
        if (position_ > std::max(status.last_position, status.pruned_through)) {
            // Waiting for numbers this log may never reach again would deliver nothing.
            kernel_.logger().log(LogLevel::warn, "capture",
                                 "position " + std::to_string(position_) + " is ahead of the change log (newest " +
                                     std::to_string(status.last_position) +
                                     "): the database was replaced or restored; starting at its newest change, consumers must refetch");
            position_ = status.last_position;
            lost_ = true;
        }
        check_retained(status);
        published_ = static_cast<std::uint64_t>(std::max<std::int64_t>(position_, 0));
        // The bus takes its numbers from the log from here on (a second pump on the same bus
        // finds it numbered already and only adds what the bus lacks).
        if (auto* bus = dynamic_cast<InMemoryChangeBus*>(&kernel_.changes())) bus->number_from_log(published_, history_);
        thread_ = std::thread([this, first = std::move(first)]() mutable { run(std::move(first)); });
    }

    ~ThreadPump() override { stop(); }

    std::int64_t position() const override { return position_.load(); }
    bool lost_changes() const override { return lost_.load(); }
    void note_pruned(std::int64_t pruned_through) override { history_->retained_after(pruned_through); }

    void stop() override {
        stopping_ = true;
        if (thread_.joinable()) thread_.join();
    }

private:
    void check_retained(const CaptureStatus& status) {
        history_->retained_after(status.pruned_through);
        if (position_ >= status.pruned_through) return;
        lost_ = true;
        kernel_.logger().log(LogLevel::warn, "capture",
                             "position " + std::to_string(position_) + " is older than the retained log (pruned through " +
                                 std::to_string(status.pruned_through) + "): changes were lost, consumers must refetch");
        position_ = status.pruned_through;
    }

    void run(std::shared_ptr<Connection> connection) {
        auto backoff = std::chrono::milliseconds(100);
        while (!stopping_) {
            try {
                if (!connection) {
                    connection = kernel_.connect(options_.url);
                    check_retained(capture_->status(*connection));
                    kernel_.logger().log(LogLevel::info, "capture", "reconnected; resuming after position " + std::to_string(position_));
                }
                pump(*connection);
                backoff = std::chrono::milliseconds(100);
            } catch (const std::exception& e) {
                kernel_.logger().log(LogLevel::warn, "capture", std::string("reading the change log failed, retrying: ") + e.what());
                connection.reset();
                for (auto slept = std::chrono::milliseconds(0); slept < backoff && !stopping_; slept += std::chrono::milliseconds(20))
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
            }
        }
    }

    void pump(Connection& c) {
        auto batches = capture_->read(c, position_, options_.max_batches);
        if (batches.empty()) {
            capture_->wait(c, position_, options_.wait);
            return;
        }
        auto& log = kernel_.logger();
        for (auto& batch : batches) {
            auto events = capture_events(batch, kernel_.catalog(), shapes_);
            // Numbers only go up. A batch numbered into its predecessor (a log written before
            // positions were change numbers) is numbered on from it, with a warning.
            if (!events.empty() && events.front().sequence <= published_) {
                log.log(LogLevel::warn, "capture", "position " + std::to_string(batch.position) + " overlaps the previous batch; its changes are numbered after " + std::to_string(published_));
                auto next = published_;
                for (auto& e : events) e.sequence = ++next;
            }
            const auto first = events.empty() ? 0 : events.front().sequence;
            if (!events.empty()) published_ = events.back().sequence;
            kernel_.changes().publish_all(events);
            position_ = batch.position;
            if (log.enabled(LogLevel::debug))
                log.log(LogLevel::debug, "capture", "published sequences " + std::to_string(first) + ".." + std::to_string(published_) +
                                                        " (position " + std::to_string(batch.position) + ")");
            if (options_.on_delivered) options_.on_delivered(batch.position);
        }
    }

    Kernel& kernel_;
    CapturePumpOptions options_;
    std::shared_ptr<Adapter> adapter_;  // owns capture_
    ChangeCapture* capture_;
    std::shared_ptr<LogHistory> history_;
    CaptureShapes shapes_;
    std::atomic<std::int64_t> position_{0};
    std::uint64_t published_ = 0;  // the last sequence number published (the pump's thread)
    std::atomic<bool> lost_{false};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace

CapturePump::~CapturePump() = default;

std::unique_ptr<CapturePump> start_capture_pump(Kernel& kernel, CapturePumpOptions options) {
    auto adapter = kernel.adapter_for_url(options.url);
    if (!adapter->capture())
        raise({ErrorCategory::unsupported, "the " + std::string(adapter->name()) + " adapter cannot capture changes", {}, {}});
    auto first = kernel.connect(options.url);
    return std::make_unique<ThreadPump>(kernel, std::move(options), std::move(first));
}

}  // namespace rex

#include "operations/stream.hpp"

#include "api/subscription_root.hpp"
#include "executor/executor.hpp"
#include "executor/variables.hpp"
#include "operations/operations.hpp"
#include "operations/row_match.hpp"
#include "operations/sent_rows.hpp"

#include <rex/sdk/json_text.hpp>
#include <rex/sdk/log.hpp>

#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

namespace rex::graphql {

namespace {

using ordered = nlohmann::ordered_json;

class BadCursor : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

InputValue object(std::vector<std::pair<std::string, InputValue>> fields) { return InputValue::object(std::move(fields)); }
InputValue op(const std::string& column, const std::string& name, InputValue value) { return object({{column, object({{name, std::move(value)}})}}); }
InputValue all_of(std::vector<InputValue> parts) {
    std::erase_if(parts, [](const InputValue& v) { return v.is_null(); });
    if (parts.size() == 1) return parts.front();
    return object({{"_and", InputValue::list(std::move(parts))}});
}

// The hidden fields a stream adds to the selection to know each row's cursor value and key.
constexpr std::string_view hidden_prefix = "__rex_";

struct ChangedRow {
    std::uint64_t sequence = 0;
    bool removed = false;
    std::vector<InputValue> key;  // one per key column
    std::string key_text;         // the key as JSON text, as the rows render it
};

class Stream : public std::enable_shared_from_this<Stream> {
public:
    Stream(SubscriptionRequest request, std::shared_ptr<Delivery> delivery) : request_(std::move(request)), delivery_(std::move(delivery)) {
        const auto& field = request_.operation.fields.front();
        entity_ = request_.api->subscription_fields.at(field.name).entity;
        // The key's columns by the full API's names: a role may stream rows whose key it cannot read.
        const auto* full = request_.requester.full ? request_.requester.full->entity(entity_->entity->name) : nullptr;
        keys_ = full ? full : entity_;
        read_arguments(field);
    }

    ~Stream() { subscription_.reset(); }

    // Checks the resume point, subscribes, and schedules the first run.
    void start() {
        auto& bus = context().changes();
        const auto last = bus.last_sequence();
        std::uint64_t from = last;
        if (after_) {
            if (*after_ > last) throw BadCursor("after_sequence " + std::to_string(*after_) + " is ahead of this server's change bus (at " + std::to_string(last) + "): start again from initial_value");
            if (*after_ + 1 < bus.first_retained())
                throw BadCursor("the changes after sequence " + std::to_string(*after_) + " are no longer retained: start again from initial_value");
            from = *after_;
            initial_done_ = true;
        }
        covered_ = from;
        {
            std::lock_guard lock(mutex_);
            scheduled_ = true;  // the retained changes the subscription replays wait for the first run, as one batch
        }
        std::weak_ptr<Stream> weak = weak_from_this();
        subscription_ = bus.subscribe({{entity_->entity->name}}, from, [weak](const ChangeEvent& e) {
            if (auto s = weak.lock()) s->changed(e);
        });
        post();
    }

private:
    ExecutorContext& context() { return request_.executor->context(); }

    void read_arguments(const SelectedField& field) {
        const StreamNames names(request_.api->names);
        const auto* batch = field.argument(names.batch_size);
        batch_size_ = batch && batch->as_number() ? std::stoll(batch->as_number()->text) : 0;
        if (batch_size_ < 1 || batch_size_ > 100000) throw BadCursor(names.batch_size + " must be between 1 and 100000");
        const auto* cursors = field.argument(names.cursor);
        const auto* list = cursors ? cursors->as_list() : nullptr;
        if (!list || list->size() != 1 || list->front().is_null()) throw BadCursor("cursor must hold exactly one cursor");
        const auto& cursor = list->front();
        const auto* initial = cursor.field(names.initial_value);
        const auto* columns = initial ? initial->as_object() : nullptr;
        if (!columns || columns->size() != 1) throw BadCursor(names.initial_value + " must name exactly one column");
        cursor_name_ = columns->front().first;
        cursor_column_ = entity_->column(cursor_name_);
        if (!cursor_column_) throw BadCursor("no column '" + cursor_name_ + "'");
        initial_ = columns->front().second;
        if (const auto* ordering = cursor.field(names.ordering); ordering && ordering->as_enum()) descending_ = ordering->as_enum()->name == "DESC";
        if (const auto* after = cursor.field(names.after_sequence); after && !after->is_null()) {
            const auto* n = after->as_number();
            const auto* s = after->as_string();
            try {
                after_ = std::stoull(n ? n->text : s ? *s : std::string("x"));
            } catch (const std::exception&) {
                throw BadCursor(names.after_sequence + " must be a sequence number");
            }
        }
        if (const auto* where = field.argument("where")) where_ = *where;
    }

    // On the bus's publishing thread: queue and schedule.
    void changed(const ChangeEvent& e) noexcept {
        try {
            queue(e);
        } catch (const std::exception& x) {  // never into the publisher
            context().logger().log(LogLevel::error, "graphql", std::string("stream: a change could not be read: ") + x.what());
        }
    }

    void queue(const ChangeEvent& e) {
        ChangedRow row;
        row.sequence = e.sequence;
        row.removed = e.kind == ChangeKind::remove;
        std::string key_json = "[";
        for (const auto* k : entity_->primary_key) {
            const auto* v = event_value(e, e.values, *k);
            if (!v) return;  // not this entity's shape
            const auto text = value_to_json(*v);
            key_json += (key_json.size() > 1 ? "," : "") + text;
            row.key.push_back(input_from_json(nlohmann::json::parse(text)));
        }
        row.key_text = nlohmann::json::parse(key_json + "]").dump();
        bool start = false;
        {
            std::lock_guard lock(mutex_);
            if (stopped_) return;
            pending_.push_back(std::move(row));
            start = !running_ && !scheduled_;
            if (start) scheduled_ = true;
        }
        if (start) post();
    }

    void post() {
        std::weak_ptr<Stream> weak = weak_from_this();
        context().post([weak] {
            if (auto s = weak.lock()) s->run();
        });
    }

    void run() {
        {
            std::lock_guard lock(mutex_);
            scheduled_ = false;
            if (running_ || stopped_) return;
            running_ = true;
        }
        try {
            if (!initial_done_) {
                initial();
                initial_done_ = true;
                sent_.seal(SentRows::Clock::now());
            }
            for (;;) {
                std::deque<ChangedRow> batch;
                {
                    std::lock_guard lock(mutex_);
                    batch.swap(pending_);
                }
                if (batch.empty() || !delivery_->active()) break;
                changes(batch);
            }
        } catch (const std::exception& e) {
            context().logger().log(LogLevel::error, "graphql", std::string("stream failed: ") + e.what());
            if (delivery_->next(R"({"data":null,"errors":[{"message":"Internal error","extensions":{"code":"internal"}}]})")) delivery_->complete();
            std::lock_guard lock(mutex_);
            stopped_ = true;
        }
        bool again = false;
        {
            std::lock_guard lock(mutex_);
            running_ = false;
            again = !pending_.empty() && !stopped_ && !scheduled_;
            if (again) scheduled_ = true;
        }
        if (again) post();
    }

    // Step 1: the rows after initial_value, page by page on (cursor column, key).
    void initial() {
        std::vector<InputValue> last;  // the cursor value and key of the last row sent
        for (bool first = true;; first = false) {
            if (!delivery_->active()) return;
            InputValue from = last.empty() ? op(cursor_name_, descending_ ? "_lt" : "_gt", initial_) : after(last);
            auto rows = query(all_of({where_, from}), true);
            if (!rows) return;
            std::vector<std::string> texts;
            for (auto& row : *rows) {
                last = hidden_values(row, true);
                const auto key = key_text(row);
                strip_hidden(row);
                texts.push_back(row.dump());
                sent_.add(key, texts.back());
            }
            if (first || !texts.empty()) send(texts, covered_);
            if (static_cast<std::int64_t>(texts.size()) < batch_size_) return;
        }
    }

    // Rows strictly after `last` = (cursor value, key values) in the stream's order.
    InputValue after(const std::vector<InputValue>& last) const {
        std::vector<std::string> columns{cursor_name_};
        for (const auto* k : entity_->primary_key) columns.push_back(keys_->column_name(k->name));
        std::vector<InputValue> any;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            std::vector<InputValue> part;
            for (std::size_t j = 0; j < i; ++j) part.push_back(op(columns[j], "_eq", last[j]));
            part.push_back(op(columns[i], i == 0 && descending_ ? "_lt" : "_gt", last[i]));
            any.push_back(all_of(std::move(part)));
        }
        return object({{"_or", InputValue::list(std::move(any))}});
    }

    // Step 2: the rows of the changes in `batch`, in sequence order.
    void changes(std::deque<ChangedRow>& batch) {
        const auto last_sequence = batch.back().sequence;
        // A row changed twice is shown once, at its last change.
        std::map<std::string, std::size_t, std::less<>> latest;
        for (std::size_t i = 0; i < batch.size(); ++i) latest[batch[i].key_text] = i;
        std::vector<InputValue> keys;
        for (const auto& [text, i] : latest)
            if (!batch[i].removed) keys.push_back(key_match(batch[i].key));
        std::unordered_map<std::string, std::string> rows;
        for (std::size_t at = 0; at < keys.size(); at += 500) {
            std::vector<InputValue> chunk(keys.begin() + static_cast<std::ptrdiff_t>(at), keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), at + 500)));
            auto found = query(all_of({where_, object({{"_or", InputValue::list(std::move(chunk))}})}), false);
            if (!found) return;
            for (auto& row : *found) {
                const auto key = key_text(row);
                strip_hidden(row);
                rows[key] = row.dump();
            }
        }
        std::vector<std::string> texts;
        const auto now = SentRows::Clock::now();
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const auto& change = batch[i];
            if (latest[change.key_text] != i) continue;
            const auto row = rows.find(change.key_text);
            // Step 1 read it before or after this change: only the first change can repeat it.
            const bool same_as_sent = sent_.take_same(change.key_text, row != rows.end() ? std::string_view(row->second) : std::string_view(), now);
            if (change.removed || row == rows.end() || same_as_sent) continue;
            texts.push_back(row->second);
            if (static_cast<std::int64_t>(texts.size()) == batch_size_) {
                send(texts, change.sequence);
                texts.clear();
            }
        }
        if (!texts.empty()) send(texts, last_sequence);
        covered_ = last_sequence;
    }

    InputValue key_match(const std::vector<InputValue>& key) const {
        std::vector<InputValue> parts;
        for (std::size_t i = 0; i < entity_->primary_key.size(); ++i)
            parts.push_back(op(keys_->column_name(entity_->primary_key[i]->name), "_eq", key[i]));
        return all_of(std::move(parts));
    }

    // Runs the list field with `where`, ordered by the cursor (when `ordered`), the user's
    // selection plus the hidden cursor and key fields; the rows, or nullopt after sending the
    // error result (which ends the stream).
    std::optional<ordered> query(InputValue where, bool ordered_rows) {
        const auto& user = request_.operation.fields.front();
        SelectedField q;
        q.response_key = "rows";
        q.name = request_.api->names.root("", entity_->entity->name);
        q.parent_type = "query_root";
        q.location = user.location;
        q.arguments.emplace_back("where", std::move(where));
        if (ordered_rows) {
            std::vector<InputValue> order;
            const auto direction = InputValue::enumeration(descending_ ? "desc" : "asc");
            order.push_back(object({{cursor_name_, direction}}));
            for (const auto* k : entity_->primary_key) order.push_back(object({{keys_->column_name(k->name), InputValue::enumeration("asc")}}));
            q.arguments.emplace_back(request_.api->names.field("order_by"), InputValue::list(std::move(order)));
            q.arguments.emplace_back("limit", InputValue::number(std::to_string(batch_size_), false));
        }
        q.selection = user.selection;
        const auto hidden = [&](const std::string& key, const std::string& column) {
            SelectedField f;
            f.response_key = std::string(hidden_prefix) + key;
            f.name = column;
            f.parent_type = entity_->type_name;
            q.selection.push_back(std::move(f));
        };
        hidden("c", cursor_name_);
        for (std::size_t i = 0; i < entity_->primary_key.size(); ++i) hidden("k" + std::to_string(i), keys_->column_name(entity_->primary_key[i]->name));
        PreparedOperation op;
        op.kind = OperationKind::query;
        op.fields.push_back(std::move(q));
        // Under the requester's rules: the role's row filter and session values on every batch.
        const auto body = request_.executor->run_prepared(*request_.api, op, nullptr, &request_.requester).body;
        auto parsed = ordered::parse(body, nullptr, false);
        if (parsed.is_discarded() || parsed.contains("errors") || !parsed["data"]["rows"].is_array()) {
            auto errors = ordered::parse(body, nullptr, false);
            if (delivery_->next(errors.is_discarded() ? body : ordered{{"data", nullptr}, {"errors", errors["errors"]}}.dump())) delivery_->complete();
            std::lock_guard lock(mutex_);
            stopped_ = true;
            return std::nullopt;
        }
        return std::move(parsed["data"]["rows"]);
    }

    std::vector<InputValue> hidden_values(const ordered& row, bool with_cursor) const {
        std::vector<InputValue> out;
        if (with_cursor) out.push_back(input_from_json(nlohmann::json::parse(row[std::string(hidden_prefix) + "c"].dump())));
        for (std::size_t i = 0; i < entity_->primary_key.size(); ++i)
            out.push_back(input_from_json(nlohmann::json::parse(row[std::string(hidden_prefix) + "k" + std::to_string(i)].dump())));
        return out;
    }

    std::string key_text(const ordered& row) const {
        nlohmann::json key = nlohmann::json::array();
        for (std::size_t i = 0; i < entity_->primary_key.size(); ++i)
            key.push_back(nlohmann::json::parse(row[std::string(hidden_prefix) + "k" + std::to_string(i)].dump()));
        return key.dump();
    }

    static void strip_hidden(ordered& row) {
        for (auto it = row.begin(); it != row.end();) {
            if (it.key().starts_with(hidden_prefix)) it = row.erase(it);
            else ++it;
        }
    }

    void send(const std::vector<std::string>& rows, std::uint64_t sequence) {
        const auto& key = request_.operation.fields.front().response_key;
        std::string body = "{\"data\":{";
        append_json_string(body, key);
        body += ":[";
        for (std::size_t i = 0; i < rows.size(); ++i) body += (i ? "," : "") + rows[i];
        body += "]},\"extensions\":{\"rex\":{\"sequence\":" + std::to_string(sequence) + "}}}";
        delivery_->next(std::move(body));
    }

    SubscriptionRequest request_;
    std::shared_ptr<Delivery> delivery_;
    const EntityApi* entity_ = nullptr;  // as the requester sees it
    const EntityApi* keys_ = nullptr;    // as the SQL compiles it (the full API's)
    std::int64_t batch_size_ = 0;
    std::string cursor_name_;
    const FieldInfo* cursor_column_ = nullptr;
    InputValue initial_;
    bool descending_ = false;
    std::optional<std::uint64_t> after_;
    InputValue where_;
    std::unique_ptr<ChangeSubscription> subscription_;

    // Touched by runs only (never two at once).
    bool initial_done_ = false;
    std::uint64_t covered_ = 0;
    SentRows sent_;  // step 1's rows

    std::mutex mutex_;
    std::deque<ChangedRow> pending_;
    bool running_ = false, scheduled_ = false, stopped_ = false;
};

}  // namespace

std::shared_ptr<void> start_stream(SubscriptionRequest request, std::shared_ptr<Delivery> delivery) {
    try {
        auto stream = std::make_shared<Stream>(std::move(request), delivery);
        stream->start();
        return stream;  // its destructor ends the bus subscription
    } catch (const BadCursor& e) {
        delivery->error(one_error(e.what(), "BAD_USER_INPUT"));
        return nullptr;
    }
}

}  // namespace rex::graphql

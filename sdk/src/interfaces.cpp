// Out-of-line key functions and default behaviour of the SDK interfaces, so their
// vtables and type info live once, in librex-sdk.so.
#include <rex/sdk/adapter.hpp>
#include <rex/sdk/capture.hpp>
#include <rex/sdk/catalog.hpp>
#include <rex/sdk/change.hpp>
#include <rex/sdk/change_stream.hpp>
#include <rex/sdk/dialect.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/exporter.hpp>
#include <rex/sdk/log.hpp>
#include <rex/sdk/metrics.hpp>
#include <rex/sdk/operation.hpp>
#include <rex/sdk/plugin.hpp>
#include <rex/sdk/resolver.hpp>
#include <rex/sdk/transport.hpp>

#include <cctype>
#include <cstdint>
#include <string>

REX_SDK_BEGIN

Logger::~Logger() = default;
ChangeFeed::~ChangeFeed() = default;
Connection::~Connection() = default;
Adapter::~Adapter() = default;
ChangeCapture::~ChangeCapture() = default;
void ChangeCapture::set_mode(Connection&, std::string_view mode) {
    if (mode != "triggers")
        raise({ErrorCategory::unsupported, "capture: this database only captures through triggers, not '" + std::string(mode) + "'", {}, {}});
}
Dialect::~Dialect() = default;
CatalogView::~CatalogView() = default;
std::vector<std::shared_ptr<const Resolver>> CatalogView::resolvers() const { return {}; }
ChangeSubscription::~ChangeSubscription() = default;
ChangeBus::~ChangeBus() = default;
HttpRoute::~HttpRoute() = default;
TransportContext::~TransportContext() = default;
const PluginSettings& TransportContext::settings(std::string_view) const {
    static const PluginSettings none;  // immutable: an empty set shared by every context
    return none;
}
OperationExecutor* TransportContext::operations() { return nullptr; }
ChangeStreams* TransportContext::change_streams() { return nullptr; }
Metrics* TransportContext::metrics() { return nullptr; }
Metrics::~Metrics() = default;
IdentifyResult TransportContext::identify(const IdentityRequest&) const { return {Identity::administrator(), {}}; }
RealtimeTransport::~RealtimeTransport() = default;
OperationSink::~OperationSink() = default;
OperationHandle::~OperationHandle() = default;
OperationExecutor::~OperationExecutor() = default;
ChangeStreamSink::~ChangeStreamSink() = default;
ChangeStreams::~ChangeStreams() = default;
ExecutorContext::~ExecutorContext() = default;
const PluginSettings& ExecutorContext::settings() const {
    static const PluginSettings none;  // immutable: an empty set shared by every context
    return none;
}
void ExecutorContext::post(std::function<void()> work) { work(); }
Metrics* ExecutorContext::metrics() { return nullptr; }
std::shared_ptr<Connection> ExecutorContext::acquire_read() { return acquire(); }
IdentifyResult ExecutorContext::identify(const IdentityRequest&) const { return {Identity::administrator(), {}}; }
RequestExecutor::~RequestExecutor() = default;
std::shared_ptr<OperationExecutor> RequestExecutor::operations() { return nullptr; }
SchemaExporter::~SchemaExporter() = default;
Registrar::~Registrar() = default;
void Registrar::add_resolver(Resolver resolver) {
    raise({ErrorCategory::plugin_load, "this registrar takes no resolvers (resolver '" + resolver.name + "')", {}, {}});
}

void require_identifier(std::string_view name, std::string_view what) {
    auto ok = !name.empty() && name.size() <= 63;
    for (std::size_t i = 0; ok && i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        ok = alpha || (i > 0 && c >= '0' && c <= '9');
    }
    if (!ok) {
        raise({ErrorCategory::configuration,
               std::string(what) + " '" + std::string(name) +
                   "' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters)",
               {}, {}});
    }
}

ResultSet Connection::execute(std::string_view sql, const Params& params) {
    auto cursor = query(sql, params);
    return collect(*cursor);
}

const Value& batch_parameter(std::span<const Value> row, std::size_t index) {
    if (index >= row.size())
        raise({ErrorCategory::invalid_value,
               "the parameter map names value " + std::to_string(index) + " of a row of " + std::to_string(row.size()), {}, {}});
    return row[index];
}

std::int64_t Connection::visit_rows(std::string_view sql, std::span<const Value> params, RowVisitor visitor) {
    auto cursor = query(sql, Params(params.begin(), params.end()));
    return visit_all(*cursor, visitor);
}

bool starts_with_keyword(std::string_view sql, std::string_view keyword) noexcept {
    std::size_t i = 0;
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
    if (sql.size() - i < keyword.size()) return false;
    for (std::size_t k = 0; k < keyword.size(); ++k)
        if (std::toupper(static_cast<unsigned char>(sql[i + k])) != keyword[k]) return false;
    return true;
}

void raise_in_batch_row(const Error& e, std::size_t row) {
    raise({e.category(), "parameter row " + std::to_string(row) + ": " + e.message(), e.native_code(), e.sql()});
}

std::vector<StatementOutcome> Connection::execute_batch(std::string_view sql, ValueRows rows,
                                                       const std::vector<std::size_t>& parameter_map) {
    std::vector<StatementOutcome> outcomes;
    outcomes.reserve(rows.size());
    Params params;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        try {
            const auto row = rows.row(i);
            params.clear();
            if (parameter_map.empty())
                params.assign(row.begin(), row.end());
            else
                for (const auto k : parameter_map) params.push_back(batch_parameter(row, k));
            auto result = execute(sql, params);
            outcomes.push_back({result.affected_rows, result.last_insert_id});
        } catch (const Error& e) {
            raise_in_batch_row(e, i);
        }
    }
    return outcomes;
}

std::uint64_t ChangeBus::publish_all(std::vector<ChangeEvent>& events) {
    std::uint64_t last = events.empty() ? last_sequence() : 0;
    for (auto& e : events) last = publish(std::move(e));
    events.clear();
    return last;
}

std::uint64_t ChangeBus::first_retained() const { return 1; }
bool ChangeBus::numbered_by_log() const { return false; }

// Names are validated, then quoted in the SQL standard's way, so a name that happens to be a
// keyword ("outer") works too. Adapters for databases without ANSI quotes override these.
void Connection::savepoint(std::string_view name) {
    require_identifier(name, "savepoint name");
    execute("SAVEPOINT \"" + std::string(name) + "\"");
}

void Connection::release_savepoint(std::string_view name) {
    require_identifier(name, "savepoint name");
    execute("RELEASE SAVEPOINT \"" + std::string(name) + "\"");
}

void Connection::rollback_to_savepoint(std::string_view name) {
    require_identifier(name, "savepoint name");
    execute("ROLLBACK TO SAVEPOINT \"" + std::string(name) + "\"");
}

std::string Dialect::limit_offset(std::optional<std::int64_t> limit,
                                  std::optional<std::int64_t> offset) const {
    std::string out;
    // SQLite and MySQL have no OFFSET without LIMIT; the largest int64 means "no limit" on all.
    if (limit || offset) out += " LIMIT " + std::to_string(limit.value_or(INT64_MAX));
    if (offset) out += " OFFSET " + std::to_string(*offset);
    return out;
}

std::string Dialect::integer_array_match(std::string_view, std::string_view, bool) const { return {}; }

GeneratedKeyStyle Dialect::generated_keys(std::string_view) const { return features().generated_keys; }

bool Dialect::upsert_updated_existing(std::int64_t) const { return false; }

bool version_at_least(std::string_view version, std::initializer_list<int> least) {
    std::size_t at = 0;
    bool first = true;
    for (const int want : least) {
        long have = 0;  // a missing part counts as 0: "10" is below 10.5
        const auto start = at;
        while (at < version.size() && version[at] >= '0' && version[at] <= '9' && have < 1000000) have = have * 10 + (version[at++] - '0');
        if (first && at == start) return false;
        first = false;
        if (have != want) return have > want;
        if (at < version.size() && version[at] == '.') ++at;
    }
    return true;
}

std::string Dialect::json_list_match(std::string_view, std::string_view, bool, bool) const { return {}; }

std::string Dialect::returning_clause(const std::vector<std::string>& columns) const {
    if (columns.empty()) return {};
    std::string out = " RETURNING ";
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i) out += ", ";
        out += quote_identifier(columns[i]);
    }
    return out;
}

std::optional<ColumnType> parse_native_type(std::string_view native,
                                            std::initializer_list<std::pair<std::string_view, LogicalType>> names) {
    std::string text;
    for (char c : native) text += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::vector<int> args;
    std::string base = text;
    if (const auto open = text.find('('); open != std::string::npos) {
        const auto close = text.find(')', open);
        base = text.substr(0, open) + (close == std::string::npos ? "" : text.substr(close + 1));
        std::string inner = text.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
        std::size_t pos = 0;
        while (pos < inner.size()) {
            const auto comma = inner.find(',', pos);
            try {
                args.push_back(std::stoi(inner.substr(pos, comma - pos)));
            } catch (...) {
                return std::nullopt;
            }
            pos = comma == std::string::npos ? inner.size() : comma + 1;
        }
    }
    if (auto u = base.find(" unsigned"); u != std::string::npos) base.erase(u, 9);
    while (!base.empty() && base.back() == ' ') base.pop_back();
    for (const auto& [name, logical] : names) {
        if (base != name) continue;
        ColumnType type(logical);
        if (logical == LogicalType::string && !args.empty()) type.length = args[0];
        if (logical == LogicalType::decimal && !args.empty()) {
            type.precision = args[0];
            type.scale = args.size() > 1 ? args[1] : 0;
        }
        return type;
    }
    return std::nullopt;
}

std::optional<ColumnType> Dialect::logical_type(std::string_view) const { return std::nullopt; }

std::string Dialect::list_indexes_sql() const { return {}; }

std::string Dialect::drop_index_sql(std::string_view, std::string_view index) const { return "DROP INDEX " + quote_identifier(index); }

std::string Dialect::drop_foreign_key_sql(std::string_view table, std::string_view name) const {
    return "ALTER TABLE " + quote_identifier(table) + " DROP CONSTRAINT " + quote_identifier(name);
}

std::string Dialect::alter_column_sql(std::string_view table, std::string_view column, const ColumnType& type, bool nullable) const {
    const auto c = quote_identifier(column);
    return "ALTER TABLE " + quote_identifier(table) + " ALTER COLUMN " + c + " TYPE " + column_type(type) + ", ALTER COLUMN " + c +
           (nullable ? " DROP NOT NULL" : " SET NOT NULL");
}
std::string Dialect::list_foreign_keys_sql() const { return {}; }
std::string Dialect::try_lock_sql() const { return {}; }
std::string Dialect::unlock_sql() const { return {}; }

bool HttpRoute::wants_stream(const HttpRequest&) const { return false; }

void HttpRoute::take_stream(const HttpRequest&, StreamSocket) {
    raise({ErrorCategory::unsupported, "this route does not take streams", {}, {}});
}

std::shared_ptr<RequestExecutor> SchemaExporter::make_executor(ExecutorContext&) { return nullptr; }
std::string SchemaExporter::export_schema(const CatalogView& catalog, const PluginSettings&) const { return export_schema(catalog); }

const FieldInfo* EntityInfo::field(std::string_view field_name) const noexcept {
    for (const auto& f : fields)
        if (f.name == field_name) return &f;
    return nullptr;
}

const RelationInfo* EntityInfo::relation(std::string_view relation_name) const noexcept {
    for (const auto& r : relations)
        if (r.name == relation_name) return &r;
    return nullptr;
}

std::string_view to_string(LogLevel level) noexcept {
    switch (level) {
        case LogLevel::trace: return "trace";
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::warn: return "warn";
        case LogLevel::error: return "error";
        case LogLevel::off: return "off";
    }
    return "unknown";
}

std::optional<LogLevel> parse_log_level(std::string_view name) noexcept {
    for (auto level : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn,
                       LogLevel::error, LogLevel::off})
        if (to_string(level) == name) return level;
    if (name == "warning") return LogLevel::warn;
    return std::nullopt;
}

namespace {
constexpr std::string_view logical_type_names[] = {"bool", "int32", "int64",     "float64", "decimal",
                                                   "string", "text", "bytes",   "date",
                                                   "time", "timestamp", "uuid", "json"};
}

std::string_view to_string(LogicalType type) noexcept {
    return logical_type_names[static_cast<std::size_t>(type)];
}

std::optional<LogicalType> parse_logical_type(std::string_view name) noexcept {
    for (std::size_t i = 0; i < std::size(logical_type_names); ++i)
        if (logical_type_names[i] == name) return static_cast<LogicalType>(i);
    return std::nullopt;
}

REX_SDK_END

#include <rex/orm/database.hpp>
#include "hydrator.hpp"
#include <rex/schema.hpp>
#include "statement_timer.hpp"
#include "text_length.hpp"
#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <charconv>
#include <cstdio>
#include <algorithm>
#include <atomic>
#include <set>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>
#include <thread>

namespace rex {

namespace {

std::string type_name(std::type_index t) { return t.name(); }

sql::ExprPtr literal(Value v) { return sql::make(sql::Literal{std::move(v)}); }

sql::ExprPtr column_ref(const EntityModel& m, const FieldModel& f) { return sql::make(sql::ColumnRef{m.table, f.info.column}); }

sql::ExprPtr and_all(const std::vector<ExprBuilder>& parts, const ColumnResolver& resolver) {
    sql::ExprPtr all;
    for (const auto& p : parts) {
        auto e = p(resolver);
        all = all ? sql::make(sql::Binary{sql::BinaryOp::and_, all, e}) : e;
    }
    return all;
}

// The mapped models as readers see them. Database::map publishes a new set (and new models where
// one changed) instead of changing these: a thread that is using a model or a set while another
// maps a class keeps a consistent one. Sets and models are kept until the Database goes, so a
// reference handed out stays valid.
struct ModelSet {
    std::map<std::type_index, const EntityModel*> models;
    // The same models by the address of their type's name, scanned in order: an application
    // maps tens of classes, and comparing that many pointers costs less than one hash table
    // lookup (whose bucket is a division). A type whose type_info is duplicated across
    // libraries misses here and is found in `models`.
    std::vector<std::pair<const char*, const EntityModel*>> by_name_address;
    std::vector<std::type_index> order;  // mapping order

    const EntityModel* find(std::type_index type) const {
        const char* const name = type.name();
        for (const auto& [address, model] : by_name_address)
            if (address == name) return model;
        const auto it = models.find(type);
        return it == models.end() ? nullptr : it->second;
    }
    const EntityModel& at(std::type_index type) const {
        if (const auto* m = find(type)) return *m;
        raise({ErrorCategory::not_found, "class " + type_name(type) + " is not mapped (use Database::map)", {}, {}});
    }
    void put(std::type_index type, const EntityModel& model) {
        if (models.insert_or_assign(type, &model).second) order.push_back(type);
        const auto named = std::find_if(by_name_address.begin(), by_name_address.end(), [&](const auto& e) { return e.first == type.name(); });
        if (named == by_name_address.end())
            by_name_address.emplace_back(type.name(), &model);
        else
            named->second = &model;
    }
};

class ModelResolver final : public ColumnResolver {
public:
    // Resolves against the set published last, or against `fixed` (one being built).
    explicit ModelResolver(const std::atomic<const ModelSet*>& published) : published_(&published) {}
    explicit ModelResolver(const ModelSet& fixed) : fixed_(&fixed) {}

    const EntityModel& model(std::type_index type) const {
        return (fixed_ ? fixed_ : published_->load(std::memory_order_acquire))->at(type);
    }

    sql::ColumnRef column(const MemberKey& key) const override {
        const auto& m = model(key.owner);
        const auto* field = m.find(key);
        if (!field) raise({ErrorCategory::not_found, "a member of entity '" + m.name + "' is used in a query but not mapped", {}, {}});
        return {m.table, field->info.column};
    }

    sql::SelectPtr subquery(const SelectState& state) const override {
        return std::make_shared<const sql::Select>(build(state, false));
    }

    // The AST of a select: the root's fields (or the projection), joins, filters, grouping.
    sql::Select build(const SelectState& state, bool count) const {
        const auto& m = model(state.root);
        sql::Select select;
        select.distinct = state.distinct && !count;
        if (count) {
            if (!state.group_by.empty() || state.distinct || !state.columns.empty())
                raise({ErrorCategory::unsupported,
                       "count() of a grouped, distinct or projected query is not supported; count the rows of all()", {}, {}});
            select.columns.push_back({sql::make(sql::AggregateCall{sql::Aggregate::count, nullptr, false}), ""});
        } else if (!state.columns.empty()) {
            for (const auto& c : state.columns) select.columns.push_back({c(*this), ""});
        } else {
            for (const auto& f : m.fields) select.columns.push_back({column_ref(m, f), ""});
        }
        select.from = {m.table, ""};
        for (const auto& j : state.joins) select.joins.push_back({j.kind, {model(j.entity).table, ""}, j.on(*this)});
        select.where = and_all(state.where, *this);
        for (const auto& g : state.group_by) select.group_by.push_back(g(*this));
        select.having = and_all(state.having, *this);
        if (!count) {
            for (const auto& o : state.order) select.order_by.push_back({o.expr(*this), o.descending, o.nulls});
            select.limit = state.limit;
            select.offset = state.offset;
        }
        return select;
    }

private:
    const std::atomic<const ModelSet*>* published_ = nullptr;
    const ModelSet* fixed_ = nullptr;
};

// What a cached ORM statement depends on: the model, the kind of statement, which columns it
// writes (a bit per field; fields past the 64th in `more`), how many rows, RETURNING or not.
struct StatementShape {
    enum class Kind : std::uint8_t { insert, update, remove };
    const EntityModel* model = nullptr;
    Kind kind;
    std::uint64_t columns = 0;
    std::vector<bool> more;
    std::size_t rows = 1;
    bool returning = false;

    StatementShape(const EntityModel& m, Kind k) : model(&m), kind(k) {}
    StatementShape(const EntityModel& m, Kind k, const std::vector<const FieldModel*>& written) : model(&m), kind(k) {
        for (const auto* f : written) {
            const auto i = static_cast<std::size_t>(f - m.fields.data());
            if (i < 64) {
                columns |= std::uint64_t{1} << i;
            } else {
                more.resize(m.fields.size() - 64);
                more[i - 64] = true;
            }
        }
    }
    bool operator==(const StatementShape&) const = default;
    struct Hash {
        std::size_t operator()(const StatementShape& s) const noexcept {
            auto h = std::hash<const void*>{}(s.model) ^ (std::hash<std::uint64_t>{}(s.columns) * 31);
            return h ^ (s.rows * 131 + static_cast<std::size_t>(s.kind) * 7 + s.returning);
        }
    };
};

// Change events carry the time their change became visible: the commit, or the statement.
Timestamp wall_clock_now() {
    using namespace std::chrono;
    return Timestamp{duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()};
}

// The one key field relations and link() go by.
const FieldModel& id_field(const EntityModel& m) {
    if (m.key_fields.empty()) raise({ErrorCategory::configuration, "entity '" + m.name + "' has no key (map one with .id() or .key())", {}, {}});
    if (m.id_field < 0)
        raise({ErrorCategory::configuration,
               "entity '" + m.name + "' has a composite key; relations and link() need a key of one field", {}, {}});
    return m.fields[static_cast<std::size_t>(m.id_field)];
}

// The key's fields; an error naming the entity when it has none.
const std::vector<std::size_t>& key_fields(const EntityModel& m) {
    if (m.key_fields.empty())
        raise({ErrorCategory::configuration, "entity '" + m.name + "' has no key (map one with .id() or .key())", {}, {}});
    return m.key_fields;
}

// "WHERE a = $n AND b = $n+1": the key's columns, parameters from `first` on.
std::string where_key(const EntityModel& m, const Dialect& d, std::size_t first) {
    std::string out;
    for (const auto i : key_fields(m))
        out += (out.empty() ? " WHERE " : " AND ") + d.quote_identifier(m.fields[i].info.column) + " = " + d.placeholder(first++);
    return out;
}

// "code = 'x'" or "playlist_id = 1, track_id = 2": a row's key for messages.
std::string key_display(const EntityModel& m, std::span<const Value> row) {
    std::string out;
    for (const auto i : m.key_fields) out += (out.empty() ? "" : ", ") + m.fields[i].info.column + " = " + row[i].to_display();
    return out;
}


// Filters `state` to rows whose column of `f` equals `value`.
void where_equal(SelectState& state, const EntityModel& m, const FieldModel& f, Value value) {
    state.where.push_back([&m, &f, value = std::move(value)](const ColumnResolver&) {
        return sql::make(sql::Binary{sql::BinaryOp::eq, column_ref(m, f), literal(value)});
    });
}

// SELECT over one entity, filtered to the row with the given key (a value per key field).
SelectState by_key(std::type_index type, const EntityModel& m, std::span<const Value> key) {
    const auto& fields = key_fields(m);
    if (key.size() != fields.size()) {
        std::string names;
        for (const auto i : fields) names += (names.empty() ? "" : ", ") + m.fields[i].info.name;
        raise({ErrorCategory::invalid_value,
               "entity '" + m.name + "' has a key of " + std::to_string(fields.size()) + " field" + (fields.size() == 1 ? "" : "s") + " (" +
                   names + "); got " + std::to_string(key.size()) + " value" + (key.size() == 1 ? "" : "s"),
               {}, {}});
    }
    SelectState state;
    state.root = type;
    for (std::size_t k = 0; k < fields.size(); ++k) where_equal(state, m, m.fields[fields[k]], key[k]);
    return state;
}


}  // namespace

struct Database::State {
    Kernel* kernel = nullptr;  // must outlive the Database; its logger may be replaced at any time
    QueryLogOptions log;
    std::shared_ptr<Dialect> dialect;
    std::shared_ptr<ConnectionPool> pool;
    // Every model and model set ever published (see ModelSet); map() calls are serialised by
    // map_mutex, readers only load `published`.
    std::mutex map_mutex;
    std::deque<EntityModel> model_store;  // a deque: adding never moves the others
    std::vector<std::unique_ptr<const ModelSet>> sets;
    std::atomic<const ModelSet*> published{nullptr};
    ModelResolver resolver{published};

    const ModelSet& models() const { return *published.load(std::memory_order_acquire); }
    // The SQL of the ORM's fixed statements (find by key, insert, update and delete by key with
    // a given column set), built once per shape: most calls then skip building and compiling.
    std::mutex sql_mutex;
    std::unordered_map<StatementShape, std::string, StatementShape::Hash> sql_cache;
    // How the server reports generated keys (Dialect::generated_keys of its version), asked on
    // the first insert that needs one: -1 until then.
    std::atomic<int> key_style{-1};

    template <class Make>
    const std::string& cached_sql(const StatementShape& shape, Make&& make) {
        std::lock_guard lock(sql_mutex);
        auto it = sql_cache.find(shape);
        if (it == sql_cache.end()) it = sql_cache.emplace(shape, make()).first;
        return it->second;  // entries are removed only when a mapping changes
    }
};

Database::Database(Kernel& kernel, std::string_view url, DatabaseOptions options) : state_(std::make_unique<State>()) {
    auto adapter = kernel.adapter_for_url(url);
    state_->kernel = &kernel;
    state_->log = options.log;
    state_->dialect = kernel.dialect(adapter->dialect());
    state_->pool = kernel.make_pool(url, options.pool);
    if (options.generated_keys) state_->key_style = static_cast<int>(*options.generated_keys);
    state_->sets.push_back(std::make_unique<const ModelSet>());
    state_->published.store(state_->sets.back().get(), std::memory_order_release);
}

StatementTimer Database::time_statement() const { return StatementTimer(state_->kernel->logger().enabled(LogLevel::debug)); }

void Database::log_statement(std::string_view sql, std::span<const Value> params, const StatementTimer& timer, std::int64_t rows,
                             std::size_t runs) const {
    const auto took = timer.elapsed();
    const bool slow = took >= state_->log.slow_threshold;
    // The common case, neither debug nor slow, asks the logger nothing.
    if (!slow && !timer.precise()) return;
    auto& log = state_->kernel->logger();
    const auto level = slow ? LogLevel::warn : LogLevel::debug;
    if (!log.enabled(level)) return;
    // A duration from the coarse clock (a few ms of resolution) is shown in whole ms, not with
    // microseconds it does not have.
    char ms[32];
    std::snprintf(ms, sizeof ms, timer.precise() ? "%.3f" : "%.0f", std::chrono::duration<double, std::milli>(took).count());
    std::string line = slow ? "slow query (" + std::string(ms) + " ms >= " + std::to_string(state_->log.slow_threshold.count()) +
                                  " ms, " + std::to_string(rows) + " rows): "
                            : "[" + std::string(ms) + " ms, " + std::to_string(rows) + " rows] ";
    if (runs > 0) line += "(batch of " + std::to_string(runs) + " runs) ";
    // A statement with a huge IN list stays one readable line: its SQL and its parameter list are
    // cut, saying how much was left out.
    constexpr std::size_t max_sql = 2000, max_params = 20;
    auto shown = std::min(sql.size(), max_sql);
    while (shown < sql.size() && shown > 0 && (static_cast<unsigned char>(sql[shown]) & 0xC0) == 0x80) --shown;  // whole UTF-8 characters
    line += sql.substr(0, shown);
    if (shown < sql.size()) line += "... (" + std::to_string(sql.size() - shown) + " more bytes)";
    if (!params.empty()) {
        line += runs > 0 ? " -- first run's params: [" : " -- params: [";
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (i == max_params) {
                line += ", ... (" + std::to_string(params.size() - max_params) + " more)";
                break;
            }
            line += i ? ", " : "";
            if (state_->log.redact_parameters) {
                line += "?";
            } else if (params[i].kind() == ValueKind::text) {
                line += "'" + params[i].as_text().substr(0, 200) + (params[i].as_text().size() > 200 ? "...'" : "'");
            } else if (params[i].kind() == ValueKind::bytes) {
                line += "<" + std::to_string(params[i].as_bytes().size()) + " bytes>";
            } else {
                line += params[i].to_display();
            }
        }
        line += "]";
    }
    log.write(level, "sql", line);
}

Database::~Database() = default;

void Database::pause_before_retry(int attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10 * attempt * attempt));
}

void Database::add_model(EntityModel model) {
    const auto type = model.type;
    auto shape = std::make_shared<ChangeShape>();
    shape->entity = model.name;
    for (const auto& f : model.fields) shape->fields.push_back(f.info.name);
    shape->key_field = model.id_field;
    model.change_shape = std::move(shape);
    std::lock_guard lock(state_->map_mutex);
    auto next = std::make_unique<ModelSet>(state_->models());
    auto& stored = state_->model_store.emplace_back(std::move(model));  // not yet seen by readers
    next->put(type, stored);
    if (!stored.key_fields.empty()) {
        // No LIMIT: the key is the primary key, and find() stops reading after the first row anyway.
        const std::vector<Value> key(stored.key_fields.size(), Value(std::int64_t{0}));
        const auto state = by_key(type, stored, key);
        stored.find_sql = sql::compile(ModelResolver(*next).build(state, false), *state_->dialect).sql;  // its parameters are the key
    }
    // Relations name their target and key once both ends are mapped: a published model whose
    // relations learn theirs now is replaced by a copy that has them.
    for (const auto t : next->order) {  // put() below replaces a model, never adds a type
        const auto* current = next->models.at(t);
        auto relations = current->relations;
        for (auto& r : relations) {
            const auto* target = next->find(r.target);
            if (!target) continue;
            r.info.target = target->name;
            const auto& key_owner = r.info.kind == RelationKind::belongs_to ? *current : *target;
            if (const auto* f = key_owner.find(r.key)) r.info.foreign_key = f->info.name;
        }
        const bool same = std::equal(relations.begin(), relations.end(), current->relations.begin(), [](const auto& a, const auto& b) {
            return a.info.target == b.info.target && a.info.foreign_key == b.info.foreign_key;
        });
        if (same) continue;
        if (current == &stored) {
            stored.relations = std::move(relations);
        } else {
            auto& copy = state_->model_store.emplace_back(*current);
            copy.relations = std::move(relations);
            next->put(t, copy);
        }
    }
    state_->sets.push_back(std::move(next));
    const auto& published = *state_->sets.back();
    state_->published.store(&published, std::memory_order_release);
    {
        std::lock_guard sql_lock(state_->sql_mutex);
        state_->sql_cache.clear();  // a mapping changed: statements are built again
    }
    // The catalog gets every entity again so that earlier ones see the later targets.
    for (const auto& [t, m] : published.models) {
        auto info = m->info();
        for (const auto& r : m->relations) info.relations.push_back(r.info);
        state_->kernel->register_entity(std::move(info));
    }
}

Session Database::session() { return Session(*this, state_->pool->acquire()); }

const Dialect& Database::dialect() const { return *state_->dialect; }

Kernel& Database::kernel() const { return *state_->kernel; }

ConnectionPool& Database::pool() { return *state_->pool; }

const ColumnResolver& Database::resolver() const { return state_->resolver; }

const EntityModel& Database::model(std::type_index type) const { return state_->models().at(type); }

std::vector<TableSchema> Database::tables() const {
    std::vector<std::shared_ptr<const EntityInfo>> entities;
    const auto& models = state_->models();
    for (const auto& type : models.order) {
        const auto& m = models.at(type);
        auto info = std::make_shared<EntityInfo>(m.info());
        for (const auto& r : m.relations) info->relations.push_back(r.info);
        entities.push_back(std::move(info));
    }
    return schema_from_entities(entities);
}

namespace {

// The mapped tables that exist (`there`) or do not yet.
std::vector<TableSchema> tables_that_exist(std::vector<TableSchema> tables, Session& s, bool there) {
    std::set<std::string> existing;
    for (const auto& row : s.execute(s.database().dialect().list_tables_sql()).rows) existing.insert(row.at(0).to_display());
    std::erase_if(tables, [&](const TableSchema& t) { return existing.contains(t.name) != there; });
    return tables;
}

}  // namespace

void Database::create_tables() {
    auto s = session();
    for (const auto& statement : create_tables_sql(tables_that_exist(tables(), s, false), dialect())) s.execute(statement);
}

void Database::drop_tables() {
    auto s = session();
    for (const auto& statement : drop_tables_sql(tables_that_exist(tables(), s, true), dialect())) s.execute(statement);
}

// ---- Session --------------------------------------------------------------------------------

Session::Session(Database& database, PooledConnection connection)
    : database_(&database), connection_(std::move(connection)) {}

Session::Session(Session&& other) noexcept
    : database_(other.database_), connection_(std::move(other.connection_)), depth_(other.depth_), pending_(std::move(other.pending_)),
      pending_depth_(std::move(other.pending_depth_)) {
    other.depth_ = 0;
}

Session::~Session() {
    // An unfinished transaction is rolled back when the pool takes the connection back.
}

ResultSet Session::execute(std::string_view sql, const Params& params) {
    const auto timer = database_->time_statement();
    auto result = connection_->execute(sql, params);
    const auto rows = result.columns.empty() ? result.affected_rows : static_cast<std::int64_t>(result.rows.size());
    database_->log_statement(sql, params, timer, rows);
    return result;
}

namespace {

// Every rule of `f` that `value` breaks, reported under the field's label (made only for a
// failure: bulk writes label fields by object index).
template <class Label>
void check_rules(const FieldModel& f, const Value& value, Label&& label, std::vector<FieldError>& errors) {
    for (const auto& rule : f.rules)
        if (auto message = rule.check(value)) errors.push_back({label(), rule.name, std::move(*message)});
}

}  // namespace

namespace {

// string(n) lengths of a row about to be written, checked as DynamicQuery checks them; `row`
// names the object in a batch ("[2]"), empty for one object.
void check_text_lengths(const EntityModel& m, std::span<const Value> values, const std::string& row = {}) {
    for (std::size_t i = 0; i < m.fields.size(); ++i)
        detail::check_text_length(m.fields[i].info, values[i], [&] { return m.name + row + "." + m.fields[i].info.name; });
}

}  // namespace

std::vector<FieldError> Session::validate_object(std::type_index type, const void* object) const {
    const auto& m = database_->model(type);
    std::vector<FieldError> errors;
    for (const auto& f : m.fields)
        if (!f.rules.empty()) check_rules(f, f.get(object), [&] { return f.info.name; }, errors);
    return errors;
}

namespace {

// The key the database made: from RETURNING where the dialect has it, else last-insert-id.
std::optional<Value> generated_key(const ResultSet& result) {
    if (!result.rows.empty()) return result.rows[0][0];
    if (result.last_insert_id) return Value(*result.last_insert_id);
    return std::nullopt;
}

// The key one run of a batch reported (last-insert-id), if any.
std::optional<Value> generated_key(const StatementOutcome& outcome) {
    if (outcome.last_insert_id) return Value(*outcome.last_insert_id);
    return std::nullopt;
}

void run_hooks(const std::vector<EntityHooks::Hook>& hooks, const void* object) {
    for (const auto& h : hooks) h(const_cast<void*>(object));  // removal hooks take it as const
}

void run_hooks(const std::vector<EntityHooks::Hook>& hooks, const std::vector<void*>& objects) {
    if (hooks.empty()) return;  // the usual case: not a loop over every object for nothing
    for (auto* o : objects) run_hooks(hooks, o);
}

void raise_validation(const EntityModel& m, const std::vector<FieldError>& errors) {
    std::string message = m.name + " is not valid:";
    for (std::size_t i = 0; i < errors.size(); ++i)
        message += (i ? "; " : " ") + errors[i].field + " " + errors[i].message + " (" + errors[i].rule + ")";
    raise({ErrorCategory::validation, message, {}, {}});
}

}  // namespace

namespace {

// The columns an insert writes: all but a generated key the object does not have yet.
std::vector<const FieldModel*> insert_columns(const EntityModel& m, std::span<const Value> row) {
    std::vector<const FieldModel*> out;
    out.reserve(m.fields.size());
    for (std::size_t i = 0; i < m.fields.size(); ++i)
        if (!(m.fields[i].info.generated && is_unset_key(row[i]))) out.push_back(&m.fields[i]);
    return out;
}

std::size_t index_of(const EntityModel& m, const FieldModel& f) { return static_cast<std::size_t>(&f - m.fields.data()); }

// Gives an inserted object the key the database made (if any), and its row (the change
// event's values) the key the object then holds. An integer member takes an integer key
// directly, without going through set() and get().
void fill_generated_key(const FieldModel& id, void* object, std::optional<Value> key, Value& row_slot) {
    if (key && key->kind() == ValueKind::int64 && id.take && id.direct_kind == ValueKind::int64 &&
        id.take(id.key, object, Cell{key->as_int64(), 0, {}, CellState::ready})) {
        row_slot = std::move(*key);
        return;
    }
    if (!key)  // never leave the key unset as if it were filled
        raise({ErrorCategory::unsupported,
               "the database reported no generated key for '" + id.info.name +
                   "' (it has no RETURNING and no last insert id; DatabaseOptions::generated_keys may be wrong for it)",
               {}, {}});
    id.set(object, std::move(*key));
    row_slot = id.get(object);
}

}  // namespace

RowBlock Session::rows_of(const EntityModel& m, const std::vector<void*>& objects) {
    RowBlock rows;
    rows.width = m.fields.size();
    rows.values = std::make_shared<std::vector<Value>>();
    rows.values->reserve(objects.size() * rows.width);
    for (const auto* o : objects)
        for (const auto& f : m.fields) rows.values->push_back(f.get(o));
    return rows;
}

GeneratedKeyStyle Session::key_style() {
    auto& cached = database_->state_->key_style;
    auto style = cached.load(std::memory_order_relaxed);
    if (style < 0) {
        style = static_cast<int>(database_->dialect().generated_keys(connection_->server_version()));
        cached.store(style, std::memory_order_relaxed);
    }
    return static_cast<GeneratedKeyStyle>(style);
}

const std::string& Session::insert_sql(const EntityModel& m, const std::vector<const FieldModel*>& columns, std::size_t rows,
                                       bool returning_key) {
    const auto& d = database_->dialect();
    StatementShape shape(m, StatementShape::Kind::insert, columns);
    shape.rows = rows;
    shape.returning = returning_key;
    return database_->state_->cached_sql(shape, [&] {
        std::string sql = "INSERT INTO " + d.quote_identifier(m.table) + " (";
        for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + d.quote_identifier(columns[i]->info.column);
        sql += ") VALUES ";
        std::size_t n = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            sql += r ? ", (" : "(";
            for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + d.placeholder(++n);
            sql += ")";
        }
        if (returning_key) sql += d.returning_clause({m.generated_key()->info.column});
        return sql;
    });
}

const std::string& Session::update_sql(const EntityModel& m, const std::vector<const FieldModel*>& columns) {
    const auto& d = database_->dialect();
    return database_->state_->cached_sql(StatementShape(m, StatementShape::Kind::update, columns), [&] {
        std::string text = "UPDATE " + d.quote_identifier(m.table) + " SET ";
        for (std::size_t i = 0; i < columns.size(); ++i)
            text += (i ? ", " : "") + d.quote_identifier(columns[i]->info.column) + " = " + d.placeholder(i + 1);
        return text + where_key(m, d, columns.size() + 1);
    });
}

void Session::insert_object(std::type_index type, void* object) {
    const auto& m = database_->model(type);
    run_hooks(m.hooks.before_create, object);
    if (auto errors = validate_object(type, object); !errors.empty()) raise_validation(m, errors);
    auto row = values_of(m, object);
    check_text_lengths(m, row);
    const auto columns = insert_columns(m, row);
    if (columns.empty()) raise({ErrorCategory::invalid_value, m.name + ": nothing to insert", {}, {}});
    Params params;
    params.reserve(columns.size());
    for (const auto* f : columns) params.push_back(row[index_of(m, *f)]);
    const FieldModel* id = m.generated_key();
    const bool needs_key = id && is_unset_key(row[index_of(m, *id)]);
    const auto result = execute(insert_sql(m, columns, 1, needs_key && key_style() == GeneratedKeyStyle::returning), params);
    if (needs_key) fill_generated_key(*id, object, generated_key(result), row[index_of(m, *id)]);
    run_hooks(m.hooks.after_create, object);
    record_change(m, ChangeKind::insert, std::move(row));
}


void Session::validate_rows(const EntityModel& m, ValueRows rows) {
    for (std::size_t i = 0; i < rows.size(); ++i) check_text_lengths(m, rows.row(i), "[" + std::to_string(i) + "]");
    std::vector<std::size_t> ruled;  // the fields that have rules; often none
    for (std::size_t f = 0; f < m.fields.size(); ++f)
        if (!m.fields[f].rules.empty()) ruled.push_back(f);
    if (ruled.empty()) return;
    std::vector<FieldError> all_errors;
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (const auto f : ruled)
            check_rules(m.fields[f], rows.row(i)[f], [&] { return "[" + std::to_string(i) + "]." + m.fields[f].info.name; },
                        all_errors);
    if (!all_errors.empty()) raise_validation(m, all_errors);
}

std::vector<StatementOutcome> Session::execute_batch(std::string_view sql, ValueRows rows,
                                                    const std::vector<std::size_t>& parameter_map) {
    const auto timer = database_->time_statement();
    auto outcomes = connection_->execute_batch(sql, rows, parameter_map);
    std::int64_t affected = 0;
    for (const auto& o : outcomes) affected += o.affected_rows;
    Params first;
    if (rows.size() > 0)
        for (std::size_t k = 0; k < (parameter_map.empty() ? rows.width : parameter_map.size()); ++k)
            first.push_back(rows.row(0)[parameter_map.empty() ? k : parameter_map[k]]);
    database_->log_statement(sql, first, timer, affected, rows.size());
    return outcomes;
}

void Session::insert_objects(std::type_index type, const std::vector<void*>& objects, std::size_t batch_size) {
    const auto& m = database_->model(type);
    if (objects.empty()) return;
    if (objects.size() > 1 && depth_ == 0 && !connection_->in_transaction()) {
        // Several statements (batches, or one per row): all rows are written, or none.
        transaction([&](Session& tx) { tx.insert_objects(type, objects, batch_size); });
        return;
    }
    run_hooks(m.hooks.before_create, objects);
    const FieldModel* id = m.generated_key();
    const auto id_index = id ? index_of(m, *id) : 0;
    // Each object's row is read once, into one block: validated, bound, then its change event.
    auto rows = rows_of(m, objects);
    validate_rows(m, rows.view());
    // Rows with and without a key of their own differ in columns: all must be alike.
    auto lacks_key = [&](std::size_t i) { return id && is_unset_key(rows.at(i, id_index)); };
    const bool needs_keys = lacks_key(0);
    for (std::size_t i = 1; i < objects.size(); ++i)
        if (lacks_key(i) != needs_keys)
            raise({ErrorCategory::invalid_value, m.name + ": insert_many needs all objects to have, or all to lack, their key", {}, {}});
    const auto columns = insert_columns(m, rows.view().row(0));
    const bool returning = needs_keys && key_style() == GeneratedKeyStyle::returning;
    if (database_->dialect().features().in_process || (needs_keys && !returning)) {
        // One prepared single-row INSERT run per object: in process (SQLite) the fastest way
        // in, and where the keys come only as each statement's last insert id, the one way to
        // read them without guessing (the keys of a multi-row insert need not be consecutive).
        std::vector<std::size_t> parameters;
        for (const auto* f : columns) parameters.push_back(index_of(m, *f));
        const auto outcomes = execute_batch(insert_sql(m, columns, 1, false), rows.view(), parameters);
        for (std::size_t i = 0; i < objects.size() && needs_keys; ++i)
            fill_generated_key(*id, objects[i], generated_key(outcomes.at(i)), rows.at(i, id_index));
    } else {
        batch_size = std::max<std::size_t>(batch_size, 1);
        Params params;
        for (std::size_t start = 0; start < objects.size(); start += batch_size) {
            const auto end = std::min(objects.size(), start + batch_size);
            params.clear();
            params.reserve(columns.size() * (end - start));
            for (std::size_t i = start; i < end; ++i)
                for (const auto* f : columns) params.push_back(rows.at(i, index_of(m, *f)));
            const auto& sql = insert_sql(m, columns, end - start, returning);
            if (!returning) {
                execute(sql, params);
                continue;
            }
            // The keys come back in row order; read straight into the objects.
            std::optional<Hydrator> key_reader;
            std::size_t i = start;
            for_each_row(sql, params, [&](Cursor& cursor) {
                if (!key_reader) key_reader.emplace(std::vector<const FieldModel*>{id}, cursor.columns());
                if (i < end) key_reader->fill(objects[i++], cursor);
            });
            if (i != end)
                raise({ErrorCategory::internal, m.name + ": the insert returned " + std::to_string(i - start) + " keys for " +
                                                    std::to_string(end - start) + " rows", {}, {}});
            for (std::size_t k = start; k < end; ++k) rows.at(k, id_index) = id->get(objects[k]);
        }
    }
    run_hooks(m.hooks.after_create, objects);
    record_changes(m, ChangeKind::insert, rows);
}

void Session::update_objects(std::type_index type, const std::vector<void*>& objects) {
    const auto& m = database_->model(type);
    if (objects.empty()) return;
    run_hooks(m.hooks.before_update, objects);
    const auto& keys = key_fields(m);
    std::vector<const FieldModel*> columns;
    for (const auto& f : m.fields)
        if (!f.info.primary_key) columns.push_back(&f);
    if (columns.empty()) return;  // only the key is mapped: nothing to write
    const auto& sql = update_sql(m, columns);
    auto rows = rows_of(m, objects);
    validate_rows(m, rows.view());
    // The statement's parameters are the written columns, then the key, taken from each row.
    std::vector<std::size_t> parameters;
    for (const auto* f : columns) parameters.push_back(index_of(m, *f));
    parameters.insert(parameters.end(), keys.begin(), keys.end());
    const auto outcomes = execute_batch(sql, rows.view(), parameters);
    for (std::size_t i = 0; i < outcomes.size(); ++i)
        if (outcomes[i].affected_rows == 0)
            raise({ErrorCategory::not_found,
                   m.name + ": no row with " + key_display(m, rows.view().row(i)) + " to update (object " + std::to_string(i) + ")", {}, {}});
    run_hooks(m.hooks.after_update, objects);
    record_changes(m, ChangeKind::update, rows);
}

void Session::upsert_object(std::type_index type, void* object, const std::vector<MemberKey>& conflict) {
    const auto& m = database_->model(type);
    run_hooks(m.hooks.before_create, object);
    if (auto errors = validate_object(type, object); !errors.empty()) raise_validation(m, errors);
    const auto& d = database_->dialect();
    const FieldModel* id = m.generated_key();
    auto row = values_of(m, object);
    check_text_lengths(m, row);
    sql::Insert insert;
    insert.table = m.table;
    sql::Upsert upsert;
    std::vector<const FieldModel*> conflict_fields;
    for (const auto& key : conflict) {
        const auto* f = m.find(key);
        if (!f) raise({ErrorCategory::not_found, m.name + ": an upsert conflict member is not mapped", {}, {}});
        upsert.conflict_columns.push_back(f->info.column);
        conflict_fields.push_back(f);
    }
    std::vector<sql::ExprPtr> values;
    for (const auto* f : insert_columns(m, row)) {
        insert.columns.push_back(f->info.column);
        values.push_back(literal(row[index_of(m, *f)]));
        const bool is_conflict = std::find(upsert.conflict_columns.begin(), upsert.conflict_columns.end(), f->info.column) !=
                                 upsert.conflict_columns.end();
        if (!is_conflict && !f->info.primary_key) upsert.update_columns.push_back(f->info.column);
    }
    insert.rows.push_back(std::move(values));
    // RETURNING where every server of the dialect has it (it must report an updated row's key
    // too); else the dialect's clause makes the last insert id report it.
    const bool returning = d.features().generated_keys == GeneratedKeyStyle::returning;
    const bool needs_key = id && is_unset_key(row[index_of(m, *id)]);
    if (needs_key && returning) insert.returning = {id->info.column};
    if (needs_key && !returning) upsert.generated_key = id->info.column;
    insert.upsert = std::move(upsert);
    const auto query = sql::compile(sql::Statement{std::move(insert)}, d);
    // Whether the row is new decides the change event (insert or update); no database says so
    // on its own in every case, so the conflict values are looked up first. In-process (SQLite)
    // both run in one write transaction, so nobody can add the row in between; on a server a
    // concurrent upsert of the same new key can, and the event then says insert for a row the
    // database updated.
    auto run = [&] {
        bool existed = false;
        // (A NULL conflict value never matches: the row is inserted.)
        if (std::none_of(conflict_fields.begin(), conflict_fields.end(),
                         [&](const FieldModel* f) { return row[index_of(m, *f)].is_null(); })) {
            SelectState same;
            same.root = type;
            for (const auto* f : conflict_fields) where_equal(same, m, *f, row[index_of(m, *f)]);
            existed = count_objects(same) > 0;
        }
        const auto result = execute(query);
        // The count may say so where the lookup could not (a match on another unique key).
        const bool updated = existed || d.upsert_updated_existing(result.affected_rows);
        if (needs_key) fill_generated_key(*id, object, generated_key(result), row[index_of(m, *id)]);
        run_hooks(m.hooks.after_create, object);
        record_change(m, updated ? ChangeKind::update : ChangeKind::insert, std::move(row));
    };
    if (depth_ == 0 && d.features().in_process && !connection_->in_transaction())
        transaction([&](Session&) { run(); }, {IsolationLevel::serializable, false});  // SQLite: BEGIN IMMEDIATE
    else
        run();
}

std::vector<Value> Session::values_of(const EntityModel& m, const void* object) {
    std::vector<Value> values;
    values.reserve(m.fields.size());
    for (const auto& f : m.fields) values.push_back(f.get(object));
    return values;
}

std::vector<Value> Session::snapshot_of(std::type_index type, const void* object) const {
    return values_of(database_->model(type), object);
}

bool Session::update_object(std::type_index type, void* object, std::vector<Value>* snapshot, const std::vector<MemberKey>& only) {
    const auto& m = database_->model(type);
    for (const auto& key : only)
        if (!m.find(key)) raise({ErrorCategory::not_found, m.name + ": a member passed to update() is not mapped", {}, {}});
    run_hooks(m.hooks.before_update, object);
    if (auto errors = validate_object(type, object); !errors.empty()) raise_validation(m, errors);
    const auto& keys = key_fields(m);
    auto row = values_of(m, object);
    // A tracked object is found by the key it was read with; a changed assigned key is written.
    const bool tracked = snapshot && snapshot->size() == row.size();
    check_text_lengths(m, row);
    std::vector<const FieldModel*> columns;
    columns.reserve(m.fields.size());
    Params params;
    params.reserve(m.fields.size() + keys.size());
    for (std::size_t i = 0; i < m.fields.size(); ++i) {
        const auto& f = m.fields[i];
        if (f.info.primary_key && (!tracked || f.info.generated)) continue;
        if (!only.empty() && std::find(only.begin(), only.end(), f.key) == only.end()) continue;
        if (tracked && (*snapshot)[i] == row[i]) continue;
        columns.push_back(&f);
        params.push_back(row[i]);
    }
    if (columns.empty()) return false;
    const auto& where = tracked ? *snapshot : row;
    for (const auto i : keys) params.push_back(where[i]);
    const auto result = execute(update_sql(m, columns), params);
    if (result.affected_rows == 0)  // matched rows on every adapter (MySQL: CLIENT_FOUND_ROWS)
        raise({ErrorCategory::not_found, m.name + ": no row with " + key_display(m, where) + " to update", {}, {}});
    std::vector<Value> old_row;
    if (tracked) old_row = std::exchange(*snapshot, row);
    else if (snapshot) *snapshot = row;
    run_hooks(m.hooks.after_update, object);
    record_change(m, ChangeKind::update, std::move(row), std::move(old_row));
    return true;
}

void Session::remove_object(std::type_index type, const void* object) {
    const auto& m = database_->model(type);
    run_hooks(m.hooks.before_remove, object);
    auto row = values_of(m, object);
    Params key;
    for (const auto i : key_fields(m)) key.push_back(row[i]);
    const auto& d = database_->dialect();
    const auto& sql = database_->state_->cached_sql(StatementShape(m, StatementShape::Kind::remove), [&] {
        return "DELETE FROM " + d.quote_identifier(m.table) + where_key(m, d, 1);
    });
    const auto result = execute(sql, key);
    if (result.affected_rows == 0)
        raise({ErrorCategory::not_found, m.name + ": no row with " + key_display(m, row) + " to delete", {}, {}});
    run_hooks(m.hooks.after_remove, object);
    record_change(m, ChangeKind::remove, std::move(row));
}

void Session::record_changes(const EntityModel& m, ChangeKind kind, RowBlock& rows, bool old_rows_follow) {
    // Outside a transaction they are published at once; inside, they wait (stamped at commit).
    // Every event's values are its row in the shared block.
    std::vector<ChangeEvent> now;
    auto& events = depth_ == 0 ? now : pending_;
    const auto first = events.size();
    const auto n = old_rows_follow ? rows.size() / 2 : rows.size();
    events.resize(first + n);
    const auto at = depth_ == 0 ? wall_clock_now() : Timestamp{};
    std::shared_ptr<const void> storage = rows.values;
    for (std::size_t i = 0; i < n; ++i) {
        auto& e = events[first + i];
        e.kind = kind;
        e.shape = m.change_shape;
        e.values = rows.view().row(i);
        if (old_rows_follow) e.old_values = rows.view().row(n + i);
        e.storage = storage;
        e.at = at;
    }
    if (depth_ == 0)
        database_->kernel().changes().publish_all(now);
    else
        pending_depth_.resize(pending_.size(), depth_);
}

void Session::record_change(const EntityModel& m, ChangeKind kind, std::vector<Value> row, std::vector<Value> old_row) {
    const bool with_old = !old_row.empty() && old_row.size() == row.size();
    if (with_old) row.insert(row.end(), std::make_move_iterator(old_row.begin()), std::make_move_iterator(old_row.end()));
    RowBlock block{std::make_shared<std::vector<Value>>(std::move(row)), m.fields.size()};
    record_changes(m, kind, block, with_old);
}


bool Session::find_object(std::type_index type, std::span<const Value> key, void* object) {
    const auto& m = database_->model(type);
    const auto& sql = m.find_sql;
    if (sql.empty()) key_fields(m);  // raises: no key to find by
    if (key.size() != m.key_fields.size()) by_key(type, m, key);  // raises: names the key's fields
    bool found = false;
    for_each_row(
        sql, key,
        [&](Cursor& cursor) {
            Hydrator(m, cursor.columns()).fill(object, cursor);
            found = true;
        },
        1);  // the first row only
    return found;
}

sql::CompiledQuery Session::compile_select(const SelectState& state, bool count) const {
    return sql::compile(database_->state_->resolver.build(state, count), database_->dialect());
}

template <class Each>
void Session::for_each_row(std::string_view sql, std::span<const Value> params, Each&& each, std::int64_t max_rows) {
    const auto timer = database_->time_statement();
    // Stopping at max_rows leaves the rest to the cursor's end (a reset), which is cheaper than
    // asking for the end of a result known to have no more rows.
    std::int64_t seen = 0;
    auto visit = [&](Cursor& cursor) {
        each(cursor);
        return ++seen < max_rows;
    };
    using Visit = decltype(visit);
    const auto rows = connection_->visit_rows(
        sql, params, RowVisitor{&visit, [](void* context, Cursor& cursor) { return (*static_cast<Visit*>(context))(cursor); }});
    database_->log_statement(sql, params, timer, rows);
}

void Session::select_rows(const SelectState& state, const std::function<void(Cursor&)>& each) {
    const auto query = compile_select(state, false);
    for_each_row(query.sql, query.params, each);
}

void Session::select_objects(const SelectState& state, ObjectSink& sink) {
    const auto& m = database_->model(state.root);
    const auto query = compile_select(state, false);
    std::optional<Hydrator> hydrator;
    for_each_row(query.sql, query.params, [&](Cursor& cursor) {
        if (!hydrator) {
            hydrator.emplace(m, cursor.columns());
            sink.reserve(cursor.size_hint());
        }
        hydrator->fill(sink.add(), cursor);
    });
}

bool Session::exists_object(std::type_index type, std::span<const Value> key) {
    return count_objects(by_key(type, database_->model(type), key)) > 0;
}

std::int64_t Session::count_objects(const SelectState& state) {
    const auto query = compile_select(state, true);
    return execute(query).rows.at(0).at(0).as_int64();
}

void Session::query_objects(std::type_index type, std::string_view sql, const Params& params, ObjectSink& sink) {
    const auto& m = database_->model(type);
    const auto timer = database_->time_statement();
    auto cursor = connection_->query(sql, params);
    std::vector<const FieldModel*> targets;
    for (const auto& c : cursor->columns()) {
        const FieldModel* target = nullptr;
        for (const auto& f : m.fields)
            if (f.info.column == c.name) target = &f;
        if (!target)
            raise({ErrorCategory::not_found, "column '" + c.name + "' of the query has no field in entity '" + m.name + "'", {},
                   std::string(sql)});
        targets.push_back(target);
    }
    const Hydrator hydrator(std::move(targets), cursor->columns());
    sink.reserve(cursor->size_hint());
    std::int64_t rows = 0;
    while (cursor->next()) {
        ++rows;
        hydrator.fill(sink.add(), *cursor);
    }
    database_->log_statement(sql, params, timer, rows);
}

// ---- Relations ------------------------------------------------------------------------------

namespace {

// Owners by the key they are matched on, with the distinct keys in first-seen order. Keys
// compare by value across representations (an int 7, a decimal "7" and a text "7" match):
// whole numbers by their int64, anything else by its text. The owners of one key are chained
// through one flat vector, so a key costs no allocation of its own.
class KeyIndex {
public:
    static constexpr std::uint32_t none = UINT32_MAX;
    // The owners of one key, in the order added: first(), then next(i) until `none`.
    struct Owners {
        const KeyIndex* index = nullptr;
        std::uint32_t head = none;
        explicit operator bool() const { return head != none; }
        void* owner(std::uint32_t i) const { return index->slots_[i].owner; }
        std::uint32_t next(std::uint32_t i) const { return index->slots_[i].next; }
    };

    void reserve(std::size_t owners) {
        slots_.reserve(owners);
        by_int_.reserve(owners);
    }
    void add(const Value& key, void* owner) {
        if (key.is_null()) return;
        auto [number, text] = normal(key);
        auto& chain = text ? remember(by_text_, std::move(*text), key) : remember(by_int_, number, key);
        const auto slot = static_cast<std::uint32_t>(slots_.size());
        slots_.push_back({owner, none});
        if (chain.head == none)
            chain.head = slot;
        else
            slots_[chain.tail].next = slot;
        chain.tail = slot;
    }
    Owners find(std::int64_t key) const {
        auto it = by_int_.find(key);
        return {this, it == by_int_.end() ? none : it->second.head};
    }
    Owners find(const Value& key) const {
        if (key.is_null()) return {};
        const auto [number, text] = normal(key);
        if (text) {
            auto it = by_text_.find(*text);
            return {this, it == by_text_.end() ? none : it->second.head};
        }
        return find(number);
    }
    std::vector<Value> keys;

private:
    struct Slot {
        void* owner;
        std::uint32_t next;
    };
    struct Chain {
        std::uint32_t head = none, tail = none;
    };
    template <class Map, class K>
    Chain& remember(Map& map, K&& normal_key, const Value& key) {
        auto [it, inserted] = map.try_emplace(std::forward<K>(normal_key));
        if (inserted) keys.push_back(key);
        return it->second;
    }
    static std::pair<std::int64_t, std::optional<std::string>> normal(const Value& v) {
        if (v.kind() == ValueKind::int64) return {v.as_int64(), std::nullopt};
        auto text = v.to_display();
        std::int64_t n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc() && end == text.data() + text.size()) return {n, std::nullopt};
        if (v.kind() == ValueKind::decimal) {
            // "7.000" is the whole number 7.
            try {
                return {integral_decimal(text), std::nullopt};
            } catch (const Error&) {
            }
        }
        return {0, std::move(text)};
    }
    std::vector<Slot> slots_;
    std::unordered_map<std::int64_t, Chain> by_int_;
    std::unordered_map<std::string, Chain> by_text_;
};

// IN lists stay well under every database's limit on bound parameters.
constexpr std::size_t in_chunk = 5000;

sql::ExprPtr in_list(sql::ExprPtr operand, const std::vector<Value>& keys, std::size_t from) {
    sql::InList in{std::move(operand), {}, false};
    for (std::size_t i = from; i < std::min(keys.size(), from + in_chunk); ++i) in.items.push_back(literal(keys[i]));
    return sql::make(std::move(in));
}

const FieldModel& key_field(const EntityModel& m, const MemberKey& key, const RelationModel& r) {
    const auto* f = m.find(key);
    if (!f)
        raise({ErrorCategory::configuration,
               "relation '" + r.info.name + "': its foreign key is not a mapped field of entity '" + m.name + "'", {}, {}});
    return *f;
}

}  // namespace

void Session::load_relations(std::type_index type, const std::vector<void*>& objects,
                             const std::vector<std::vector<MemberKey>>& paths) {
    if (objects.empty() || paths.empty()) return;
    const auto& m = database_->model(type);
    // Paths sharing their first relation load it once: with(a), with(a, b) -> a, then b under a.
    std::vector<std::pair<MemberKey, std::vector<std::vector<MemberKey>>>> groups;
    for (const auto& path : paths) {
        if (path.empty()) continue;
        auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == path.front(); });
        if (it == groups.end()) it = groups.insert(groups.end(), {path.front(), {}});
        if (path.size() > 1) it->second.emplace_back(path.begin() + 1, path.end());
    }
    for (const auto& [member, rest] : groups) {
        const auto* r = m.find_relation(member);
        if (!r)
            raise({ErrorCategory::not_found, "entity '" + m.name + "': a member passed to with()/load() is not a mapped relation", {}, {}});
        const auto loaded = load_relation(m, *r, objects);
        load_relations(r->target, loaded, rest);
    }
}

std::vector<void*> Session::load_relation(const EntityModel& m, const RelationModel& r, const std::vector<void*>& objects) {
    const auto& target = database_->model(r.target);
    const auto& d = database_->dialect();
    for (auto* o : objects) r.reset(o);

    KeyIndex index;
    index.reserve(objects.size());
    // Gives one related object to every owner matched; the last one takes it by move.
    auto give = [&](KeyIndex::Owners owners, void* related) {
        for (auto i = owners.head; i != KeyIndex::none; i = owners.next(i)) r.attach(owners.owner(i), related, owners.next(i) == KeyIndex::none);
    };
    // Reads target rows (target fields first, then any trailing columns `select` has) and gives
    // each to the owners it belongs to. `match` is the target field holding the owners' key, or
    // null when the key is the first trailing column (many-to-many).
    //
    // A row whose key the driver decoded as an integer is filled in place: its owners are looked
    // up first and the object is made inside the first owner's container. Any other row goes
    // through one scratch object: filled, matched by its key's Value, and moved to the last owner
    // (then reset, or made anew where the class cannot be assigned).
    auto read = [&](sql::Select select, const FieldModel* match) {
        for (const auto& f : target.fields) select.columns.insert(select.columns.begin() + static_cast<std::ptrdiff_t>(&f - target.fields.data()), {column_ref(target, f), ""});
        const auto query = sql::compile(select, d);
        const auto key_column = match ? static_cast<std::size_t>(match - target.fields.data()) : target.fields.size();
        std::optional<Hydrator> hydrator;
        std::shared_ptr<void> scratch;
        bool used = false;
        // Many-to-many: the owner key of a row is read through the owners' id field, into a probe.
        const FieldModel* owner_id = match ? nullptr : &id_field(m);
        auto probe = match ? nullptr : m.make();
        for_each_row(query.sql, query.params, [&](Cursor& cursor) {
            if (!hydrator) hydrator.emplace(target, cursor.columns());
            hydrator->read_cells(cursor);
            if (const auto key = match && r.emplace ? hydrator->integer(key_column) : std::nullopt) {
                const auto owners = index.find(*key);
                if (!owners) return;
                void* object = r.emplace(r.member, owners.owner(owners.head));
                hydrator->take_cells(object, cursor);
                for (auto i = owners.next(owners.head); i != KeyIndex::none; i = owners.next(i)) r.attach(owners.owner(i), object, false);
                return;
            }
            if (!scratch)
                scratch = target.make();
            else if (used && target.reset)
                target.reset(scratch.get());
            else if (used)
                scratch = target.make();
            hydrator->take_cells(scratch.get(), cursor);
            used = true;
            KeyIndex::Owners owners;
            if (match) {
                owners = index.find(match->get(scratch.get()));
            } else {
                owner_id->set(probe.get(), cursor.value(key_column));
                owners = index.find(owner_id->get(probe.get()));
            }
            if (owners) give(owners, scratch.get());
        });
    };
    auto base = [&] {
        sql::Select select;
        select.from = {target.table, ""};
        for (const auto i : target.key_fields) select.order_by.push_back({column_ref(target, target.fields[i]), false, {}});
        return select;
    };

    switch (r.info.kind) {
    case RelationKind::has_many:
    case RelationKind::has_one: {
        const auto& id = id_field(m);
        const auto& fk = key_field(target, r.key, r);
        for (auto* o : objects) index.add(id.get(o), o);
        for (std::size_t from = 0; from < index.keys.size(); from += in_chunk) {
            auto select = base();
            select.where = in_list(column_ref(target, fk), index.keys, from);
            read(std::move(select), &fk);
        }
        break;
    }
    case RelationKind::belongs_to: {
        const auto& fk = key_field(m, r.key, r);
        const auto& id = id_field(target);
        for (auto* o : objects) index.add(fk.get(o), o);
        for (std::size_t from = 0; from < index.keys.size(); from += in_chunk) {
            auto select = base();
            select.where = in_list(column_ref(target, id), index.keys, from);
            read(std::move(select), &id);
        }
        break;
    }
    case RelationKind::many_to_many: {
        const auto& id = id_field(m);
        const auto& target_id = id_field(target);
        for (auto* o : objects) index.add(id.get(o), o);
        const auto through = r.info.through;
        for (std::size_t from = 0; from < index.keys.size(); from += in_chunk) {
            auto select = base();
            select.columns.push_back({sql::make(sql::ColumnRef{through, r.info.through_source_key}), ""});
            select.joins.push_back({sql::JoinKind::inner, {through, ""},
                                    sql::make(sql::Binary{sql::BinaryOp::eq, sql::make(sql::ColumnRef{through, r.info.through_target_key}),
                                                          column_ref(target, target_id)})});
            select.where = in_list(sql::make(sql::ColumnRef{through, r.info.through_source_key}), index.keys, from);
            read(std::move(select), nullptr);
        }
        break;
    }
    }
    std::vector<void*> loaded;
    for (auto* o : objects) r.each(o, [&](void* related) { loaded.push_back(related); });
    return loaded;
}

void Session::link_objects(std::type_index type, const void* owner, const MemberKey& member, const void* related, bool link) {
    const auto& m = database_->model(type);
    const auto* r = m.find_relation(member);
    if (!r) raise({ErrorCategory::not_found, "entity '" + m.name + "': the member passed to link()/unlink() is not a mapped relation", {}, {}});
    if (r->info.kind != RelationKind::many_to_many)
        raise({ErrorCategory::invalid_value,
               "relation '" + m.name + "." + r->info.name + "' has no join table; link()/unlink() are for many-to-many (set the foreign key instead)",
               {}, {}});
    const auto& target = database_->model(r->target);
    const auto source = id_field(m).get(owner);
    const auto destination = id_field(target).get(related);
    const auto unsaved = [](const EntityModel& e, const Value& key) { return e.generated_key() && is_unset_key(key); };
    if (unsaved(m, source) || unsaved(target, destination))
        raise({ErrorCategory::invalid_value, "relation '" + m.name + "." + r->info.name + "': insert both objects before linking them", {}, {}});
    const auto& d = database_->dialect();
    if (link) {
        sql::Insert insert;
        insert.table = r->info.through;
        insert.columns = {r->info.through_source_key, r->info.through_target_key};
        insert.rows.push_back({literal(source), literal(destination)});
        execute(sql::compile(sql::Statement{std::move(insert)}, d));
    } else {
        auto eq = [&](const std::string& column, const Value& v) {
            return sql::make(sql::Binary{sql::BinaryOp::eq, sql::make(sql::ColumnRef{r->info.through, column}), literal(v)});
        };
        sql::Delete del{r->info.through, sql::make(sql::Binary{sql::BinaryOp::and_, eq(r->info.through_source_key, source),
                                                                eq(r->info.through_target_key, destination)})};
        execute(sql::compile(sql::Statement{std::move(del)}, d));
    }
}

void Session::begin(const TransactionOptions& options) {
    if (depth_ == 0)
        connection_->begin(options);
    else
        connection_->savepoint("rex_sp_" + std::to_string(depth_));
    ++depth_;
}

// The depth drops only once COMMIT or RELEASE has succeeded: when it fails, transaction()
// rolls back this same scope (a failed COMMIT may leave the transaction open, as SQLite's
// busy or deferred-constraint failures do).
void Session::commit() {
    if (depth_ == 1) {
        connection_->commit();
        depth_ = 0;
        // After commit, in order: what subscribers see has happened.
        if (!pending_.empty()) {
            auto events = std::move(pending_);
            pending_.clear();
            pending_depth_.clear();
            const auto committed_at = wall_clock_now();
            for (auto& e : events) e.at = committed_at;
            database_->kernel().changes().publish_all(events);
        }
    } else {
        connection_->release_savepoint("rex_sp_" + std::to_string(depth_ - 1));
        --depth_;
        for (auto& d : pending_depth_) d = std::min(d, depth_);
    }
}

void Session::rollback() {
    if (depth_ == 0) return;  // nothing open: never a negative depth
    --depth_;
    // The rolled-back scope's events are the tail deeper than the scope that remains.
    const auto kept = static_cast<std::size_t>(
        std::upper_bound(pending_depth_.begin(), pending_depth_.end(), depth_) - pending_depth_.begin());
    pending_.resize(kept);
    pending_depth_.resize(kept);
    try {
        if (depth_ == 0)
            connection_->rollback();
        else
            connection_->rollback_to_savepoint("rex_sp_" + std::to_string(depth_));
    } catch (...) {
        // The connection is gone or the transaction already ended; the original error matters.
    }
}

}  // namespace rex

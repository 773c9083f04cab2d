#include <rex/orm/database.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <map>

namespace rex {

namespace {

std::string type_name(std::type_index t) { return t.name(); }

class ModelResolver final : public ColumnResolver {
public:
    explicit ModelResolver(const std::map<std::type_index, EntityModel>& models) : models_(models) {}
    sql::ColumnRef column(const MemberKey& key) const override {
        auto it = models_.find(key.owner);
        if (it == models_.end())
            raise({ErrorCategory::not_found, "class " + type_name(key.owner) + " is not mapped (use Database::map)", {}, {}});
        const auto* field = it->second.find(key);
        if (!field)
            raise({ErrorCategory::not_found, "a member of entity '" + it->second.name + "' is used in a query but not mapped", {}, {}});
        return {it->second.table, field->info.column};
    }

private:
    const std::map<std::type_index, EntityModel>& models_;
};

sql::ExprPtr literal(Value v) { return sql::make(sql::Literal{std::move(v)}); }

sql::ExprPtr column_ref(const EntityModel& m, const FieldModel& f) { return sql::make(sql::ColumnRef{m.table, f.info.column}); }

const FieldModel& id_field(const EntityModel& m) {
    if (m.id_field < 0) raise({ErrorCategory::configuration, "entity '" + m.name + "' has no id (map one with .id())", {}, {}});
    return m.fields[static_cast<std::size_t>(m.id_field)];
}

bool is_unset_key(const Value& v) { return v.is_null() || (v.kind() == ValueKind::int64 && v.as_int64() == 0); }

}  // namespace

struct Database::State {
    std::shared_ptr<Dialect> dialect;
    std::shared_ptr<ConnectionPool> pool;
    std::map<std::type_index, EntityModel> models;
    std::vector<std::type_index> order;
    ModelResolver resolver{models};
};

Database::Database(Kernel& kernel, std::string_view url, PoolOptions pool) : state_(std::make_unique<State>()) {
    auto adapter = kernel.adapter_for_url(url);
    state_->dialect = kernel.dialect(adapter->dialect());
    state_->pool = kernel.make_pool(url, pool);
}

Database::~Database() = default;

void Database::add_model(EntityModel model) {
    const auto type = model.type;
    if (!state_->models.contains(type)) state_->order.push_back(type);
    state_->models.insert_or_assign(type, std::move(model));
}

Session Database::session() { return Session(*this, state_->pool->acquire()); }

const Dialect& Database::dialect() const { return *state_->dialect; }

ConnectionPool& Database::pool() { return *state_->pool; }

const ColumnResolver& Database::resolver() const { return state_->resolver; }

const EntityModel& Database::model(std::type_index type) const {
    auto it = state_->models.find(type);
    if (it == state_->models.end())
        raise({ErrorCategory::not_found, "class " + type_name(type) + " is not mapped (use Database::map)", {}, {}});
    return it->second;
}

void Database::create_tables() {
    auto s = session();
    const auto& d = dialect();
    for (const auto& type : state_->order) {
        const auto& m = state_->models.at(type);
        std::string ddl = "CREATE TABLE IF NOT EXISTS " + d.quote_identifier(m.table) + " (";
        for (std::size_t i = 0; i < m.fields.size(); ++i) {
            const auto& f = m.fields[i].info;
            ddl += (i ? ", " : "") + d.quote_identifier(f.column) + " " + d.column_type(f.type);
            if (f.primary_key) ddl += " PRIMARY KEY";
            if (!f.nullable && !f.primary_key) ddl += " NOT NULL";
            if (f.unique && !f.primary_key) ddl += " UNIQUE";
            if (f.default_value) ddl += " DEFAULT " + *f.default_value;
        }
        s.execute(ddl + ")");
    }
}

void Database::drop_tables() {
    auto s = session();
    for (auto it = state_->order.rbegin(); it != state_->order.rend(); ++it)
        s.execute("DROP TABLE IF EXISTS " + dialect().quote_identifier(state_->models.at(*it).table));
}

// ---- Session --------------------------------------------------------------------------------

Session::Session(Database& database, PooledConnection connection)
    : database_(&database), connection_(std::move(connection)) {}

Session::Session(Session&& other) noexcept
    : database_(other.database_), connection_(std::move(other.connection_)), depth_(other.depth_) {
    other.depth_ = 0;
}

Session::~Session() {
    // An unfinished transaction is rolled back when the pool takes the connection back.
}

ResultSet Session::execute(std::string_view sql, const Params& params) { return connection_->execute(sql, params); }

std::vector<FieldError> Session::validate_object(std::type_index type, const void* object) const {
    const auto& m = database_->model(type);
    std::vector<FieldError> errors;
    for (const auto& f : m.fields) {
        if (f.rules.empty()) continue;
        const auto value = f.get(object);
        for (const auto& rule : f.rules)
            if (auto message = rule.check(value)) errors.push_back({f.info.name, rule.name, *message});
    }
    return errors;
}

namespace {

void raise_validation(const EntityModel& m, const std::vector<FieldError>& errors) {
    std::string message = m.name + " is not valid:";
    for (std::size_t i = 0; i < errors.size(); ++i)
        message += (i ? "; " : " ") + errors[i].field + " " + errors[i].message + " (" + errors[i].rule + ")";
    raise({ErrorCategory::validation, message, {}, {}});
}

}  // namespace

void Session::insert_object(std::type_index type, void* object) {
    const auto& m = database_->model(type);
    if (auto errors = validate_object(type, object); !errors.empty()) raise_validation(m, errors);
    const auto& d = database_->dialect();
    sql::Insert insert;
    insert.table = m.table;
    std::vector<sql::ExprPtr> row;
    for (std::size_t i = 0; i < m.fields.size(); ++i) {
        const auto& f = m.fields[i];
        auto v = f.get(object);
        if (f.info.generated && is_unset_key(v)) continue;  // the database makes it
        insert.columns.push_back(f.info.column);
        row.push_back(literal(std::move(v)));
    }
    insert.rows.push_back(std::move(row));
    const FieldModel* id = m.id_field >= 0 ? &m.fields[static_cast<std::size_t>(m.id_field)] : nullptr;
    const bool needs_key = id && id->info.generated && is_unset_key(id->get(object));
    const bool returning = d.features().generated_keys == GeneratedKeyStyle::returning;
    if (needs_key && returning) insert.returning = {id->info.column};
    if (insert.columns.empty()) raise({ErrorCategory::invalid_value, m.name + ": nothing to insert", {}, {}});
    const auto result = execute(sql::compile(sql::Statement{std::move(insert)}, d));
    if (!needs_key) return;
    if (returning && !result.rows.empty())
        id->set(object, result.rows[0][0]);
    else if (result.last_insert_id)
        id->set(object, Value(*result.last_insert_id));
}

void Session::update_object(std::type_index type, const void* object) {
    const auto& m = database_->model(type);
    if (auto errors = validate_object(type, object); !errors.empty()) raise_validation(m, errors);
    const auto& id = id_field(m);
    sql::Update update;
    update.table = m.table;
    for (const auto& f : m.fields)
        if (!f.info.primary_key) update.set.push_back({f.info.column, literal(f.get(object))});
    const auto key = id.get(object);
    update.where = sql::make(sql::Binary{sql::BinaryOp::eq, column_ref(m, id), literal(key)});
    if (update.set.empty()) return;
    const auto result = execute(sql::compile(sql::Statement{std::move(update)}, database_->dialect()));
    if (result.affected_rows == 0)
        raise({ErrorCategory::not_found, m.name + ": no row with " + id.info.column + " = " + key.to_display() + " to update", {}, {}});
}

void Session::remove_object(std::type_index type, const void* object) {
    const auto& m = database_->model(type);
    const auto& id = id_field(m);
    const auto key = id.get(object);
    sql::Delete del{m.table, sql::make(sql::Binary{sql::BinaryOp::eq, column_ref(m, id), literal(key)})};
    const auto result = execute(sql::compile(sql::Statement{std::move(del)}, database_->dialect()));
    if (result.affected_rows == 0)
        raise({ErrorCategory::not_found, m.name + ": no row with " + id.info.column + " = " + key.to_display() + " to delete", {}, {}});
}

bool Session::find_object(std::type_index type, const Value& key, void* object) {
    const auto& m = database_->model(type);
    const auto& id = id_field(m);
    SelectState state;
    state.root = type;
    state.where.push_back([&m, &id, key](const ColumnResolver&) {
        return sql::make(sql::Binary{sql::BinaryOp::eq, column_ref(m, id), literal(key)});
    });
    state.limit = 1;
    bool found = false;
    select_objects(state, [&](const Fill& fill) {
        fill(object);
        found = true;
    });
    return found;
}

sql::CompiledQuery Session::compile_select(const SelectState& state, bool count) const {
    const auto& m = database_->model(state.root);
    const auto& resolver = database_->resolver();
    sql::Select select;
    select.distinct = state.distinct && !count;
    if (count) {
        select.columns.push_back({sql::make(sql::AggregateCall{sql::Aggregate::count, nullptr, false}), ""});
    } else {
        for (const auto& f : m.fields) select.columns.push_back({column_ref(m, f), ""});
    }
    select.from = {m.table, ""};
    for (const auto& j : state.joins)
        select.joins.push_back({j.kind, {database_->model(j.entity).table, ""}, j.on(resolver)});
    for (const auto& w : state.where) {
        auto e = w(resolver);
        select.where = select.where ? sql::make(sql::Binary{sql::BinaryOp::and_, select.where, e}) : e;
    }
    if (!count) {
        for (const auto& o : state.order) select.order_by.push_back({o.expr(resolver), o.descending, {}});
        select.limit = state.limit;
        select.offset = state.offset;
    }
    return sql::compile(select, database_->dialect());
}

void Session::select_objects(const SelectState& state, const std::function<void(const Fill&)>& each) {
    const auto& m = database_->model(state.root);
    const auto query = compile_select(state, false);
    auto cursor = connection_->query(query.sql, query.params);
    while (cursor->next()) {
        each([&](void* object) {
            for (std::size_t i = 0; i < m.fields.size(); ++i) m.fields[i].set(object, cursor->value(i));
        });
    }
}

std::int64_t Session::count_objects(const SelectState& state) {
    const auto query = compile_select(state, true);
    return execute(query).rows.at(0).at(0).as_int64();
}

void Session::query_objects(std::type_index type, std::string_view sql, const Params& params,
                            const std::function<void(const Fill&)>& each) {
    const auto& m = database_->model(type);
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
    while (cursor->next()) {
        each([&](void* object) {
            for (std::size_t i = 0; i < targets.size(); ++i) targets[i]->set(object, cursor->value(i));
        });
    }
}

void Session::begin(const TransactionOptions& options) {
    if (depth_ == 0)
        connection_->begin(options);
    else
        connection_->savepoint("rex_sp_" + std::to_string(depth_));
    ++depth_;
}

void Session::commit() {
    --depth_;
    if (depth_ == 0)
        connection_->commit();
    else
        connection_->release_savepoint("rex_sp_" + std::to_string(depth_));
}

void Session::rollback() {
    --depth_;
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

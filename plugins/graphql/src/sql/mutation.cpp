#include "sql/mutation.hpp"

#include "sql/access.hpp"
#include "sql/written_rows.hpp"

#include <algorithm>
#include <optional>

namespace rex::graphql {

namespace {

using RowValues = std::vector<std::pair<const FieldInfo*, Value>>;
using Key = std::vector<Value>;

std::string join_with(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(separator) : std::string()) + parts[i];
    return out;
}

class Mutation {
public:
    Mutation(const Api& api, const Dialect& dialect, SqlRunner& runner, const RootField& root, const SelectedField& field, CompileLimits limits,
             std::vector<ChangeEvent>* changes)
        : api_(api), dialect_(dialect), runner_(runner), e_(*root.entity), root_(root), field_(field), limits_(limits),
          engine_(engine_of(dialect)) {
        if (changes) written_.emplace(api, dialect, runner, e_, *changes);
    }

    std::string run() {
        switch (root_.kind) {
            case RootKind::insert: return response(insert(objects("objects")));
            case RootKind::insert_one: return single(insert(objects(argument("object") ? "object" : "input")));
            case RootKind::update: return response(update(select_keys(argument("where"))));
            case RootKind::update_by_pk: {
                // Hasura's pk_columns object, or the simple updateX(<key>, input)'s key arguments.
                const auto* pk = argument(api_.names.field("pk_columns"));
                return single(update(select_keys_by_pk([&](const std::string& n) { return pk ? pk->field(n) : argument(n); })));
            }
            case RootKind::delete_where: return remove(select_keys(argument("where")), false);
            case RootKind::delete_by_pk: return remove(select_keys_by_pk([&](const std::string& n) { return argument(n); }), true);
            default: throw std::logic_error("run_mutation: not a mutation field");
        }
    }

private:
    struct Outcome {
        std::int64_t affected = 0;
        std::vector<Key> keys;
    };

    const InputValue* argument(std::string_view name) const { return field_.argument(name); }

    // Permissions (sql/access.hpp): the rows this field may change, the check on what it wrote,
    // the columns the host sets.
    Action action() const {
        return root_.kind == RootKind::delete_where || root_.kind == RootKind::delete_by_pk ? Action::remove
               : root_.kind == RootKind::insert || root_.kind == RootKind::insert_one ? Action::insert
                                                                                       : Action::update;
    }

    std::string allowed(Writer& w, const std::string& alias, std::string condition) const {
        if (!limits_.access) return condition;
        const auto rows = limits_.access->rows(w, e_, alias, action());
        return rows.empty() ? condition : "(" + condition + " AND " + rows + ")";
    }

    void add_presets(RowValues& row) const {
        if (!limits_.access) return;
        for (auto& preset : limits_.access->presets(e_, action())) {
            const auto& field = preset.first;  // named, not bound: clang 14 lambdas cannot capture bindings
            auto it = std::find_if(row.begin(), row.end(), [&](const auto& c) { return c.first == field; });
            if (it != row.end()) it->second = std::move(preset.second);
            else row.emplace_back(field, std::move(preset.second));
        }
    }

    // A written row that fails the role's check fails the field, and so rolls back the request.
    void check_written(const std::vector<Key>& keys) {
        if (!limits_.access || keys.empty()) return;
        Writer w(api_, dialect_, limits_);
        const auto b = w.new_alias();
        const auto check = limits_.access->check(w, e_, b, action());
        if (check.empty()) return;
        const auto failing = runner_.execute(w.finish("SELECT 1 FROM " + table() + " " + b + " WHERE " + w.key_match(b, e_.primary_key, keys) +
                                                      " AND NOT (CASE WHEN " + check + " THEN 1 ELSE 0 END = 1)"));
        if (!failing.rows.empty())
            throw PermissionDenied("a row written by '" + field_.name + "' fails the role's " + (action() == Action::insert ? "insert" : "update") +
                                   " check: nothing was written");
    }

    void require_key() const {
        if (e_.primary_key.empty()) throw InputError("'" + e_.type_name + "' has no primary key: it cannot be changed through the API");
    }

    RowValues row_values(const InputValue& object) const {
        RowValues row;
        const auto* fields = object.as_object();
        if (!fields) throw InputError("expected an object of '" + e_.type_name + "' columns");
        for (const auto& [name, v] : *fields) {
            const auto* column = e_.column(name);
            if (!column) throw InputError("field '" + name + "' not found in '" + e_.type_name + "'");
            row.emplace_back(column, to_value(v, *column));
        }
        return row;
    }

    void validate(const std::vector<RowValues>& rows) const {
        std::vector<RuleFailure> failures;
        for (const auto& row : rows)
            for (auto& f : check_rules(*e_.entity, row)) {
                f.field = e_.column_name(f.field);
                failures.push_back(std::move(f));
            }
        if (!failures.empty()) throw ValidationFailed(std::move(failures));
    }

    std::vector<RowValues> objects(std::string_view name) const {
        std::vector<RowValues> rows;
        const auto* v = argument(name);
        if (v && v->as_list())
            for (const auto& o : *v->as_list()) rows.push_back(row_values(o));
        else if (v && v->as_object())
            rows.push_back(row_values(*v));
        validate(rows);
        return rows;
    }

    std::string table() const { return dialect_.quote_identifier(e_.entity->table); }

    // An insert's on_conflict: the named constraint's columns (nullptr when no constraint has that
    // name) and whether it updates the row it meets (update_columns not empty).
    struct ConflictTarget {
        const InputValue* argument;
        const std::vector<const FieldInfo*>* columns = nullptr;
        bool updates = false;
    };
    std::optional<ConflictTarget> conflict_target() const {
        const auto* on_conflict = argument(api_.names.field("on_conflict"));
        if (!on_conflict || on_conflict->is_null()) return std::nullopt;
        ConflictTarget target{on_conflict};
        const auto* constraint = on_conflict->field("constraint");
        if (constraint && constraint->as_enum())
            for (const auto& [name, cols] : e_.constraints)
                if (name == constraint->as_enum()->name) target.columns = &cols;
        const auto* cols = on_conflict->field(api_.names.field("update_columns"));
        target.updates = cols && cols->as_list() && !cols->as_list()->empty();
        return target;
    }

    // The row's values of `columns`; nullopt when one is left to its default.
    static std::optional<std::vector<Value>> values_of(const RowValues& row, const std::vector<const FieldInfo*>& columns) {
        std::vector<Value> values;
        for (const auto* f : columns) {
            const auto it = std::find_if(row.begin(), row.end(), [f](const auto& c) { return c.first == f; });
            if (it == row.end()) return std::nullopt;
            values.push_back(it->second);
        }
        return values;
    }

    std::string upsert_clause(Writer& w) const {
        const auto target = conflict_target();
        if (!target) return {};
        if (!target->columns) throw InputError("on_conflict: unknown constraint");
        const auto* on_conflict = target->argument;
        UpsertSpec spec;
        for (const auto* f : *target->columns) spec.conflict_columns.push_back(f->column);
        if (const auto* cols = on_conflict->field(api_.names.field("update_columns")); cols && cols->as_list())
            for (const auto& c : *cols->as_list()) {
                const auto* column = c.as_enum() ? e_.column(c.as_enum()->name) : nullptr;
                if (!column) throw InputError("on_conflict: unknown update column");
                spec.update_columns.push_back(column->column);
            }
        const auto* where = on_conflict->field("where");
        const bool filtered = where && !where->is_null();
        if (spec.update_columns.empty()) {
            if (engine_ == Engine::mysql) {
                const auto c = dialect_.quote_identifier(spec.conflict_columns.at(0));
                return " ON DUPLICATE KEY UPDATE " + c + " = " + c;  // keeps the row as it is
            }
            std::string out = " ON CONFLICT (";
            for (std::size_t i = 0; i < spec.conflict_columns.size(); ++i)
                out += (i ? ", " : "") + dialect_.quote_identifier(spec.conflict_columns[i]);
            return out + ") DO NOTHING";
        }
        auto out = dialect_.upsert_clause(spec);
        if (filtered) {
            if (engine_ == Engine::mysql) throw InputError("on_conflict.where is not supported on MySQL/MariaDB");
            out += " WHERE " + w.filter(e_, table(), *where);
        }
        return out;
    }

    // The row an upsert of `row` would update, kept in `before` to publish the change as an update.
    void remember_conflicting(const RowValues& row, WrittenRows::RowsByKey& before) {
        if (!written_) return;
        const auto target = conflict_target();
        if (!target || !target->updates || !target->columns) return;
        const auto values = values_of(row, *target->columns);
        if (!values) return;  // a column left to its default: no row to meet
        if (auto existing = written_->find(*target->columns, *values)) before.emplace(written_->key_text_of(*existing), std::move(*existing));
    }

    // MariaDB has no ON CONFLICT DO NOTHING (INSERT IGNORE would hide other errors too): a row
    // whose conflict columns match an existing one is skipped before the insert.
    bool exists_on_conflict_do_nothing(const RowValues& row) {
        if (engine_ != Engine::mysql) return false;
        const auto target = conflict_target();
        if (!target || target->updates || !target->columns) return false;
        const auto values = values_of(row, *target->columns);
        if (!values) return false;
        Writer w(api_, dialect_, limits_);
        std::vector<std::string> match;
        for (std::size_t i = 0; i < values->size(); ++i)
            match.push_back(dialect_.quote_identifier((*target->columns)[i]->column) + " = " + w.bind((*values)[i]));
        return !runner_.execute(w.finish("SELECT 1 FROM " + table() + " WHERE " + join_with(match, " AND "))).rows.empty();
    }

    Outcome insert(const std::vector<RowValues>& rows) {
        require_key();
        Outcome out;
        std::vector<std::string> key_columns;
        for (const auto* k : e_.primary_key) key_columns.push_back(k->column);
        auto returning = dialect_.returning_clause(key_columns);
        // Where the key comes back with RETURNING, the whole row to publish comes with it.
        const auto key_size = key_columns.size();
        const bool whole_rows = written_ && !returning.empty();
        if (whole_rows) {
            auto columns = key_columns;
            columns.insert(columns.end(), written_->columns().begin(), written_->columns().end());
            returning = dialect_.returning_clause(columns);
        }
        WrittenRows::RowsByKey before, returned;
        for (auto row : rows) {
            add_presets(row);
            if (exists_on_conflict_do_nothing(row)) continue;
            remember_conflicting(row, before);
            Writer w(api_, dialect_, limits_);
            std::vector<std::string> columns, values;
            for (const auto& [f, v] : row) {
                columns.push_back(dialect_.quote_identifier(f->column));
                values.push_back(w.bind(v));
            }
            std::string sql = "INSERT INTO " + table();
            if (columns.empty()) sql += engine_ == Engine::mysql ? " () VALUES ()" : " DEFAULT VALUES";
            else sql += " (" + join_with(columns, ", ") + ") VALUES (" + join_with(values, ", ") + ")";
            sql += upsert_clause(w) + returning;
            const auto result = runner_.execute(w.finish(sql));
            if (!returning.empty()) {
                for (const auto& r : result.rows) {
                    Key key(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(key_size));
                    if (whole_rows) returned.emplace(written_->key_text(key), WrittenRows::Row(r.begin() + static_cast<std::ptrdiff_t>(key_size), r.end()));
                    out.keys.push_back(std::move(key));
                    ++out.affected;
                }
                continue;
            }
            if (result.affected_rows <= 0) continue;
            ++out.affected;
            Key key;
            for (const auto* k : e_.primary_key) {
                for (const auto& [f, v] : row)
                    if (f == k) key.push_back(v);
            }
            if (key.size() != e_.primary_key.size() && e_.primary_key.size() == 1 && result.last_insert_id)
                key = {Value(*result.last_insert_id)};
            if (key.size() == e_.primary_key.size()) out.keys.push_back(std::move(key));
        }
        check_written(out.keys);
        if (written_) written_->inserted(out.keys, before, whole_rows ? &returned : nullptr);
        return out;
    }

    std::vector<Key> select_keys(const InputValue* where) {
        require_key();
        Writer w(api_, dialect_, limits_);
        const auto b = w.new_alias();
        std::vector<std::string> key;
        for (const auto* k : e_.primary_key) key.push_back(w.column(b, *k));
        const auto condition = allowed(w, b, where ? w.filter(e_, b, *where) : std::string("1=1"));
        const auto result = runner_.execute(w.finish("SELECT " + join_with(key, ", ") + " FROM " + table() + " " + b + " WHERE " + condition));
        return result.rows;
    }

    // The key given as arguments of the field (delete_by_pk) or as an object (update_by_pk's pk_columns).
    template <class Lookup>
    std::vector<Key> select_keys_by_pk(Lookup&& lookup) {
        require_key();
        Key key;
        for (const auto* k : e_.primary_key) {
            const auto name = api_.names.field(k->name);
            const InputValue* v = lookup(name);
            if (!v || v->is_null()) throw InputError("missing primary key value '" + name + "'");
            key.push_back(to_value(*v, *k));
        }
        Writer w(api_, dialect_, limits_);
        const auto b = w.new_alias();
        std::vector<std::string> columns;
        for (const auto* k : e_.primary_key) columns.push_back(w.column(b, *k));
        const auto match = allowed(w, b, w.key_match(b, e_.primary_key, {key}));
        return runner_.execute(w.finish("SELECT " + join_with(columns, ", ") + " FROM " + table() + " " + b + " WHERE " + match)).rows;
    }

    Outcome update(std::vector<Key> keys) {
        const auto* set = argument("_set") ? argument("_set") : argument("input");
        const auto* inc = argument("_inc");
        RowValues set_values = set && !set->is_null() ? row_values(*set) : RowValues{};
        RowValues inc_values = inc && !inc->is_null() ? row_values(*inc) : RowValues{};
        add_presets(set_values);
        validate({set_values});
        Outcome out;
        out.affected = static_cast<std::int64_t>(keys.size());
        if (keys.empty() || (set_values.empty() && inc_values.empty())) {
            out.keys = std::move(keys);
            return out;
        }
        Writer w(api_, dialect_, limits_);
        std::vector<std::string> assignments;
        for (const auto& [f, v] : set_values) assignments.push_back(dialect_.quote_identifier(f->column) + " = " + w.bind(v));
        for (const auto& [f, v] : inc_values) {
            const auto c = dialect_.quote_identifier(f->column);
            assignments.push_back(c + " = " + c + " + " + w.bind(v));
        }
        const auto match = w.key_match(table(), e_.primary_key, keys);
        WrittenRows::RowsByKey before;
        std::vector<Key> old_keys;
        if (written_) {
            before = written_->read(keys);
            old_keys = keys;
        }
        // PostgreSQL and SQLite return the rows as updated; MariaDB has no UPDATE ... RETURNING.
        const bool returns_rows = written_ && engine_ != Engine::mysql;
        auto result = runner_.execute(w.finish("UPDATE " + table() + " SET " + join_with(assignments, ", ") + " WHERE " + match +
                                               (returns_rows ? dialect_.returning_clause(written_->columns()) : std::string())));
        const auto after = returns_rows ? written_->by_key(std::move(result.rows)) : WrittenRows::RowsByKey{};
        // A key column set to a new value: the rows are found under it afterwards.
        for (auto& key : keys)
            for (std::size_t i = 0; i < e_.primary_key.size(); ++i)
                for (const auto& [f, v] : set_values)
                    if (f == e_.primary_key[i]) key[i] = v;
        check_written(keys);
        if (written_) written_->updated(old_keys, keys, before, returns_rows ? &after : nullptr);
        out.keys = std::move(keys);
        return out;
    }

    std::optional<std::string> rows_json(const std::vector<SelectedField>& selection, const std::vector<Key>& keys, bool single) {
        Writer w(api_, dialect_, limits_);
        const auto b = w.new_alias();
        if (single) {
            if (keys.empty()) return std::nullopt;
            const auto object = w.object(e_, b, selection);
            const auto match = w.with_rows(e_, b, w.key_match(b, e_.primary_key, {keys.front()}));
            return runner_.json(w.finish("SELECT " + object + " FROM " + table() + " " + b + " WHERE " + match));
        }
        if (keys.empty()) return std::string("[]");
        SelectedField list;
        list.selection = selection;
        return runner_.json(w.finish(w.list_select(e_, b, list, {w.key_match(b, e_.primary_key, keys)}, false)));
    }

    std::string response(const Outcome& outcome) {
        std::optional<std::string> returning;
        for (const auto& f : field_.selection)
            if (f.name == "returning") returning = rows_json(f.selection, outcome.keys, false);
        return response(outcome.affected, returning);
    }

    // { affected_rows returning __typename } in the selection's order and aliases.
    std::string response(std::int64_t affected, const std::optional<std::string>& returning) const {
        std::string out = "{";
        bool first = true;
        for (const auto& f : field_.selection) {
            out += first ? "\"" : ",\"";
            first = false;
            out += f.response_key + "\":";
            if (f.name == "__typename") out += "\"" + api_.names.derived(e_.type_name, "mutation_response") + "\"";
            else if (f.name == "returning") append_compact_json(returning.value_or("[]"), out);
            else out += std::to_string(affected);
        }
        return out + "}";
    }

    std::string single(const Outcome& outcome) {
        std::string out;
        append_compact_json(rows_json(field_.selection, outcome.keys, true).value_or("null"), out);
        return out;
    }

    std::string remove(const std::vector<Key>& keys, bool by_pk) {
        // The rows' JSON is read before they go.
        std::string before;
        if (by_pk) before = single({static_cast<std::int64_t>(keys.size()), keys});
        std::optional<std::string> returning;
        if (!by_pk)
            for (const auto& f : field_.selection)
                if (f.name == "returning") returning = rows_json(f.selection, keys, false);
        std::int64_t affected = 0;
        if (!keys.empty()) {
            // The rows to publish: returned by the DELETE where it can (PostgreSQL, SQLite), else read first.
            const bool returns_rows = written_ && engine_ != Engine::mysql;
            const auto read_first = written_ && !returns_rows ? written_->read(keys) : WrittenRows::RowsByKey{};
            Writer w(api_, dialect_, limits_);
            const auto match = w.key_match(table(), e_.primary_key, keys);
            auto result = runner_.execute(w.finish("DELETE FROM " + table() + " WHERE " + match +
                                                   (returns_rows ? dialect_.returning_clause(written_->columns()) : std::string())));
            affected = returns_rows ? static_cast<std::int64_t>(result.rows.size()) : result.affected_rows;
            if (written_) written_->removed(keys, returns_rows ? written_->by_key(std::move(result.rows)) : read_first);
        }
        if (by_pk) return before;
        return response(affected, returning);
    }

    const Api& api_;
    const Dialect& dialect_;
    SqlRunner& runner_;
    const EntityApi& e_;
    const RootField& root_;
    const SelectedField& field_;
    CompileLimits limits_;
    Engine engine_;
    std::optional<WrittenRows> written_;  // when the executor publishes the request's changes
};

}  // namespace

std::string run_mutation(const Api& api, const Dialect& dialect, SqlRunner& runner, const RootField& root, const SelectedField& field,
                         const CompileLimits& limits, std::vector<ChangeEvent>* changes) {
    return Mutation(api, dialect, runner, root, field, limits, changes).run();
}

}  // namespace rex::graphql

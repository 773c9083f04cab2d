#include "api/api.hpp"

#include "api/subscription_root.hpp"

#include <set>
#include <stdexcept>

namespace rex::graphql {

namespace {

TypeRef named(std::string name) { return TypeRef::named(std::move(name)); }
TypeRef non_null(std::string name) { return TypeRef::named(std::move(name)).non_null(); }
TypeRef list_of_non_null(std::string name) { return TypeRef::named(std::move(name)).non_null().list(); }

FieldDef field(std::string name, TypeRef type, std::string description = {}, std::vector<InputValueDef> arguments = {}) {
    FieldDef f;
    f.name = std::move(name);
    f.type = std::move(type);
    f.description = std::move(description);
    f.arguments = std::move(arguments);
    return f;
}

InputValueDef input(std::string name, TypeRef type, std::string description = {}) {
    InputValueDef v;
    v.name = std::move(name);
    v.type = std::move(type);
    v.description = std::move(description);
    return v;
}

TypeDef object_type(std::string name, std::string description = {}) {
    TypeDef t;
    t.kind = TypeKind::object;
    t.name = std::move(name);
    t.description = std::move(description);
    return t;
}

TypeDef input_type(std::string name, std::string description = {}) {
    TypeDef t = object_type(std::move(name), std::move(description));
    t.kind = TypeKind::input_object;
    return t;
}

TypeDef enum_type(std::string name, std::vector<std::string> values, std::string description = {}) {
    TypeDef t = object_type(std::move(name), std::move(description));
    t.kind = TypeKind::enum_type;
    for (auto& v : values) t.enum_values.push_back({std::move(v), {}, {}});
    return t;
}

bool is_object_relation(RelationKind k) { return k == RelationKind::belongs_to || k == RelationKind::has_one; }

// Everything the builder adds, kept by name so a clash drops the later type instead of failing.
class Builder {
public:
    Builder(const CatalogView& catalog, const ApiOptions& options) : catalog_(catalog), simple_names_(options.simple_names), queries_(options.queries) {
        api_ = std::make_shared<Api>();
        api_->names = Names(options.naming);
    }

    std::shared_ptr<const Api> build() {
        collect_entities();
        add_shared_types();
        TypeDef query = object_type("query_root");
        TypeDef mutation = object_type("mutation_root");
        for (auto& [name, e] : api_->entities) {
            add_entity_types(e);
            add_root_fields(e, query, mutation);
        }
        add_custom_fields(*api_, catalog_.resolvers(), queries_, query, mutation);
        add(std::move(query));
        if (!mutation.fields.empty()) {
            add(std::move(mutation));
            api_->schema.mutation_type = "mutation_root";
        }
        api_->schema.query_type = "query_root";
        add_subscription_root(*api_);
        return api_;
    }

private:
    const Names& names() const { return api_->names; }

    void add(TypeDef t) {
        if (api_->schema.type(t.name)) return;
        api_->schema.add_type(std::move(t));
    }

    void collect_entities() {
        std::set<std::string> type_names;
        for (const auto& name : catalog_.entity_names()) {
            auto info = catalog_.find_entity(name);
            if (!info || info->fields.empty()) continue;
            EntityApi e;
            e.entity = info;
            e.type_name = names().type(info->name);
            if (!type_names.insert(e.type_name).second) continue;  // two entities, one GraphQL name
            std::set<std::string> taken;
            for (const auto& f : info->fields) {
                auto n = names().field(f.name);
                if (!taken.insert(n).second) continue;
                e.columns.emplace_back(n, &f);
                if (f.primary_key) e.primary_key.push_back(&f);
            }
            api_->entities.emplace(info->name, std::move(e));
        }
        // Relations need every entity's presence known; their names must not shadow a column.
        for (auto& [name, e] : api_->entities) {
            std::set<std::string> taken;
            for (const auto& [n, f] : e.columns) taken.insert(n);
            for (const auto& r : e.entity->relations) {
                if (!api_->target(r)) continue;
                auto n = names().field(r.name);
                if (!taken.insert(n).second) continue;
                e.relations.emplace_back(n, &r);
                if (!is_object_relation(r.kind)) {
                    auto agg = names().field(r.name + "_aggregate");
                    if (taken.insert(agg).second) e.relation_aggregates.emplace_back(agg, &r);
                }
            }
            if (!e.primary_key.empty()) e.constraints.emplace_back(names().derived(e.type_name, "pkey"), e.primary_key);
            for (const auto& index : e.entity->indexes) {
                if (!index.unique) continue;
                std::vector<const FieldInfo*> fields;
                for (const auto& f : index.fields)
                    if (const auto* fi = e.entity->field(f)) fields.push_back(fi);
                if (fields.size() != index.fields.size() || fields.empty()) continue;
                e.constraints.emplace_back(graphql_name(index.name), std::move(fields));
            }
            for (const auto& f : e.entity->fields)  // a unique column without a named index
                if (f.unique && !f.primary_key) e.constraints.emplace_back(names().derived(e.type_name, names().field(f.name) + "_key"), std::vector{&f});
        }
    }

    std::string order_by_enum() const { return names().naming() == Naming::camel ? "OrderBy" : "order_by"; }
    std::string comparison(std::string_view scalar) const { return names().derived(std::string(scalar), "comparison_exp"); }

    void add_shared_types() {
        std::set<LogicalType> seen;
        for (const auto& [name, e] : api_->entities) {
            for (const auto& [n, f] : e.columns) seen.insert(f->type.type);
            // Targets of an array relation get `_aggregate_bool_exp`, whose predicate is an Int_comparison_exp.
            for (const auto& [n, r] : e.relation_aggregates) aggregated_.insert(api_->target(*r));
            if (!e.relation_aggregates.empty()) seen.insert(LogicalType::int32);
        }
        // Only the custom scalars some column uses, as Hasura does.
        for (auto t : {LogicalType::int64, LogicalType::decimal, LogicalType::date, LogicalType::time, LogicalType::timestamp,
                       LogicalType::uuid, LogicalType::bytes, LogicalType::json}) {
            if (!seen.count(t)) continue;
            TypeDef s = object_type(std::string(scalar_name(t)));
            s.kind = TypeKind::scalar;
            add(std::move(s));
        }
        add(enum_type(order_by_enum(),
                      {"asc", "asc_nulls_first", "asc_nulls_last", "desc", "desc_nulls_first", "desc_nulls_last"},
                      "column ordering options"));
        for (auto t : seen) {
            const std::string scalar(scalar_name(t));
            TypeDef c = input_type(comparison(scalar), "Boolean expression to compare columns of type \"" + scalar + "\". All fields are combined with logical 'AND'.");
            for (const char* op : {"_eq", "_gt", "_gte", "_lt", "_lte", "_neq"}) c.input_fields.push_back(input(op, named(scalar)));
            c.input_fields.push_back(input("_in", list_of_non_null(scalar)));
            c.input_fields.push_back(input("_is_null", named("Boolean")));
            c.input_fields.push_back(input("_nin", list_of_non_null(scalar)));
            if (t == LogicalType::string || t == LogicalType::text)
                for (const char* op : {"_ilike", "_like", "_nlike"}) c.input_fields.push_back(input(op, named(scalar)));
            add(std::move(c));
        }
    }

    std::vector<InputValueDef> list_arguments(const EntityApi& e) const {
        return {input("limit", named("Int"), "limit the number of rows returned"),
                input("offset", named("Int"), "skip the first n rows. Use only with order_by"),
                input(names().field("order_by"), list_of_non_null(names().derived(e.type_name, "order_by")), "sort the rows by one or more columns"),
                input("where", named(names().derived(e.type_name, "bool_exp")), "filter the rows returned")};
    }

    void add_entity_types(const EntityApi& e) {
        const auto& n = names();
        const auto& t = e.type_name;
        TypeDef object = object_type(t, "columns and relationships of \"" + t + "\"");
        for (const auto& [name, f] : e.columns) {
            TypeRef type = named(std::string(scalar_name(f->type.type)));
            object.fields.push_back(field(name, f->nullable ? type : type.non_null()));
        }
        for (const auto& [name, r] : e.relations) {
            const auto* target = api_->target(*r);
            if (is_object_relation(r->kind))
                object.fields.push_back(field(name, named(target->type_name), "An object relationship"));
            else
                object.fields.push_back(field(name, list_of_non_null(target->type_name).non_null(), "An array relationship", list_arguments(*target)));
        }
        for (const auto& [name, r] : e.relation_aggregates) {
            const auto* target = api_->target(*r);
            object.fields.push_back(field(name, non_null(n.derived(target->type_name, "aggregate")), "An aggregate relationship", list_arguments(*target)));
        }
        add(std::move(object));

        // Aggregates.
        const auto select_column = n.derived(t, "select_column");
        std::vector<std::string> column_names;
        for (const auto& [name, f] : e.columns) column_names.push_back(name);
        add(enum_type(select_column, column_names, "select columns of table \"" + t + "\""));
        TypeDef aggregate = object_type(n.derived(t, "aggregate"), "aggregated selection of \"" + t + "\"");
        aggregate.fields.push_back(field("aggregate", named(n.derived(t, "aggregate_fields"))));
        aggregate.fields.push_back(field("nodes", list_of_non_null(t).non_null()));
        add(std::move(aggregate));
        TypeDef fields = object_type(n.derived(t, "aggregate_fields"), "aggregate fields of \"" + t + "\"");
        fields.fields.push_back(field("count", non_null("Int"), {},
                                      {input("columns", list_of_non_null(select_column)), input("distinct", named("Boolean"))}));
        const auto numeric_fields = [&](const char* suffix, bool as_float) {
            TypeDef s = object_type(n.derived(t, suffix));
            for (const auto& [name, f] : e.columns)
                if (is_numeric(f->type.type)) s.fields.push_back(field(name, named(as_float ? "Float" : std::string(scalar_name(f->type.type)))));
            return s;
        };
        const auto ordered_fields = [&](const char* suffix) {
            TypeDef s = object_type(n.derived(t, suffix));
            for (const auto& [name, f] : e.columns)
                if (is_orderable(f->type.type)) s.fields.push_back(field(name, named(std::string(scalar_name(f->type.type)))));
            return s;
        };
        for (auto [name, def] : {std::pair{"sum", numeric_fields("sum_fields", false)}, std::pair{"avg", numeric_fields("avg_fields", true)},
                                 std::pair{"max", ordered_fields("max_fields")}, std::pair{"min", ordered_fields("min_fields")}}) {
            if (def.fields.empty()) continue;
            fields.fields.push_back(field(name, named(def.name)));
            add(std::move(def));
        }
        add(std::move(fields));

        // Filters and ordering.
        TypeDef bool_exp = input_type(n.derived(t, "bool_exp"), "Boolean expression to filter rows from the table \"" + t + "\". All fields are combined with a logical 'AND'.");
        bool_exp.input_fields.push_back(input("_and", list_of_non_null(bool_exp.name)));
        bool_exp.input_fields.push_back(input("_not", named(bool_exp.name)));
        bool_exp.input_fields.push_back(input("_or", list_of_non_null(bool_exp.name)));
        for (const auto& [name, f] : e.columns) bool_exp.input_fields.push_back(input(name, named(comparison(scalar_name(f->type.type)))));
        for (const auto& [name, r] : e.relations) bool_exp.input_fields.push_back(input(name, named(n.derived(api_->target(*r)->type_name, "bool_exp"))));
        for (const auto& [name, r] : e.relation_aggregates)
            bool_exp.input_fields.push_back(input(name, named(n.derived(api_->target(*r)->type_name, "aggregate_bool_exp"))));
        add(std::move(bool_exp));
        // Filtering a parent by how many of these rows it has: `albums_aggregate: {count: {predicate: {_gt: 2}}}`.
        if (aggregated_.count(&e)) {
            TypeDef count = input_type(n.derived(t, "aggregate_bool_exp_count"));
            count.input_fields.push_back(input("arguments", list_of_non_null(n.derived(t, "select_column"))));
            count.input_fields.push_back(input("distinct", named("Boolean")));
            count.input_fields.push_back(input("filter", named(n.derived(t, "bool_exp"))));
            count.input_fields.push_back(input("predicate", non_null(comparison("Int"))));
            TypeDef exp = input_type(n.derived(t, "aggregate_bool_exp"));
            exp.input_fields.push_back(input("count", named(count.name)));
            add(std::move(count));
            add(std::move(exp));
        }
        TypeDef order_by = input_type(n.derived(t, "order_by"), "Ordering options when selecting data from \"" + t + "\".");
        for (const auto& [name, f] : e.columns) order_by.input_fields.push_back(input(name, named(order_by_enum())));
        for (const auto& [name, r] : e.relations)
            if (is_object_relation(r->kind)) order_by.input_fields.push_back(input(name, named(n.derived(api_->target(*r)->type_name, "order_by"))));
        for (const auto& [name, r] : e.relation_aggregates)
            order_by.input_fields.push_back(input(name, named(n.derived(api_->target(*r)->type_name, "aggregate_order_by"))));
        add(std::move(order_by));
        // Ordering by an array relation's aggregate: `albums_aggregate: {count: desc}`, `{max: {title: asc}}`.
        TypeDef aggregate_order = input_type(n.derived(t, "aggregate_order_by"), "order by aggregate values of table \"" + t + "\"");
        aggregate_order.input_fields.push_back(input("count", named(order_by_enum())));
        for (const char* function : {"max", "min"}) {
            TypeDef columns = input_type(n.derived(t, std::string(function) + "_order_by"), "order by " + std::string(function) + "() on columns of table \"" + t + "\"");
            for (const auto& [name, f] : e.columns)
                if (is_orderable(f->type.type)) columns.input_fields.push_back(input(name, named(order_by_enum())));
            if (columns.input_fields.empty()) continue;
            aggregate_order.input_fields.push_back(input(function, named(columns.name)));
            add(std::move(columns));
        }
        add(std::move(aggregate_order));

        // Mutations.
        TypeDef insert = input_type(n.derived(t, "insert_input"), "input type for inserting data into table \"" + t + "\"");
        TypeDef set = input_type(n.derived(t, "set_input"), "input type for updating data in table \"" + t + "\"");
        TypeDef inc = input_type(n.derived(t, "inc_input"), "input type for incrementing numeric columns in table \"" + t + "\"");
        for (const auto& [name, f] : e.columns) {
            const auto scalar = std::string(scalar_name(f->type.type));
            insert.input_fields.push_back(input(name, named(scalar)));
            set.input_fields.push_back(input(name, named(scalar)));
            if (is_numeric(f->type.type)) inc.input_fields.push_back(input(name, named(scalar)));
        }
        add(std::move(insert));
        add(std::move(set));
        if (!inc.input_fields.empty()) add(std::move(inc));
        TypeDef response = object_type(n.derived(t, "mutation_response"), "response of any mutation on the table \"" + t + "\"");
        response.fields.push_back(field(n.field("affected_rows"), non_null("Int"), "number of rows affected by the mutation"));
        response.fields.push_back(field("returning", list_of_non_null(t).non_null(), "data from the rows affected by the mutation"));
        add(std::move(response));
        if (!e.constraints.empty()) {
            std::vector<std::string> values;
            for (const auto& [name, cols] : e.constraints) values.push_back(name);
            add(enum_type(n.derived(t, "constraint"), values, "unique or primary key constraints on table \"" + t + "\""));
            add(enum_type(n.derived(t, "update_column"), column_names, "update columns of table \"" + t + "\""));
            TypeDef on_conflict = input_type(n.derived(t, "on_conflict"), "on_conflict condition type for table \"" + t + "\"");
            on_conflict.input_fields.push_back(input("constraint", non_null(n.derived(t, "constraint"))));
            InputValueDef update_columns = input(n.field("update_columns"), list_of_non_null(n.derived(t, "update_column")).non_null());
            update_columns.default_value = InputValue::list({});
            on_conflict.input_fields.push_back(std::move(update_columns));
            on_conflict.input_fields.push_back(input("where", named(n.derived(t, "bool_exp"))));
            add(std::move(on_conflict));
        }
        if (!e.primary_key.empty()) {
            TypeDef pk = input_type(n.derived(t, "pk_columns_input"), "primary key columns input for table: " + t);
            for (const auto* f : e.primary_key) pk.input_fields.push_back(input(n.field(f->name), non_null(std::string(scalar_name(f->type.type)))));
            add(std::move(pk));
        }
    }

    std::vector<InputValueDef> key_arguments(const EntityApi& e) const {
        std::vector<InputValueDef> out;
        for (const auto* f : e.primary_key) out.push_back(input(names().field(f->name), non_null(std::string(scalar_name(f->type.type)))));
        return out;
    }

    void root(TypeDef& type, std::map<std::string, RootField, std::less<>>& table, FieldDef f, RootKind kind, const EntityApi& e) {
        if (type.field(f.name)) return;
        table[f.name] = RootField{kind, &e};
        type.fields.push_back(std::move(f));
    }

    // The seed's simple names, beside Hasura's: getArtist, listArtists, createArtist, updateArtist, deleteArtist.
    void add_simple_root_fields(const EntityApi& e, TypeDef& query, TypeDef& mutation) {
        const auto& n = names();
        const auto& t = e.type_name;
        const auto type = Names(Naming::camel).type(e.entity->name);
        const auto plural = type.ends_with("s") ? type + "es" : type.ends_with("y") ? type.substr(0, type.size() - 1) + "ies" : type + "s";
        root(query, api_->query_fields, field("list" + plural, list_of_non_null(t).non_null(), "fetch rows of " + t, list_arguments(e)), RootKind::list, e);
        root(mutation, api_->mutation_fields,
             field("create" + type, named(t), "insert one row of " + t, {input("input", non_null(n.derived(t, "insert_input")))}), RootKind::insert_one, e);
        if (e.primary_key.empty()) return;
        root(query, api_->query_fields, field("get" + type, named(t), "fetch one row of " + t + " by its key", key_arguments(e)), RootKind::by_pk, e);
        auto update_args = key_arguments(e);
        update_args.push_back(input("input", non_null(n.derived(t, "set_input"))));
        root(mutation, api_->mutation_fields, field("update" + type, named(t), "update one row of " + t + " by its key", update_args), RootKind::update_by_pk, e);
        root(mutation, api_->mutation_fields, field("delete" + type, named(t), "delete one row of " + t + " by its key", key_arguments(e)), RootKind::delete_by_pk, e);
    }

    void add_root_fields(const EntityApi& e, TypeDef& query, TypeDef& mutation) {
        if (simple_names_) add_simple_root_fields(e, query, mutation);
        const auto& n = names();
        const auto& en = e.entity->name;
        const auto& t = e.type_name;
        const auto table = "\"" + t + "\"";
        root(query, api_->query_fields, field(n.root("", en), list_of_non_null(t).non_null(), "fetch data from the table: " + table, list_arguments(e)), RootKind::list, e);
        root(query, api_->query_fields, field(n.root("", en, "aggregate"), non_null(n.derived(t, "aggregate")), "fetch aggregated fields from the table: " + table, list_arguments(e)),
             RootKind::aggregate, e);
        if (!e.primary_key.empty())
            root(query, api_->query_fields, field(n.root("", en, "by_pk"), named(t), "fetch data from the table: " + table + " using primary key columns", key_arguments(e)), RootKind::by_pk, e);

        const auto response = n.derived(t, "mutation_response");
        std::vector<InputValueDef> insert_args{input("objects", list_of_non_null(n.derived(t, "insert_input")).non_null(), "the rows to be inserted")};
        std::vector<InputValueDef> insert_one_args{input("object", non_null(n.derived(t, "insert_input")), "the row to be inserted")};
        if (!e.constraints.empty()) {
            insert_args.push_back(input(n.field("on_conflict"), named(n.derived(t, "on_conflict")), "upsert condition"));
            insert_one_args.push_back(input(n.field("on_conflict"), named(n.derived(t, "on_conflict")), "upsert condition"));
        }
        root(mutation, api_->mutation_fields, field(n.root("insert", en), named(response), "insert data into the table: " + table, insert_args), RootKind::insert, e);
        root(mutation, api_->mutation_fields, field(n.root("insert", en, "one"), named(t), "insert a single row into the table: " + table, insert_one_args), RootKind::insert_one, e);
        std::vector<InputValueDef> change;
        if (api_->schema.type(n.derived(t, "inc_input"))) change.push_back(input("_inc", named(n.derived(t, "inc_input")), "increments the numeric columns with given value of the filtered values"));
        change.push_back(input("_set", named(n.derived(t, "set_input")), "sets the columns of the filtered rows to the given values"));
        auto update_args = change;
        update_args.push_back(input("where", non_null(n.derived(t, "bool_exp")), "filter the rows which have to be updated"));
        root(mutation, api_->mutation_fields, field(n.root("update", en), named(response), "update data of the table: " + table, update_args), RootKind::update, e);
        root(mutation, api_->mutation_fields, field(n.root("delete", en), named(response), "delete data from the table: " + table,
                                                    {input("where", non_null(n.derived(t, "bool_exp")), "filter the rows which have to be deleted")}),
             RootKind::delete_where, e);
        if (!e.primary_key.empty()) {
            auto by_pk_args = change;
            by_pk_args.push_back(input(n.field("pk_columns"), non_null(n.derived(t, "pk_columns_input"))));
            root(mutation, api_->mutation_fields, field(n.root("update", en, "by_pk"), named(t), "update single row of the table: " + table, by_pk_args), RootKind::update_by_pk, e);
            root(mutation, api_->mutation_fields, field(n.root("delete", en, "by_pk"), named(t), "delete single row from the table: " + table, key_arguments(e)),
                 RootKind::delete_by_pk, e);
        }
    }

    const CatalogView& catalog_;
    bool simple_names_;
    const std::vector<std::shared_ptr<const SqlQueryDef>>& queries_;
    std::shared_ptr<Api> api_;
    std::set<const EntityApi*> aggregated_;  // targets of some array relation
};

}  // namespace

std::string_view scalar_name(LogicalType type) noexcept {
    switch (type) {
        case LogicalType::boolean: return "Boolean";
        case LogicalType::int32: return "Int";
        case LogicalType::int64: return "bigint";
        case LogicalType::float64: return "Float";
        case LogicalType::decimal: return "numeric";
        case LogicalType::string:
        case LogicalType::text: return "String";
        case LogicalType::bytes: return "bytea";
        case LogicalType::date: return "date";
        case LogicalType::time: return "time";
        case LogicalType::timestamp: return "timestamptz";
        case LogicalType::uuid: return "uuid";
        case LogicalType::json: return "jsonb";
    }
    return "String";
}

bool is_numeric(LogicalType type) noexcept {
    return type == LogicalType::int32 || type == LogicalType::int64 || type == LogicalType::float64 || type == LogicalType::decimal;
}

bool is_orderable(LogicalType type) noexcept {
    return type != LogicalType::json && type != LogicalType::bytes && type != LogicalType::boolean && type != LogicalType::uuid;
}

const FieldInfo* EntityApi::column(std::string_view graphql_name) const noexcept {
    for (const auto& [n, f] : columns)
        if (n == graphql_name) return f;
    return nullptr;
}

const RelationInfo* EntityApi::relation(std::string_view graphql_name) const noexcept {
    for (const auto& [n, r] : relations)
        if (n == graphql_name) return r;
    return nullptr;
}

const RelationInfo* EntityApi::relation_aggregate(std::string_view graphql_name) const noexcept {
    for (const auto& [n, r] : relation_aggregates)
        if (n == graphql_name) return r;
    return nullptr;
}

std::string EntityApi::column_name(std::string_view field) const {
    for (const auto& [n, f] : columns)
        if (f->name == field) return n;
    return {};
}

const EntityApi* Api::entity(std::string_view entity_name) const noexcept {
    auto it = entities.find(entity_name);
    return it == entities.end() ? nullptr : &it->second;
}

const EntityApi* Api::target(const RelationInfo& relation) const noexcept { return entity(relation.target); }

const RootField* Api::root(bool mutation, std::string_view field) const noexcept {
    const auto& table = mutation ? mutation_fields : query_fields;
    auto it = table.find(field);
    return it == table.end() ? nullptr : &it->second;
}

const CustomField* Api::custom(bool mutation, std::string_view field) const noexcept {
    const auto& table = mutation ? custom_mutation_fields : custom_query_fields;
    auto it = table.find(field);
    return it == table.end() ? nullptr : &it->second;
}

std::shared_ptr<const Api> build_api(const CatalogView& catalog, const ApiOptions& options) {
    return Builder(catalog, options).build();
}

}  // namespace rex::graphql

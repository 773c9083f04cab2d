#include "api/subscription_root.hpp"

namespace rex::graphql {

namespace {

InputValueDef input(std::string name, TypeRef type, std::string description) {
    return InputValueDef{std::move(name), std::move(description), std::move(type), {}, {}};
}

TypeDef input_object(std::string name, std::string description) {
    TypeDef t;
    t.kind = TypeKind::input_object;
    t.name = std::move(name);
    t.description = std::move(description);
    return t;
}

}  // namespace

StreamNames::StreamNames(const Names& names)
    : batch_size(names.field("batch_size")), cursor("cursor"), initial_value(names.field("initial_value")), ordering("ordering"),
      after_sequence(names.field("after_sequence")) {}

void add_subscription_root(Api& api) {
    const auto& n = api.names;
    const auto* query = api.schema.type(api.schema.query_type);
    if (!query) return;
    TypeDef root;
    root.kind = TypeKind::object;
    root.name = "subscription_root";
    // Live queries: the query root's entity fields, same arguments and types.
    for (const auto& f : query->fields) {
        const auto it = api.query_fields.find(f.name);
        if (it == api.query_fields.end()) continue;
        root.fields.push_back(f);
        api.subscription_fields[f.name] = it->second;
    }
    const StreamNames args(n);
    const std::string ordering = n.naming() == Naming::camel ? "CursorOrdering" : "cursor_ordering";
    const std::string sequence_scalar(scalar_name(LogicalType::int64));
    bool any_stream = false;
    for (const auto& [name, e] : api.entities) {
        const auto& t = e.type_name;
        const auto field_name = n.root("", e.entity->name, "stream");
        if (e.primary_key.empty() || query->field(field_name) || root.field(field_name)) continue;  // rows are told apart by their key
        TypeDef value = input_object(n.derived(t, "stream_cursor_value_input"), "Initial value of the column from where the streaming should start");
        for (const auto& [column, info] : e.columns)
            if (is_orderable(info->type.type)) value.input_fields.push_back(input(column, TypeRef::named(std::string(scalar_name(info->type.type))), {}));
        if (value.input_fields.empty() || api.schema.type(value.name)) continue;
        TypeDef cursor = input_object(n.derived(t, "stream_cursor_input"), "Streaming cursor of the table \"" + t + "\"");
        cursor.input_fields.push_back(input(args.initial_value, TypeRef::named(value.name).non_null(), "Stream column input with initial value"));
        cursor.input_fields.push_back(input(args.ordering, TypeRef::named(ordering), "cursor ordering"));
        cursor.input_fields.push_back(input(args.after_sequence, TypeRef::named(sequence_scalar),
                                            "Resume: the changes after this change-bus sequence (a message's extensions.rex.sequence), "
                                            "instead of the rows from initial_value"));
        if (api.schema.type(cursor.name)) continue;
        FieldDef f;
        f.name = field_name;
        f.description = "fetch data from the table in a streaming manner: \"" + t + "\"";
        f.type = TypeRef::named(t).non_null().list().non_null();
        f.arguments.push_back(input(args.batch_size, TypeRef::named("Int").non_null(), "maximum number of rows returned in a single batch"));
        f.arguments.push_back(input(args.cursor, TypeRef::named(cursor.name).list().non_null(), "cursor to stream the results returned by the query"));
        f.arguments.push_back(input("where", TypeRef::named(n.derived(t, "bool_exp")), "filter the rows returned"));
        api.schema.add_type(std::move(value));
        api.schema.add_type(std::move(cursor));
        root.fields.push_back(std::move(f));
        api.subscription_fields[field_name] = RootField{RootKind::stream, &e};
        any_stream = true;
    }
    if (any_stream) {
        if (!api.schema.type(sequence_scalar)) {
            TypeDef scalar;
            scalar.kind = TypeKind::scalar;
            scalar.name = sequence_scalar;
            api.schema.add_type(std::move(scalar));
        }
        if (!api.schema.type(ordering)) {
            TypeDef e;
            e.kind = TypeKind::enum_type;
            e.name = ordering;
            e.description = "ordering argument of a cursor";
            e.enum_values.push_back({"ASC", "ascending ordering of the cursor", {}});
            e.enum_values.push_back({"DESC", "descending ordering of the cursor", {}});
            api.schema.add_type(std::move(e));
        }
    }
    if (root.fields.empty()) return;
    api.schema.add_type(std::move(root));
    api.schema.subscription_type = "subscription_root";
}

}  // namespace rex::graphql

#include "custom/custom_fields.hpp"

#include "api/api.hpp"
#include "custom/resolve.hpp"
#include "sql/writer.hpp"

#include <rex/sdk/error.hpp>

#include <algorithm>
#include <array>

namespace rex::graphql {

namespace {

// The scalars of the API's columns: a custom field may use one that no column does.
constexpr std::array<std::string_view, 8> rex_scalars{"bigint", "numeric", "date", "time", "timestamptz", "uuid", "bytea", "jsonb"};

bool is_name(std::string_view s) {
    if (s.empty() || s.starts_with("__")) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

class Definition {
public:
    Definition(Api& api, ResolverOperation operation, std::string name, std::string where)
        : api_(api), operation_(operation), name_(std::move(name)), where_(std::move(where)) {}

    [[noreturn]] void fail(const std::string& problem) const {
        raise({ErrorCategory::configuration, "custom " + std::string(to_string(operation_)) + " field '" + name_ + "'" + where_ + ": " + problem, {}, {}});
    }

    // "[track!]!" -> TypeRef; the named type must exist (or be a Rex scalar, added here, or an
    // entity named by its catalog name or its PascalCase type name).
    TypeRef type(std::string_view text, bool input, std::string* entity = nullptr) const {
        std::vector<TypeWrapper> wrappers;  // outermost first
        const auto t = unwrap(text, text, wrappers);
        if (!is_name(t)) fail("type '" + std::string(text) + "' is not a GraphQL type");
        std::string name(t);
        const auto* def = api_.schema.type(name);
        if (!def && !input) {
            for (const auto& [entity_name, e] : api_.entities)
                if (entity_name == name || Names(Naming::camel).type(entity_name) == name) name = e.type_name;
            def = api_.schema.type(name);
        }
        if (!def) {
            for (auto s : rex_scalars)
                if (s == name) {
                    TypeDef scalar;
                    scalar.kind = TypeKind::scalar;
                    scalar.name = name;
                    api_.schema.add_type(std::move(scalar));
                    def = api_.schema.type(name);
                }
        }
        if (!def) fail("unknown type '" + name + "'");
        if (input && def->kind != TypeKind::scalar && def->kind != TypeKind::enum_type && def->kind != TypeKind::input_object)
            fail("argument type '" + name + "' is not an input type");
        if (!input && def->kind == TypeKind::input_object) fail("result type '" + name + "' is an input type");
        if (entity && def->kind == TypeKind::object) {
            for (const auto& [entity_name, e] : api_.entities)
                if (e.type_name == name) *entity = entity_name;
        }
        TypeRef out = TypeRef::named(std::move(name));
        for (auto it = wrappers.rbegin(); it != wrappers.rend(); ++it) out = out.wrapped(*it);
        return out;
    }

    void argument(CustomField& field, const std::string& name, const std::string& type_text, const std::string& description) const {
        if (!is_name(name)) fail("argument name '" + name + "' is not a GraphQL name");
        for (const auto& a : field.arguments)
            if (a.name == name) fail("argument '" + name + "' is declared twice");
        InputValueDef a;
        a.name = name;
        a.type = type(type_text, true);
        a.description = description;
        field.arguments.push_back(std::move(a));
    }

    void add(CustomField field, std::string description, TypeDef& query, TypeDef& mutation) const {
        const bool is_mutation = operation_ == ResolverOperation::mutation;
        auto& root = is_mutation ? mutation : query;
        auto& table = is_mutation ? api_.custom_mutation_fields : api_.custom_query_fields;
        if (!is_name(name_)) fail("the name is not a GraphQL name");
        if (api_.root(is_mutation, name_)) fail("its name clashes with a generated field of " + std::string(is_mutation ? "mutation_root" : api_.schema.query_type));
        if (table.count(name_) || root.field(name_)) fail("its name clashes with another custom field");
        FieldDef def;
        def.name = name_;
        def.description = std::move(description);
        def.type = field.type;
        def.arguments = field.arguments;
        root.fields.push_back(std::move(def));
        field.name = name_;
        field.operation = operation_;
        table.emplace(name_, std::move(field));
    }

private:
    // Peels `!` and `[...]` off `t`, outermost first; returns the named type's text.
    std::string_view unwrap(std::string_view text, std::string_view t, std::vector<TypeWrapper>& wrappers) const {
        while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
        while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
        if (t.ends_with('!')) {
            wrappers.push_back(TypeWrapper::non_null);
            t.remove_suffix(1);
            if (t.ends_with('!')) fail("type '" + std::string(text) + "' is not a GraphQL type");
        }
        if (t.starts_with('[') && t.ends_with(']')) {
            wrappers.push_back(TypeWrapper::list);
            return unwrap(text, t.substr(1, t.size() - 2), wrappers);
        }
        return t;
    }

    Api& api_;
    ResolverOperation operation_;
    std::string name_;
    std::string where_;
};

}  // namespace

bool CustomField::offered_to(std::string_view role) const {
    const auto* roles = resolver ? &resolver->roles : query ? &query->roles : nullptr;
    return roles && std::find(roles->begin(), roles->end(), role) != roles->end();
}

void add_custom_fields(Api& api, const std::vector<std::shared_ptr<const Resolver>>& resolvers,
                       const std::vector<std::shared_ptr<const SqlQueryDef>>& queries, TypeDef& query, TypeDef& mutation) {
    for (const auto& r : resolvers) {
        const Definition d(api, r->operation, r->name, "");
        CustomField field;
        field.type = d.type(r->returns, false, &field.entity);
        for (const auto& a : r->arguments) d.argument(field, a.name, a.type, a.description);
        field.resolver = r;
        d.add(std::move(field), r->description, query, mutation);
    }
    for (const auto& q : queries) {
        const Definition d(api, ResolverOperation::query, q->name, " (" + q->origin + ")");
        CustomField field;
        field.type = d.type(q->returns, false, &field.entity);
        const auto* def = api.schema.type(field.type.name);
        if (def->kind == TypeKind::object && field.entity.empty()) d.fail("result type '" + field.type.name + "' is neither a scalar nor an entity's type");
        if (std::count(field.type.wrappers.begin(), field.type.wrappers.end(), TypeWrapper::list) > 1)
            d.fail("result type '" + q->returns + "' nests lists: an SQL query returns one list of rows");
        for (const auto& [name, type] : q->arguments) d.argument(field, name, type, {});
        std::vector<std::pair<std::string, Value>> declared;
        for (const auto& a : field.arguments) declared.emplace_back(a.name, Value());
        try {
            bind_named(q->sql, declared, [](const Value&) { return std::string("?"); });
        } catch (const InputError& e) {
            d.fail(e.what());
        }
        field.query = q;
        d.add(std::move(field), q->description, query, mutation);
    }
}

}  // namespace rex::graphql

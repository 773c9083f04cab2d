#include "prepare.hpp"

#include "coerce.hpp"
#include "document_cache.hpp"
#include "introspection/meta_fields.hpp"
#include "parser.hpp"
#include "validation/validate.hpp"

#include <algorithm>
#include <unordered_map>

namespace rex::graphql {

namespace {

GraphqlError error(std::string message, std::string code, std::vector<SourceLocation> locations = {}) {
    GraphqlError e;
    e.message = std::move(message);
    e.locations = std::move(locations);
    e.code = std::move(code);
    return e;
}

CheckedDocument check(const Schema& schema, std::string_view text, std::size_t max_tokens) {
    CheckedDocument checked;
    auto parsed = parse_document(text, ParseOptions{max_tokens});
    if (auto* e = std::get_if<GraphqlError>(&parsed)) {
        checked.errors.push_back(std::move(*e));
        return checked;
    }
    checked.document = std::move(std::get<ast::Document>(parsed));
    checked.errors = validate(schema, checked.document);
    return checked;
}

const ast::Operation* select_operation(const ast::Document& doc, const std::optional<std::string>& name,
                                       std::vector<GraphqlError>& errors) {
    if (name && !name->empty()) {
        for (const auto& op : doc.operations)
            if (op.name == *name) return &op;
        errors.push_back(error("Unknown operation named \"" + *name + "\".", "BAD_USER_INPUT"));
        return nullptr;
    }
    if (doc.operations.size() == 1) return &doc.operations.front();
    errors.push_back(error(doc.operations.empty() ? "Must provide an operation."
                                                  : "Must provide operation name if query contains multiple operations.",
                           "BAD_USER_INPUT"));
    return nullptr;
}

// Spec 6.1.2 CoerceVariableValues.
bool coerce_variables(const Schema& schema, const ast::Operation& op, const InputValue& given, VariableValues& out,
                      std::vector<GraphqlError>& errors) {
    const InputObject* provided = given.as_object();
    if (!given.is_null() && !provided) {
        errors.push_back(error("Variables must be provided as an Object where each property is a variable value.",
                               "BAD_USER_INPUT"));
        return false;
    }
    for (const auto& def : op.variables) {
        const InputValue* value = given.field(def.name);
        std::string message, path;
        if (!value) {
            if (def.default_value) {
                InputValue v;
                if (coerce_value({schema, &out}, def.type, *def.default_value, v, message, path) == Coerced::value)
                    out.emplace_back(def.name, std::move(v));
            } else if (def.type.is_non_null()) {
                errors.push_back(error("Variable \"$" + def.name + "\" of required type \"" + def.type.to_string() +
                                           "\" was not provided.",
                                       "BAD_USER_INPUT", {def.location}));
            }
            continue;
        }
        if (value->is_null() && def.type.is_non_null()) {
            errors.push_back(error("Variable \"$" + def.name + "\" of non-null type \"" + def.type.to_string() +
                                       "\" must not be null.",
                                   "BAD_USER_INPUT", {def.location}));
            continue;
        }
        InputValue v;
        if (coerce_value({schema, nullptr}, def.type, *value, v, message, path) == Coerced::error) {
            std::string at = path.empty() ? "" : " at \"" + def.name + path + "\"";
            errors.push_back(error("Variable \"$" + def.name + "\" got invalid value " + print_value(*value) + at +
                                       "; " + message,
                                   "BAD_USER_INPUT", {def.location}));
            continue;
        }
        out.emplace_back(def.name, std::move(v));
    }
    return errors.empty();
}

using FieldGroups = std::vector<std::pair<std::string_view, std::vector<const ast::Selection*>>>;

class Collector {
public:
    Collector(const Schema& schema, const ast::Document& doc, const VariableValues& vars, const Limits& limits,
              std::vector<GraphqlError>& errors)
        : schema_(schema), vars_(vars), limits_(limits), errors_(errors) {
        for (const auto& f : doc.fragments) fragments_.emplace(f.name, &f);
    }

    bool build_root(const TypeDef& root, const ast::SelectionSet& set, std::vector<SelectedField>& out) {
        FieldGroups groups;
        std::vector<std::string_view> visited;
        collect(root, set, groups, visited, 0);
        return !too_nested_ && build(root, groups, out, 1);
    }

private:
    bool variable_bool(const InputValue& v, bool& out) const {
        if (const bool* b = v.as_bool()) {
            out = *b;
            return true;
        }
        if (const auto* ref = v.as_variable())
            for (const auto& [name, value] : vars_)
                if (name == ref->name && value.as_bool()) {
                    out = *value.as_bool();
                    return true;
                }
        return false;
    }

    // @skip(if:) and @include(if:)
    bool included(const std::vector<ast::Directive>& directives) const {
        for (const auto& d : directives) {
            if (d.name != "skip" && d.name != "include") continue;
            for (const auto& a : d.arguments) {
                bool b = false;
                if (a.name == "if" && variable_bool(a.value, b) && b == (d.name == "skip")) return false;
            }
        }
        return true;
    }

    bool applies(const TypeDef& object, const std::string& condition) const {
        if (condition.empty() || condition == object.name) return true;
        const TypeDef* t = schema_.type(condition);
        if (!t) return false;
        if (t->kind == TypeKind::interface_type)
            return std::find(object.interfaces.begin(), object.interfaces.end(), condition) != object.interfaces.end();
        if (t->kind == TypeKind::union_type)
            return std::find(t->possible_types.begin(), t->possible_types.end(), object.name) != t->possible_types.end();
        return false;
    }

    // Spec 6.3.2 CollectFields.
    void collect(const TypeDef& type, const ast::SelectionSet& set, FieldGroups& groups,
                 std::vector<std::string_view>& visited, std::size_t nesting) {
        if (nesting > max_fragment_nesting) {  // a long chain of fragments spreading fragments
            if (!too_nested_)
                errors_.push_back(error("Fragments are nested deeper than " + std::to_string(max_fragment_nesting) +
                                            " levels.",
                                        "limit-exceeded", {set.front().location}));
            too_nested_ = true;
            return;
        }
        for (const auto& s : set) {
            if (!included(s.directives)) continue;
            switch (s.kind) {
                case ast::Selection::Kind::field: {
                    auto key = std::string_view(s.response_key());
                    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == key; });
                    if (it == groups.end()) groups.push_back({key, {&s}});
                    else it->second.push_back(&s);
                    break;
                }
                case ast::Selection::Kind::fragment_spread: {
                    if (std::find(visited.begin(), visited.end(), s.name) != visited.end()) break;
                    visited.push_back(s.name);
                    auto it = fragments_.find(s.name);
                    if (it == fragments_.end() || !applies(type, it->second->type_condition)) break;
                    collect(type, it->second->selection, groups, visited, nesting + 1);
                    break;
                }
                case ast::Selection::Kind::inline_fragment:
                    if (applies(type, s.type_condition)) collect(type, s.selection, groups, visited, nesting + 1);
                    break;
            }
        }
    }

    bool arguments(const FieldDef& def, const ast::Selection& node, SelectedField& out) {
        for (const auto& arg : def.arguments) {
            const ast::Argument* given = nullptr;
            for (const auto& a : node.arguments)
                if (a.name == arg.name) given = &a;
            InputValue value;
            Coerced c = Coerced::absent;
            if (given) {
                std::string message, path;
                c = coerce_value({schema_, &vars_}, arg.type, given->value, value, message, path);
                if (c == Coerced::error) {
                    errors_.push_back(error("Argument \"" + arg.name + "\" has invalid value " +
                                                print_value(given->value) + ": " + message,
                                            "BAD_USER_INPUT", {given->value_location}));
                    return false;
                }
            }
            if (c == Coerced::absent) {
                if (arg.default_value) {
                    value = *arg.default_value;
                } else if (arg.type.is_non_null()) {
                    errors_.push_back(error("Argument \"" + arg.name + "\" of required type \"" +
                                                arg.type.to_string() + "\" was not provided a runtime value.",
                                            "BAD_USER_INPUT", {node.location}));
                    return false;
                } else {
                    continue;
                }
            }
            out.arguments.emplace_back(arg.name, std::move(value));
        }
        return true;
    }

    bool build(const TypeDef& type, const FieldGroups& groups, std::vector<SelectedField>& out,
               std::size_t depth) {
        if (depth > limits_.max_depth) {
            errors_.push_back(error("The query is nested deeper than the limit of " + std::to_string(limits_.max_depth) +
                                        " levels.",
                                    "limit-exceeded", {groups.front().second.front()->location}));
            return false;
        }
        out.reserve(groups.size());
        for (const auto& [key, nodes] : groups) {
            const ast::Selection& first = *nodes.front();
            const FieldDef* def = find_field(schema_, type, first.name);
            if (!def) continue;  // validation reported it; unreachable for a valid document
            if (++fields_ > limits_.max_fields) {
                errors_.push_back(error("The query selects more than " + std::to_string(limits_.max_fields) +
                                            " fields once its fragments are expanded.",
                                        "limit-exceeded", {first.location}));
                return false;
            }
            if (!first.alias.empty() && ++aliases_ > limits_.max_aliases) {
                errors_.push_back(error("The query has more than " + std::to_string(limits_.max_aliases) + " aliases.",
                                        "limit-exceeded", {first.location}));
                return false;
            }
            SelectedField field;
            field.response_key = std::string(key);
            field.name = first.name;
            field.definition = def == &typename_meta_field() ? nullptr : def;
            field.parent_type = type.name;
            field.location = first.location;
            if (!arguments(*def, first, field)) return false;
            const TypeDef* result = schema_.type(def->type.name);
            if (result && (result->kind == TypeKind::object || result->kind == TypeKind::interface_type ||
                           result->kind == TypeKind::union_type)) {
                FieldGroups sub;
                std::vector<std::string_view> visited;
                for (const auto* n : nodes) collect(*result, n->selection, sub, visited, 0);
                if (too_nested_) return false;
                if (!sub.empty() && !build(*result, sub, field.selection, depth + 1)) return false;
            }
            out.push_back(std::move(field));
        }
        return true;
    }

    const Schema& schema_;
    const VariableValues& vars_;
    const Limits& limits_;
    std::vector<GraphqlError>& errors_;
    std::unordered_map<std::string_view, const ast::Fragment*> fragments_;
    std::size_t fields_ = 0;
    std::size_t aliases_ = 0;
    bool too_nested_ = false;
    static constexpr std::size_t max_fragment_nesting = 1000;
};

}  // namespace

PrepareResult prepare(const Schema& schema, const GraphqlRequest& request, const Limits& limits) {
    PrepareResult result;
    auto checked = cached_document(schema, request.query, [&] { return check(schema, request.query, limits.max_tokens); });
    if (!checked->errors.empty()) {
        result.errors = checked->errors;
        return result;
    }
    const ast::Document& doc = checked->document;
    if (doc.token_count > limits.max_tokens) {  // cached under a larger limit
        result.errors.push_back(error("Syntax Error: Document contains more than " + std::to_string(limits.max_tokens) +
                                          " tokens. Parsing aborted.",
                                      "GRAPHQL_PARSE_FAILED"));
        return result;
    }
    const ast::Operation* op = select_operation(doc, request.operation_name, result.errors);
    if (!op) return result;
    const std::string* root_name = op->kind == OperationKind::query      ? &schema.query_type
                                   : op->kind == OperationKind::mutation ? schema.mutation_type ? &*schema.mutation_type : nullptr
                                   : schema.subscription_type            ? &*schema.subscription_type
                                                                         : nullptr;
    const TypeDef* root = root_name ? schema.type(*root_name) : nullptr;
    if (!root) {
        static constexpr const char* kinds[] = {"query", "mutation", "subscription"};
        result.errors.push_back(error(std::string("The ") + kinds[static_cast<int>(op->kind)] +
                                          " operation is not supported by the schema.",
                                      "GRAPHQL_VALIDATION_FAILED", {op->location}));
        return result;
    }
    VariableValues variables;
    if (!coerce_variables(schema, *op, request.variables, variables, result.errors)) return result;
    PreparedOperation prepared;
    prepared.kind = op->kind;
    prepared.name = op->name;
    Collector collector(schema, doc, variables, limits, result.errors);
    if (!collector.build_root(*root, op->selection, prepared.fields)) return result;
    if (!limits.introspection)
        for (const auto& f : prepared.fields)
            if (f.name == "__schema" || f.name == "__type") {
                result.errors.push_back(error("GraphQL introspection is not allowed, but the query contained " + f.name +
                                                  ".",
                                              "GRAPHQL_VALIDATION_FAILED", {f.location}));
                return result;
            }
    result.operation = std::move(prepared);
    return result;
}

}  // namespace rex::graphql

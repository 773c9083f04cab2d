#include "validate.hpp"

#include "introspection/meta_fields.hpp"
#include "language/parser.hpp"
#include "overlapping_fields.hpp"
#include "suggestions.hpp"
#include "type_utils.hpp"

#include <charconv>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace rex::graphql {

namespace {

struct TooManyErrors {};

// A variable used somewhere, with the type its position expects (unknown: `type` nullptr).
struct VariableUsage {
    std::string_view name;
    const TypeRef* type = nullptr;
    std::size_t wrapper = 0;  // the position's type is type->wrappers[wrapper..]
    bool has_location_default = false;
    SourceLocation location;
};

// What one operation or fragment uses: its variables and the fragments it spreads.
struct DefinitionUses {
    std::vector<VariableUsage> variables;
    std::vector<std::string_view> spreads;  // each spread, in order (duplicates kept)
};

class Validator {
public:
    Validator(const Schema& schema, const ast::Document& doc, std::size_t max_errors)
        : schema_(schema), doc_(doc), max_errors_(max_errors),
          overlap_(schema, fragments_, [this](std::string m, std::vector<SourceLocation> l) {
              report(std::move(m), std::move(l));
          }) {
        for (const auto& f : doc.fragments) fragments_.emplace(f.name, &f);
    }

    std::vector<GraphqlError> run() {
        try {
            definitions();
            std::vector<DefinitionUses> op_uses(doc_.operations.size());
            std::vector<DefinitionUses> frag_uses(doc_.fragments.size());
            for (std::size_t i = 0; i < doc_.operations.size(); ++i) operation(doc_.operations[i], op_uses[i]);
            for (std::size_t i = 0; i < doc_.fragments.size(); ++i) fragment(doc_.fragments[i], frag_uses[i]);
            // Merging is checked once fragments are known to be acyclic: through a cycle, comparing
            // sub-selections would never end (the cycle is already an error).
            if (!fragment_cycles(frag_uses))
                for (const auto& [parent, set] : merge_checks_) overlap_.check(parent, *set);
            std::unordered_map<std::string_view, const DefinitionUses*> uses_by_fragment;
            for (std::size_t i = 0; i < doc_.fragments.size(); ++i)
                uses_by_fragment.emplace(doc_.fragments[i].name, &frag_uses[i]);
            std::unordered_set<std::string_view> used_fragments;
            for (std::size_t i = 0; i < doc_.operations.size(); ++i)
                operation_variables(doc_.operations[i], op_uses[i], uses_by_fragment, used_fragments);
            for (const auto& f : doc_.fragments)
                if (!used_fragments.count(f.name)) report("Fragment \"" + f.name + "\" is never used.", {f.location});
        } catch (const TooManyErrors&) {
            errors_.push_back(error("Too many validation errors, error limit reached. Validation aborted.", {}));
        }
        return std::move(errors_);
    }

private:
    static GraphqlError error(std::string message, std::vector<SourceLocation> locations) {
        GraphqlError e;
        e.message = std::move(message);
        e.locations = std::move(locations);
        e.code = "GRAPHQL_VALIDATION_FAILED";
        return e;
    }

    void report(std::string message, std::vector<SourceLocation> locations) {
        if (errors_.size() >= max_errors_) throw TooManyErrors{};
        errors_.push_back(error(std::move(message), std::move(locations)));
    }

    // 5.1.1, 5.2.1.1, 5.2.2.1, 5.5.1.1
    void definitions() {
        for (const auto& d : doc_.non_executable)
            report("The " + d.description + " definition is not executable.", {d.location});
        std::unordered_map<std::string_view, SourceLocation> names;
        for (const auto& op : doc_.operations) {
            if (op.name.empty()) {
                if (doc_.operations.size() > 1)
                    report("This anonymous operation must be the only defined operation.", {op.location});
                continue;
            }
            auto [it, fresh] = names.emplace(op.name, op.location);
            if (!fresh) report("There can be only one operation named \"" + op.name + "\".", {it->second, op.location});
        }
        names.clear();
        for (const auto& f : doc_.fragments) {
            auto [it, fresh] = names.emplace(f.name, f.location);
            if (!fresh) report("There can be only one fragment named \"" + f.name + "\".", {it->second, f.location});
        }
    }

    const TypeDef* root_type(OperationKind kind) const {
        const std::string* name = kind == OperationKind::query      ? &schema_.query_type
                                  : kind == OperationKind::mutation ? (schema_.mutation_type ? &*schema_.mutation_type : nullptr)
                                  : schema_.subscription_type       ? &*schema_.subscription_type
                                                                    : nullptr;
        return name ? schema_.type(*name) : nullptr;
    }

    void operation(const ast::Operation& op, DefinitionUses& uses) {
        static constexpr const char* kinds[] = {"query", "mutation", "subscription"};
        static constexpr DirectiveLocation locations[] = {DirectiveLocation::query, DirectiveLocation::mutation,
                                                          DirectiveLocation::subscription};
        const TypeDef* root = root_type(op.kind);
        if (!root)
            report(std::string("The ") + kinds[static_cast<int>(op.kind)] + " operation is not supported by the schema.",
                   {op.location});
        std::unordered_map<std::string_view, SourceLocation> seen;
        for (const auto& v : op.variables) {
            auto [it, fresh] = seen.emplace(v.name, v.location);
            if (!fresh) report("There can be only one variable named \"$" + v.name + "\".", {it->second, v.location});
            const TypeDef* t = schema_.type(v.type.name);
            if (!t) report("Unknown type \"" + v.type.name + "\"." + type_suggestion(v.type.name), {v.type_location});
            else if (!is_input(t))
                report("Variable \"$" + v.name + "\" cannot be non-input type \"" + v.type.to_string() + "\".",
                       {v.type_location});
            if (v.default_value && is_input(t)) value(*v.default_value, &v.type, 0, 0, false, v.default_location, uses);
            directives(v.directives, DirectiveLocation::variable_definition, uses);
        }
        directives(op.directives, locations[static_cast<int>(op.kind)], uses);
        if (op.kind == OperationKind::subscription && root) single_root_field(op, *root);
        selection_set(root, op.selection, uses);
    }

    // 5.2.3.1: a subscription selects one root field, not an introspection one.
    void single_root_field(const ast::Operation& op, const TypeDef& root) {
        std::vector<std::pair<std::string_view, std::vector<const ast::Selection*>>> fields;
        std::set<std::string_view> visited;
        collect_root(root, op.selection, fields, visited, 0);
        std::string who = op.name.empty() ? "Anonymous Subscription" : "Subscription \"" + op.name + "\"";
        if (fields.size() > 1) {
            std::vector<SourceLocation> extra;
            for (std::size_t i = 1; i < fields.size(); ++i)
                for (const auto* n : fields[i].second) extra.push_back(n->location);
            report(who + " must select only one top level field.", std::move(extra));
        }
        for (const auto& [key, nodes] : fields)
            if (nodes.front()->name.starts_with("__"))
                report(who + " must not select an introspection top level field.", {nodes.front()->location});
    }

    void collect_root(const TypeDef& root, const ast::SelectionSet& set,
                      std::vector<std::pair<std::string_view, std::vector<const ast::Selection*>>>& fields,
                      std::set<std::string_view>& visited, std::size_t depth) {
        if (depth > 500) return;
        for (const auto& s : set) {
            if (!literally_included(s.directives)) continue;
            if (s.kind == ast::Selection::Kind::field) {
                std::string_view key = s.response_key();
                auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == key; });
                if (it == fields.end()) fields.push_back({key, {&s}});
                else it->second.push_back(&s);
            } else if (s.kind == ast::Selection::Kind::fragment_spread) {
                auto it = fragments_.find(s.name);
                if (it == fragments_.end() || !visited.insert(s.name).second) continue;
                if (condition_applies(root, it->second->type_condition))
                    collect_root(root, it->second->selection, fields, visited, depth + 1);
            } else if (condition_applies(root, s.type_condition)) {
                collect_root(root, s.selection, fields, visited, depth + 1);
            }
        }
    }

    bool condition_applies(const TypeDef& object, const std::string& condition) const {
        if (condition.empty()) return true;
        const TypeDef* t = schema_.type(condition);
        return t && is_possible_type(schema_, *t, object);
    }

    // @skip/@include with literal arguments (no variables are known at validation).
    static bool literally_included(const std::vector<ast::Directive>& directives) {
        for (const auto& d : directives) {
            if (d.name != "skip" && d.name != "include") continue;
            for (const auto& a : d.arguments)
                if (const bool* b = a.value.as_bool(); a.name == "if" && b && *b == (d.name == "skip")) return false;
        }
        return true;
    }

    void fragment(const ast::Fragment& f, DefinitionUses& uses) {
        const TypeDef* t = schema_.type(f.type_condition);
        if (!t) report("Unknown type \"" + f.type_condition + "\"." + type_suggestion(f.type_condition), {f.type_location});
        else if (!is_composite(t))
            report("Fragment \"" + f.name + "\" cannot condition on non composite type \"" + f.type_condition + "\".",
                   {f.type_location});
        directives(f.directives, DirectiveLocation::fragment_definition, uses);
        selection_set(is_composite(t) ? t : nullptr, f.selection, uses);
    }

    void selection_set(const TypeDef* parent, const ast::SelectionSet& set, DefinitionUses& uses) {
        for (const auto& s : set) {
            switch (s.kind) {
                case ast::Selection::Kind::field: field(parent, s, uses); break;
                case ast::Selection::Kind::fragment_spread: spread(parent, s, uses); break;
                case ast::Selection::Kind::inline_fragment: inline_fragment(parent, s, uses); break;
            }
        }
        merge_checks_.emplace_back(parent, &set);
    }

    void field(const TypeDef* parent, const ast::Selection& s, DefinitionUses& uses) {
        const FieldDef* def = parent ? find_field(schema_, *parent, s.name) : nullptr;
        if (parent && !def)
            report("Cannot query field \"" + s.name + "\" on type \"" + parent->name + "\"." + field_suggestion(*parent, s.name),
                   {s.location});
        arguments(s.arguments, def ? &def->arguments : nullptr, uses, [&] {
            return "on field \"" + parent->name + "." + def->name + "\"";
        });
        if (def) required_arguments(def->arguments, s.arguments, "Field \"" + def->name + "\"", s.location);
        directives(s.directives, DirectiveLocation::field, uses);
        const TypeDef* type = def ? schema_.type(def->type.name) : nullptr;
        if (def && is_leaf(type) && !s.selection.empty())
            report("Field \"" + s.name + "\" must not have a selection since type \"" + def->type.to_string() +
                       "\" has no subfields.",
                   {s.selection.front().location});
        if (def && !is_leaf(type) && type && s.selection.empty())
            report("Field \"" + s.name + "\" of type \"" + def->type.to_string() +
                       "\" must have a selection of subfields. Did you mean \"" + s.name + " { ... }\"?",
                   {s.location});
        if (!s.selection.empty()) selection_set(is_composite(type) ? type : nullptr, s.selection, uses);
    }

    void spread(const TypeDef* parent, const ast::Selection& s, DefinitionUses& uses) {
        directives(s.directives, DirectiveLocation::fragment_spread, uses);
        uses.spreads.push_back(s.name);
        auto it = fragments_.find(s.name);
        if (it == fragments_.end()) {
            report("Unknown fragment \"" + s.name + "\".", {s.location});
            return;
        }
        const TypeDef* t = schema_.type(it->second->type_condition);
        if (parent && is_composite(t) && !types_overlap(schema_, *t, *parent))
            report("Fragment \"" + s.name + "\" cannot be spread here as objects of type \"" + parent->name +
                       "\" can never be of type \"" + t->name + "\".",
                   {s.location});
    }

    void inline_fragment(const TypeDef* parent, const ast::Selection& s, DefinitionUses& uses) {
        const TypeDef* t = parent;
        if (!s.type_condition.empty()) {
            t = schema_.type(s.type_condition);
            if (!t) {
                report("Unknown type \"" + s.type_condition + "\"." + type_suggestion(s.type_condition), {s.location});
            } else if (!is_composite(t)) {
                report("Fragment cannot condition on non composite type \"" + s.type_condition + "\".", {s.location});
                t = nullptr;
            } else if (parent && !types_overlap(schema_, *t, *parent)) {
                report("Fragment cannot be spread here as objects of type \"" + parent->name +
                           "\" can never be of type \"" + t->name + "\".",
                       {s.location});
            }
        }
        directives(s.directives, DirectiveLocation::inline_fragment, uses);
        selection_set(t, s.selection, uses);
    }

    // Known argument names, unique names, and their values (5.4.1, 5.4.2, 5.6.1).
    template <class Where>
    void arguments(const std::vector<ast::Argument>& given, const std::vector<InputValueDef>* defs, DefinitionUses& uses,
                   Where where) {
        for (std::size_t i = 0; i < given.size(); ++i) {
            const auto& a = given[i];
            for (std::size_t j = 0; j < i; ++j)
                if (given[j].name == a.name) {
                    report("There can be only one argument named \"" + a.name + "\".", {given[j].location, a.location});
                    break;
                }
            const InputValueDef* def = nullptr;
            if (defs)
                for (const auto& d : *defs)
                    if (d.name == a.name) def = &d;
            if (defs && !def) {
                std::vector<std::string_view> names;
                for (const auto& d : *defs) names.push_back(d.name);
                report("Unknown argument \"" + a.name + "\" " + where() + "." + did_you_mean(suggestion_list(a.name, names)),
                       {a.location});
            }
            if (def && schema_.type(def->type.name))
                value(a.value, &def->type, 0, 0, def->default_value.has_value(), a.value_location, uses);
            else
                untyped_usages(a.value, a.value_location, uses);
        }
    }

    void required_arguments(const std::vector<InputValueDef>& defs, const std::vector<ast::Argument>& given,
                            const std::string& owner, SourceLocation at) {
        for (const auto& d : defs) {
            if (!d.type.is_non_null() || d.default_value) continue;
            bool present = false;
            for (const auto& a : given) present = present || a.name == d.name;
            if (!present)
                report(owner + " argument \"" + d.name + "\" of type \"" + d.type.to_string() +
                           "\" is required, but it was not provided.",
                       {at});
        }
    }

    // 5.7.1 defined, 5.7.2 in valid locations, 5.7.3 unique per location; their arguments.
    void directives(const std::vector<ast::Directive>& list, DirectiveLocation location, DefinitionUses& uses) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto& d = list[i];
            const DirectiveDef* def = schema_.directive(d.name);
            if (!def) {
                report("Unknown directive \"@" + d.name + "\".", {d.location});
            } else {
                if (std::find(def->locations.begin(), def->locations.end(), location) == def->locations.end())
                    report("Directive \"@" + d.name + "\" may not be used on " + std::string(to_string(location)) + ".",
                           {d.location});
                if (!def->repeatable)
                    for (std::size_t j = 0; j < i; ++j)
                        if (list[j].name == d.name) {
                            report("The directive \"@" + d.name + "\" can only be used once at this location.",
                                   {list[j].location, d.location});
                            break;
                        }
                required_arguments(def->arguments, d.arguments, "Directive \"@" + d.name + "\"", d.location);
            }
            arguments(d.arguments, def ? &def->arguments : nullptr, uses,
                      [&] { return "on directive \"@" + d.name + "\""; });
        }
    }

    // Variables inside a value whose type is unknown: still used (5.8.4), never type-checked.
    void untyped_usages(const InputValue& v, SourceLocation at, DefinitionUses& uses) {
        if (const auto* var = v.as_variable()) uses.variables.push_back({var->name, nullptr, 0, false, at});
        else if (const auto* l = v.as_list())
            for (const auto& item : *l) untyped_usages(item, at, uses);
        else if (const auto* o = v.as_object())
            for (const auto& [k, item] : *o) untyped_usages(item, at, uses);
    }

    // 5.6.1 Values of Correct Type (and 5.6.3 input object required fields, 5.6.2 field names,
    // unique input field names). `w` is where this value's position starts in `type`'s wrappers;
    // `position` where the literal's own position starts (a single value for a list checks its
    // items' type, but messages name the position's type).
    void value(const InputValue& v, const TypeRef* type, std::size_t w, std::size_t position, bool has_default,
               SourceLocation at, DefinitionUses& uses) {
        if (const auto* var = v.as_variable()) {
            uses.variables.push_back({var->name, type, w, has_default, at});
            return;
        }
        bool non_null = w < type->wrappers.size() && type->wrappers[w] == TypeWrapper::non_null;
        if (v.is_null()) {
            if (non_null && position == w) report("Expected value of type \"" + type_text(*type, w) + "\", found null.", {at});
            return;
        }
        if (non_null) ++w;
        if (w < type->wrappers.size()) {  // a list position
            if (const auto* list = v.as_list()) {
                for (const auto& item : *list) value(item, type, w + 1, w + 1, false, at, uses);
            } else {
                value(v, type, w + 1, position, false, at, uses);
            }
            return;
        }
        const TypeDef* def = schema_.type(type->name);
        if (!def) {  // a schema naming a type it lacks: nothing to check against
            untyped_usages(v, at, uses);
            return;
        }
        std::string position_type = type_text(*type, position);
        if (def->kind == TypeKind::input_object) {
            const auto* obj = v.as_object();
            if (!obj) {
                report("Expected value of type \"" + position_type + "\", found " + print_value(v) + ".", {at});
                untyped_usages(v, at, uses);
                return;
            }
            for (std::size_t i = 0; i < obj->size(); ++i) {
                const auto& [name, field_value] = (*obj)[i];
                for (std::size_t j = 0; j < i; ++j)
                    if ((*obj)[j].first == name) {
                        report("There can be only one input field named \"" + name + "\".", {at});
                        break;
                    }
                const InputValueDef* f = def->input_field(name);
                if (!f) {
                    report("Field \"" + name + "\" is not defined by type \"" + def->name + "\"." + input_field_suggestion(*def, name), {at});
                    untyped_usages(field_value, at, uses);
                } else {
                    value(field_value, &f->type, 0, 0, f->default_value.has_value(), at, uses);
                }
            }
            for (const auto& f : def->input_fields)
                if (f.type.is_non_null() && !f.default_value && !v.field(f.name))
                    report("Field \"" + def->name + "." + f.name + "\" of required type \"" + f.type.to_string() +
                               "\" was not provided.",
                           {at});
            return;
        }
        if (v.as_list() || v.as_object()) untyped_usages(v, at, uses);
        std::string problem = leaf_problem(*def, v);
        if (!problem.empty()) report(std::move(problem), {at});
    }

    // Why a literal is not a value of a scalar or enum type; empty when it is.
    static std::string leaf_problem(const TypeDef& def, const InputValue& v) {
        if (def.kind == TypeKind::enum_type) {
            const auto* e = v.as_enum();
            if (!e)
                return "Enum \"" + def.name + "\" cannot represent non-enum value: " + print_value(v) + "." +
                       enum_suggestion(def, print_value(v));  // graphql-js measures the printed literal
            if (!def.enum_value(e->name))
                return "Value \"" + e->name + "\" does not exist in \"" + def.name + "\" enum." + enum_suggestion(def, e->name);
            return {};
        }
        const std::string& n = def.name;
        const auto* num = v.as_number();
        if (n == "Int") {
            if (!num || num->is_float) return "Int cannot represent non-integer value: " + print_value(v);
            std::int32_t i;
            auto [end, ec] = std::from_chars(num->text.data(), num->text.data() + num->text.size(), i);
            if (ec != std::errc() || end != num->text.data() + num->text.size())
                return "Int cannot represent non 32-bit signed integer value: " + num->text;
            return {};
        }
        if (n == "Float") return num ? std::string() : "Float cannot represent non numeric value: " + print_value(v);
        if (n == "String")
            return v.as_string() ? std::string() : "String cannot represent a non string value: " + print_value(v);
        if (n == "Boolean")
            return v.as_bool() ? std::string() : "Boolean cannot represent a non boolean value: " + print_value(v);
        if (n == "ID")
            return v.as_string() || (num && !num->is_float)
                       ? std::string()
                       : "ID cannot represent a non-string and non-integer value: " + print_value(v);
        return {};  // a custom scalar accepts any literal here; its executor checks the value
    }

    std::string type_suggestion(std::string_view name) const {
        std::vector<std::string_view> names;
        for (const auto& t : schema_.types()) names.push_back(t->name);
        return did_you_mean(suggestion_list(name, names));
    }

    static std::string input_field_suggestion(const TypeDef& type, std::string_view name) {
        std::vector<std::string_view> names;
        for (const auto& f : type.input_fields) names.push_back(f.name);
        return did_you_mean(suggestion_list(name, names));
    }

    static std::string enum_suggestion(const TypeDef& type, std::string_view name) {
        std::vector<std::string_view> names;
        for (const auto& v : type.enum_values) names.push_back(v.name);
        return did_you_mean(suggestion_list(name, names), "the enum value");
    }

    // graphql-js FieldsOnCorrectTypeRule: on an abstract type, the types that have the field (most
    // used first, interfaces before their implementations); else field names near the one asked.
    std::string field_suggestion(const TypeDef& parent, std::string_view name) const {
        if (is_abstract(&parent)) {
            std::vector<std::pair<const TypeDef*, int>> found;  // type, usage count
            auto count = [&](const TypeDef* t) {
                for (auto& [f, n] : found)
                    if (f == t) return ++n, void();
                found.emplace_back(t, 1);
            };
            for (const auto& o : schema_.types()) {
                if (o->kind != TypeKind::object || !is_possible_type(schema_, parent, *o) || !o->field(name)) continue;
                count(o.get());
                for (const auto& i : o->interfaces)
                    if (const TypeDef* it = schema_.type(i); it && it->field(name)) count(it);
            }
            std::stable_sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
                if (a.second != b.second) return a.second > b.second;
                if (a.first->kind == TypeKind::interface_type && is_possible_type(schema_, *a.first, *b.first)) return true;
                if (b.first->kind == TypeKind::interface_type && is_possible_type(schema_, *b.first, *a.first)) return false;
                return a.first->name < b.first->name;
            });
            std::vector<std::string_view> names;
            for (const auto& [t, n] : found) names.push_back(t->name);
            if (!names.empty()) return did_you_mean(names, "to use an inline fragment on");
        }
        std::vector<std::string_view> names;
        for (const auto& f : parent.fields) names.push_back(f.name);
        return did_you_mean(suggestion_list(name, names));
    }

    // 5.5.2.2 no cycles: graphql-js's depth-first search, iterative (fragment chains can be long).
    bool fragment_cycles(const std::vector<DefinitionUses>& frag_uses) {
        bool found = false;
        std::unordered_map<std::string_view, std::size_t> index;
        for (std::size_t i = 0; i < doc_.fragments.size(); ++i) index.emplace(doc_.fragments[i].name, i);
        std::vector<bool> visited(doc_.fragments.size());
        std::unordered_map<std::string_view, std::size_t> path_index;  // fragment -> its position in `path`
        for (std::size_t start = 0; start < doc_.fragments.size(); ++start) {
            if (visited[start]) continue;
            struct Frame {
                std::size_t fragment;
                std::size_t next = 0;
            };
            std::vector<Frame> stack;
            std::vector<std::string_view> path;  // the spread names followed
            auto enter = [&](std::size_t f) {
                visited[f] = true;
                if (frag_uses[f].spreads.empty()) return;
                path_index[doc_.fragments[f].name] = path.size();
                stack.push_back({f});
            };
            enter(start);
            while (!stack.empty()) {
                Frame& top = stack.back();
                const auto& spreads = frag_uses[top.fragment].spreads;
                if (top.next == spreads.size()) {
                    path_index.erase(doc_.fragments[top.fragment].name);
                    stack.pop_back();
                    if (!path.empty()) path.pop_back();
                    continue;
                }
                std::string_view name = spreads[top.next++];
                auto cycle = path_index.find(name);
                if (cycle == path_index.end()) {
                    auto target = index.find(name);
                    if (target != index.end() && !visited[target->second]) {
                        path.push_back(name);
                        std::size_t before = stack.size();
                        enter(target->second);
                        if (stack.size() == before) path.pop_back();
                    }
                    continue;
                }
                std::string via;
                for (std::size_t i = cycle->second; i < path.size(); ++i)
                    via += std::string(via.empty() ? "" : ", ") + "\"" + std::string(path[i]) + "\"";
                found = true;
                report("Cannot spread fragment \"" + std::string(name) + "\" within itself" +
                           (via.empty() ? "." : " via " + via + "."),
                       {doc_.fragments[index.at(name)].location});
            }
        }
        return found;
    }

    // 5.8.3 all variable uses defined, 5.8.4 all variables used, 5.8.5 usages allowed; and the
    // fragments reachable from operations (5.5.1.4).
    void operation_variables(const ast::Operation& op, const DefinitionUses& own,
                             const std::unordered_map<std::string_view, const DefinitionUses*>& by_fragment,
                             std::unordered_set<std::string_view>& used_fragments) {
        std::vector<const DefinitionUses*> all{&own};
        std::unordered_set<std::string_view> reached;
        for (std::size_t i = 0; i < all.size(); ++i)
            for (auto name : all[i]->spreads) {
                auto it = by_fragment.find(name);
                if (it != by_fragment.end() && reached.insert(name).second) all.push_back(it->second);
            }
        used_fragments.insert(reached.begin(), reached.end());
        std::unordered_set<std::string_view> used;
        for (const auto* u : all)
            for (const auto& usage : u->variables) {
                used.insert(usage.name);
                const ast::VariableDefinition* def = nullptr;
                for (const auto& v : op.variables)
                    if (v.name == usage.name) def = &v;
                if (!def) {
                    report(op.name.empty() ? "Variable \"$" + std::string(usage.name) + "\" is not defined."
                                           : "Variable \"$" + std::string(usage.name) + "\" is not defined by operation \"" +
                                                 op.name + "\".",
                           {usage.location, op.location});
                } else if (usage.type && schema_.type(def->type.name) &&
                           !allowed(*def, *usage.type, usage.wrapper, usage.has_location_default)) {
                    report("Variable \"$" + def->name + "\" of type \"" + def->type.to_string() +
                               "\" used in position expecting type \"" + type_text(*usage.type, usage.wrapper) + "\".",
                           {def->location, usage.location});
                }
            }
        for (const auto& v : op.variables)
            if (!used.count(v.name))
                report(op.name.empty() ? "Variable \"$" + v.name + "\" is never used."
                                       : "Variable \"$" + v.name + "\" is never used in operation \"" + op.name + "\".",
                       {v.location});
    }

    static bool allowed(const ast::VariableDefinition& var, const TypeRef& location, std::size_t w,
                        bool has_location_default) {
        bool location_non_null = w < location.wrappers.size() && location.wrappers[w] == TypeWrapper::non_null;
        if (location_non_null && !var.type.is_non_null()) {
            bool var_default = var.default_value && !var.default_value->is_null();
            if (!var_default && !has_location_default) return false;
            return sub_type(var.type, 0, location, w + 1);
        }
        return sub_type(var.type, 0, location, w);
    }

    // graphql-js isTypeSubTypeOf for input types: `sub` may be stricter (non-null) than `super`.
    static bool sub_type(const TypeRef& sub, std::size_t ws, const TypeRef& super, std::size_t wp) {
        for (;;) {
            bool s_more = ws < sub.wrappers.size(), p_more = wp < super.wrappers.size();
            if (!s_more && !p_more) return sub.name == super.name;
            if (p_more && super.wrappers[wp] == TypeWrapper::non_null) {
                if (!s_more || sub.wrappers[ws] != TypeWrapper::non_null) return false;
                ++ws, ++wp;
                continue;
            }
            if (s_more && sub.wrappers[ws] == TypeWrapper::non_null) {
                ++ws;
                continue;
            }
            if (p_more) {  // super is a list
                if (!s_more) return false;
                ++ws, ++wp;
                continue;
            }
            return false;  // sub is a list, super is not
        }
    }

    const Schema& schema_;
    const ast::Document& doc_;
    std::size_t max_errors_;
    std::unordered_map<std::string_view, const ast::Fragment*> fragments_;
    OverlappingFields overlap_;
    std::vector<std::pair<const TypeDef*, const ast::SelectionSet*>> merge_checks_;  // every selection set
    std::vector<GraphqlError> errors_;
};

}  // namespace

std::vector<GraphqlError> validate(const Schema& schema, const ast::Document& document, std::size_t max_errors) {
    return Validator(schema, document, max_errors).run();
}

}  // namespace rex::graphql

#include "introspection.hpp"

#include "language/parser.hpp"

namespace rex::graphql {

namespace {

class Writer {
public:
    Writer(const Schema& schema, std::string& out) : schema_(schema), out_(out) {}

    void schema_object(const std::vector<SelectedField>& selection) {
        object(selection, "__Schema", [&](const SelectedField& f) {
            if (f.name == "description") string_or_null(schema_.description);
            else if (f.name == "types") list(schema_.types(), [&](const auto& t) { named_type(*t, f.selection); });
            else if (f.name == "queryType") type_by_name(schema_.query_type, f.selection);
            else if (f.name == "mutationType") optional_type(schema_.mutation_type, f.selection);
            else if (f.name == "subscriptionType") optional_type(schema_.subscription_type, f.selection);
            else if (f.name == "directives") list(schema_.directives(), [&](const auto& d) { directive(d, f.selection); });
            else out_ += "null";
        });
    }

    void type_by_name(std::string_view name, const std::vector<SelectedField>& selection) {
        const TypeDef* t = schema_.type(name);
        if (t) named_type(*t, selection);
        else out_ += "null";
    }

private:
    template <class Each>
    void object(const std::vector<SelectedField>& selection, std::string_view type_name, Each each) {
        out_ += '{';
        bool first = true;
        for (const auto& f : selection) {
            if (!first) out_ += ',';
            first = false;
            append_quoted(out_, f.response_key);
            out_ += ':';
            if (f.name == "__typename") append_quoted(out_, type_name);
            else each(f);
        }
        out_ += '}';
    }

    template <class Items, class Each>
    void list(const Items& items, Each each) {
        out_ += '[';
        bool first = true;
        for (const auto& item : items) {
            if (!first) out_ += ',';
            first = false;
            each(item);
        }
        out_ += ']';
    }

    void string_or_null(const std::string& s) {
        if (s.empty()) out_ += "null";
        else append_quoted(out_, s);
    }
    void optional_string(const std::optional<std::string>& s) {
        if (s) append_quoted(out_, *s);
        else out_ += "null";
    }
    void boolean(bool b) { out_ += b ? "true" : "false"; }

    void optional_type(const std::optional<std::string>& name, const std::vector<SelectedField>& selection) {
        if (name) type_by_name(*name, selection);
        else out_ += "null";
    }

    static bool include_deprecated(const SelectedField& f) {
        const InputValue* v = f.argument("includeDeprecated");
        return v && v->as_bool() && *v->as_bool();
    }

    // A type reference with its wrappers (LIST, NON_NULL) from wrapper `w` on.
    void type_ref(const TypeRef& ref, std::size_t w, const std::vector<SelectedField>& selection) {
        if (w == ref.wrappers.size()) {
            type_by_name(ref.name, selection);
            return;
        }
        bool list_kind = ref.wrappers[w] == TypeWrapper::list;
        object(selection, "__Type", [&](const SelectedField& f) {
            if (f.name == "kind") out_ += list_kind ? "\"LIST\"" : "\"NON_NULL\"";
            else if (f.name == "ofType") type_ref(ref, w + 1, f.selection);
            else out_ += "null";
        });
    }

    void named_type(const TypeDef& t, const std::vector<SelectedField>& selection) {
        static constexpr const char* kinds[] = {"\"SCALAR\"", "\"OBJECT\"", "\"INTERFACE\"",
                                                "\"UNION\"",  "\"ENUM\"",   "\"INPUT_OBJECT\""};
        bool has_fields = t.kind == TypeKind::object || t.kind == TypeKind::interface_type;
        object(selection, "__Type", [&](const SelectedField& f) {
            const std::string& n = f.name;
            if (n == "kind") out_ += kinds[static_cast<int>(t.kind)];
            else if (n == "name") append_quoted(out_, t.name);
            else if (n == "description") string_or_null(t.description);
            else if (n == "specifiedByURL") optional_string(t.kind == TypeKind::scalar ? t.specified_by : std::nullopt);
            else if (n == "fields" && has_fields) {
                bool all = include_deprecated(f);
                out_ += '[';
                bool first = true;
                for (const auto& field : t.fields) {
                    if (field.deprecation && !all) continue;
                    if (!first) out_ += ',';
                    first = false;
                    field_object(field, f.selection);
                }
                out_ += ']';
            } else if (n == "interfaces" && has_fields) {
                list(t.interfaces, [&](const std::string& i) { type_by_name(i, f.selection); });
            } else if (n == "possibleTypes" && t.kind == TypeKind::union_type) {
                list(t.possible_types, [&](const std::string& p) { type_by_name(p, f.selection); });
            } else if (n == "possibleTypes" && t.kind == TypeKind::interface_type) {
                out_ += '[';
                bool first = true;
                for (const auto& o : schema_.types()) {
                    if (o->kind != TypeKind::object) continue;
                    bool implements = false;
                    for (const auto& i : o->interfaces) implements = implements || i == t.name;
                    if (!implements) continue;
                    if (!first) out_ += ',';
                    first = false;
                    named_type(*o, f.selection);
                }
                out_ += ']';
            } else if (n == "enumValues" && t.kind == TypeKind::enum_type) {
                bool all = include_deprecated(f);
                out_ += '[';
                bool first = true;
                for (const auto& v : t.enum_values) {
                    if (v.deprecation && !all) continue;
                    if (!first) out_ += ',';
                    first = false;
                    enum_value(v, f.selection);
                }
                out_ += ']';
            } else if (n == "inputFields" && t.kind == TypeKind::input_object) {
                input_values(t.input_fields, include_deprecated(f), f.selection);
            } else {
                out_ += "null";  // ofType, and fields that do not apply to this kind
            }
        });
    }

    void input_values(const std::vector<InputValueDef>& values, bool all, const std::vector<SelectedField>& selection) {
        out_ += '[';
        bool first = true;
        for (const auto& v : values) {
            if (v.deprecation && !all) continue;
            if (!first) out_ += ',';
            first = false;
            input_value(v, selection);
        }
        out_ += ']';
    }

    void field_object(const FieldDef& field, const std::vector<SelectedField>& selection) {
        object(selection, "__Field", [&](const SelectedField& f) {
            if (f.name == "name") append_quoted(out_, field.name);
            else if (f.name == "description") string_or_null(field.description);
            else if (f.name == "args") input_values(field.arguments, include_deprecated(f), f.selection);
            else if (f.name == "type") type_ref(field.type, 0, f.selection);
            else if (f.name == "isDeprecated") boolean(field.deprecation.has_value());
            else if (f.name == "deprecationReason") optional_string(field.deprecation);
            else out_ += "null";
        });
    }

    void input_value(const InputValueDef& v, const std::vector<SelectedField>& selection) {
        object(selection, "__InputValue", [&](const SelectedField& f) {
            if (f.name == "name") append_quoted(out_, v.name);
            else if (f.name == "description") string_or_null(v.description);
            else if (f.name == "type") type_ref(v.type, 0, f.selection);
            else if (f.name == "defaultValue") optional_string(v.default_value ? std::optional(print_value(*v.default_value)) : std::nullopt);
            else if (f.name == "isDeprecated") boolean(v.deprecation.has_value());
            else if (f.name == "deprecationReason") optional_string(v.deprecation);
            else out_ += "null";
        });
    }

    void enum_value(const EnumValueDef& v, const std::vector<SelectedField>& selection) {
        object(selection, "__EnumValue", [&](const SelectedField& f) {
            if (f.name == "name") append_quoted(out_, v.name);
            else if (f.name == "description") string_or_null(v.description);
            else if (f.name == "isDeprecated") boolean(v.deprecation.has_value());
            else if (f.name == "deprecationReason") optional_string(v.deprecation);
            else out_ += "null";
        });
    }

    void directive(const DirectiveDef& d, const std::vector<SelectedField>& selection) {
        object(selection, "__Directive", [&](const SelectedField& f) {
            if (f.name == "name") append_quoted(out_, d.name);
            else if (f.name == "description") string_or_null(d.description);
            else if (f.name == "isRepeatable") boolean(d.repeatable);
            else if (f.name == "locations")
                list(d.locations, [&](DirectiveLocation l) { append_quoted(out_, to_string(l)); });
            else if (f.name == "args") input_values(d.arguments, include_deprecated(f), f.selection);
            else out_ += "null";
        });
    }

    const Schema& schema_;
    std::string& out_;
};

}  // namespace

void write_introspection(const Schema& schema, const SelectedField& field, std::string& out) {
    Writer w(schema, out);
    if (field.name == "__schema") {
        w.schema_object(field.selection);
    } else if (field.name == "__type") {
        const InputValue* name = field.argument("name");
        if (name && name->as_string()) w.type_by_name(*name->as_string(), field.selection);
        else out += "null";
    } else {
        out += "null";
    }
}

}  // namespace rex::graphql

#include "overlapping_fields.hpp"

#include "introspection/meta_fields.hpp"
#include "type_utils.hpp"

#include <map>
#include <set>

namespace rex::graphql {

namespace {

struct FieldEntry {
    const TypeDef* parent;  // nullptr when unknown
    const ast::Selection* node;
    const FieldDef* def;  // nullptr when unknown (and for meta fields, as graphql-js)
};

struct FieldMap {
    std::vector<std::pair<std::string_view, std::vector<FieldEntry>>> groups;
    std::unordered_map<std::string_view, std::size_t> index;
    std::vector<std::string_view> fragment_names;  // spread directly (inline fragments flattened)
};

struct Conflict {
    std::string response_name;
    std::string reason;  // already phrased, sub-conflicts included
    std::vector<SourceLocation> locations;
};

// Values equal regardless of the order of object fields (graphql-js compares sorted prints).
bool same_value(const InputValue& a, const InputValue& b) {
    const auto* oa = a.as_object();
    const auto* ob = b.as_object();
    if (oa || ob) {
        if (!oa || !ob || oa->size() != ob->size()) return false;
        for (const auto& [k, v] : *oa) {
            const InputValue* w = b.field(k);
            if (!w || !same_value(v, *w)) return false;
        }
        return true;
    }
    const auto* la = a.as_list();
    const auto* lb = b.as_list();
    if (la || lb) {
        if (!la || !lb || la->size() != lb->size()) return false;
        for (std::size_t i = 0; i < la->size(); ++i)
            if (!same_value((*la)[i], (*lb)[i])) return false;
        return true;
    }
    const auto* na = a.as_number();
    const auto* nb = b.as_number();
    if (na || nb) return na && nb && na->text == nb->text;
    return a.value == b.value;
}

bool same_arguments(const ast::Selection& a, const ast::Selection& b) {
    if (a.arguments.size() != b.arguments.size()) return false;
    for (const auto& x : a.arguments) {
        const ast::Argument* y = nullptr;
        for (const auto& c : b.arguments)
            if (c.name == x.name) y = &c;
        if (!y || !same_value(x.value, y->value)) return false;
    }
    return true;
}

}  // namespace

struct OverlappingFields::Impl {
    const Schema& schema;
    const Fragments& fragments;
    Report report;
    std::unordered_map<const ast::SelectionSet*, std::unique_ptr<FieldMap>> cache;
    // Fragment pairs compared: the value says whether only as mutually exclusive.
    std::map<std::pair<std::string_view, std::string_view>, bool> compared;
    std::size_t depth = 0;  // recursion guard: fragment chains can be long in hostile documents
    // Field pairs compared, document-wide: sub-selections are compared again under every pair of
    // parents, which hostile documents can make exponential; past the budget the rule gives up.
    std::size_t work = 0;
    bool exhausted = false;
    bool reported_exhausted = false;

    static constexpr std::size_t max_depth = 500;
    static constexpr std::size_t max_work = 5000000;

    void collect(const TypeDef* parent, const ast::SelectionSet& set, FieldMap& map,
                 std::set<std::string_view>& names) {
        for (const auto& s : set) {
            switch (s.kind) {
                case ast::Selection::Kind::field: {
                    const FieldDef* def = nullptr;
                    if (parent && (parent->kind == TypeKind::object || parent->kind == TypeKind::interface_type))
                        def = parent->field(s.name);
                    std::string_view key = s.response_key();
                    auto [it, fresh] = map.index.emplace(key, map.groups.size());
                    if (fresh) map.groups.push_back({key, {}});
                    map.groups[it->second].second.push_back({parent, &s, def});
                    break;
                }
                case ast::Selection::Kind::fragment_spread:
                    if (names.insert(s.name).second) map.fragment_names.push_back(s.name);
                    break;
                case ast::Selection::Kind::inline_fragment:
                    collect(s.type_condition.empty() ? parent : schema.type(s.type_condition), s.selection, map, names);
                    break;
            }
        }
    }

    const FieldMap& fields_of(const TypeDef* parent, const ast::SelectionSet& set) {
        auto& slot = cache[&set];
        if (!slot) {
            slot = std::make_unique<FieldMap>();
            std::set<std::string_view> names;
            collect(parent, set, *slot, names);
        }
        return *slot;
    }

    const FieldMap* fields_of_fragment(std::string_view name) {
        auto it = fragments.find(name);
        if (it == fragments.end()) return nullptr;
        return &fields_of(schema.type(it->second->type_condition), it->second->selection);
    }

    bool pair_seen(std::string_view a, std::string_view b, bool exclusive) {
        auto key = a < b ? std::make_pair(a, b) : std::make_pair(b, a);
        auto it = compared.find(key);
        if (it != compared.end() && (exclusive || !it->second)) return true;
        compared[key] = exclusive;
        return false;
    }

    struct Guard {
        Impl& impl;
        bool ok;
        explicit Guard(Impl& i) : impl(i), ok(++i.depth <= max_depth) {}
        ~Guard() { --impl.depth; }
    };

    void within(std::vector<Conflict>& out, const FieldMap& map) {
        for (const auto& [key, fields] : map.groups)
            for (std::size_t i = 0; i < fields.size(); ++i)
                for (std::size_t j = i + 1; j < fields.size(); ++j) find_conflict(out, false, key, fields[i], fields[j]);
    }

    void between(std::vector<Conflict>& out, bool exclusive, const FieldMap& a, const FieldMap& b) {
        for (const auto& [key, fields1] : a.groups) {
            auto it = b.index.find(key);
            if (it == b.index.end()) continue;
            for (const auto& f1 : fields1)
                for (const auto& f2 : b.groups[it->second].second) find_conflict(out, exclusive, key, f1, f2);
        }
    }

    void fields_and_fragment(std::vector<Conflict>& out, bool exclusive, const FieldMap& map, std::string_view fragment,
                             std::set<std::string_view>& seen) {
        Guard guard(*this);
        if (!guard.ok || !seen.insert(fragment).second) return;
        const FieldMap* other = fields_of_fragment(fragment);
        if (!other || other == &map) return;
        between(out, exclusive, map, *other);
        for (auto name : other->fragment_names) fields_and_fragment(out, exclusive, map, name, seen);
    }

    void fragments_pair(std::vector<Conflict>& out, bool exclusive, std::string_view f1, std::string_view f2) {
        Guard guard(*this);
        if (!guard.ok || f1 == f2 || pair_seen(f1, f2, exclusive)) return;
        const FieldMap* m1 = fields_of_fragment(f1);
        const FieldMap* m2 = fields_of_fragment(f2);
        if (!m1 || !m2) return;
        between(out, exclusive, *m1, *m2);
        for (auto n2 : m2->fragment_names) fragments_pair(out, exclusive, f1, n2);
        for (auto n1 : m1->fragment_names) fragments_pair(out, exclusive, n1, f2);
    }

    std::vector<Conflict> sub_selections(bool exclusive, const TypeDef* p1, const ast::SelectionSet& s1,
                                         const TypeDef* p2, const ast::SelectionSet& s2) {
        std::vector<Conflict> out;
        const FieldMap& m1 = fields_of(p1, s1);
        const FieldMap& m2 = fields_of(p2, s2);
        between(out, exclusive, m1, m2);
        for (auto f2 : m2.fragment_names) {
            std::set<std::string_view> seen;
            fields_and_fragment(out, exclusive, m1, f2, seen);
        }
        for (auto f1 : m1.fragment_names) {
            std::set<std::string_view> seen;
            fields_and_fragment(out, exclusive, m2, f1, seen);
        }
        for (auto f1 : m1.fragment_names)
            for (auto f2 : m2.fragment_names) fragments_pair(out, exclusive, f1, f2);
        return out;
    }

    static bool types_conflict(const TypeRef& a, std::size_t wa, const TypeRef& b, std::size_t wb) {
        bool a_more = wa < a.wrappers.size(), b_more = wb < b.wrappers.size();
        bool a_list = a_more && a.wrappers[wa] == TypeWrapper::list;
        bool b_list = b_more && b.wrappers[wb] == TypeWrapper::list;
        if (a_list || b_list) return !(a_list && b_list) || types_conflict(a, wa + 1, b, wb + 1);
        bool a_nn = a_more && a.wrappers[wa] == TypeWrapper::non_null;
        bool b_nn = b_more && b.wrappers[wb] == TypeWrapper::non_null;
        if (a_nn || b_nn) return !(a_nn && b_nn) || types_conflict(a, wa + 1, b, wb + 1);
        return false;  // the named types are compared by the caller
    }

    bool return_types_conflict(const TypeRef& a, const TypeRef& b) const {
        if (types_conflict(a, 0, b, 0)) return true;
        const TypeDef* ta = schema.type(a.name);
        const TypeDef* tb = schema.type(b.name);
        return (is_leaf(ta) || is_leaf(tb)) && a.name != b.name;
    }

    void find_conflict(std::vector<Conflict>& out, bool parents_exclusive, std::string_view key, const FieldEntry& f1,
                       const FieldEntry& f2) {
        if (exhausted || ++work > max_work) {
            exhausted = true;
            return;
        }
        bool exclusive = parents_exclusive || (f1.parent != f2.parent && f1.parent && f2.parent &&
                                               f1.parent->kind == TypeKind::object &&
                                               f2.parent->kind == TypeKind::object);
        auto conflict = [&](std::string reason, std::vector<Conflict> subs = {}) {
            Conflict c{std::string(key), std::move(reason), {f1.node->location, f2.node->location}};
            for (auto& s : subs) c.locations.insert(c.locations.end(), s.locations.begin(), s.locations.end());
            out.push_back(std::move(c));
        };
        if (!exclusive) {
            if (f1.node->name != f2.node->name) {
                conflict("\"" + f1.node->name + "\" and \"" + f2.node->name + "\" are different fields");
                return;
            }
            if (!same_arguments(*f1.node, *f2.node)) {
                conflict("they have differing arguments");
                return;
            }
        }
        if (f1.def && f2.def && return_types_conflict(f1.def->type, f2.def->type)) {
            conflict("they return conflicting types \"" + f1.def->type.to_string() + "\" and \"" +
                     f2.def->type.to_string() + "\"");
            return;
        }
        if (f1.node->selection.empty() || f2.node->selection.empty()) return;
        Guard guard(*this);
        if (!guard.ok) return;
        auto subs = sub_selections(exclusive, f1.def ? schema.type(f1.def->type.name) : nullptr, f1.node->selection,
                                   f2.def ? schema.type(f2.def->type.name) : nullptr, f2.node->selection);
        if (subs.empty()) return;
        std::string reason;
        for (const auto& s : subs) {
            if (!reason.empty()) reason += " and ";
            reason += "subfields \"" + s.response_name + "\" conflict because " + s.reason;
        }
        conflict(std::move(reason), std::move(subs));
    }
};

OverlappingFields::OverlappingFields(const Schema& schema, const Fragments& fragments, Report report)
    : impl_(std::make_unique<Impl>(Impl{schema, fragments, std::move(report), {}, {}, 0})) {}

OverlappingFields::~OverlappingFields() = default;

void OverlappingFields::check(const TypeDef* parent, const ast::SelectionSet& set) {
    std::vector<Conflict> conflicts;
    const FieldMap& map = impl_->fields_of(parent, set);
    impl_->within(conflicts, map);
    for (std::size_t i = 0; i < map.fragment_names.size(); ++i) {
        std::set<std::string_view> seen;
        impl_->fields_and_fragment(conflicts, false, map, map.fragment_names[i], seen);
        for (std::size_t j = i + 1; j < map.fragment_names.size(); ++j)
            impl_->fragments_pair(conflicts, false, map.fragment_names[i], map.fragment_names[j]);
    }
    if (impl_->exhausted && !impl_->reported_exhausted) {
        impl_->reported_exhausted = true;
        impl_->report("The document's fields are too many to compare for merging; validation aborted.", {});
    }
    if (impl_->exhausted) return;
    for (auto& c : conflicts)
        impl_->report("Fields \"" + c.response_name + "\" conflict because " + c.reason +
                          ". Use different aliases on the fields to fetch both if this was intentional.",
                      std::move(c.locations));
}

}  // namespace rex::graphql

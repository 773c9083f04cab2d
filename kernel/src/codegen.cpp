#include <rex/codegen.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

namespace rex {

namespace {

const std::set<std::string> cpp_keywords{
    "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char", "class", "const", "continue",
    "default", "delete", "do", "double", "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend",
    "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "not", "operator", "or", "private", "protected",
    "public", "register", "return", "short", "signed", "sizeof", "static", "struct", "switch", "template", "this", "throw",
    "true", "try", "typedef", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "while", "xor"};

// "InvoiceLineId" -> "invoice_line_id", "first name" -> "first_name"; a valid C++ identifier.
std::string snake(const std::string& name) {
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (std::isupper(c)) {
            const bool boundary = i > 0 && (std::islower(static_cast<unsigned char>(name[i - 1])) ||
                                            (i + 1 < name.size() && std::islower(static_cast<unsigned char>(name[i + 1]))));
            if (boundary && !out.empty() && out.back() != '_') out += '_';
            out += static_cast<char>(std::tolower(c));
        } else if (std::isalnum(c)) {
            out += static_cast<char>(c);
        } else if (!out.empty() && out.back() != '_') {
            out += '_';
        }
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "_" + out;
    if (cpp_keywords.contains(out)) out += '_';
    return out;
}

// "invoice_line" / "InvoiceLine" -> "InvoiceLine".
std::string pascal(const std::string& name) {
    std::string out;
    bool up = true;
    for (char ch : snake(name)) {
        if (ch == '_') {
            up = true;
            continue;
        }
        out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
        up = false;
    }
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "T" + out;
    return out;
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

bool integral(const std::optional<ColumnType>& t) {
    return t && (t->type == LogicalType::int32 || t->type == LogicalType::int64);
}

std::string cpp_type(const ColumnSchema& c) {
    std::string t = "std::string";
    if (c.type) {
        switch (c.type->type) {
            case LogicalType::boolean: t = "bool"; break;
            case LogicalType::int32: t = "std::int32_t"; break;
            case LogicalType::int64: t = "std::int64_t"; break;
            case LogicalType::float64: t = "double"; break;
            case LogicalType::decimal: t = "rex::Decimal"; break;
            case LogicalType::string:
            case LogicalType::text: t = "std::string"; break;
            case LogicalType::bytes: t = "rex::Bytes"; break;
            case LogicalType::date: t = "rex::Date"; break;
            case LogicalType::time: t = "rex::Time"; break;
            case LogicalType::timestamp: t = "rex::Timestamp"; break;
            case LogicalType::uuid: t = "rex::Uuid"; break;
            case LogicalType::json: t = "rex::Json"; break;
        }
    }
    return c.nullable && !c.primary_key ? "std::optional<" + t + ">" : t;
}

std::string type_name(const ColumnSchema& c) {
    if (!c.type) return "text";
    const auto& t = *c.type;
    if (t.type == LogicalType::string && t.length) return "string(" + std::to_string(*t.length) + ")";
    if (t.type == LogicalType::decimal && t.precision)
        return "decimal(" + std::to_string(*t.precision) + "," + std::to_string(t.scale.value_or(0)) + ")";
    return std::string(to_string(t.type));
}

struct Relation {
    std::string kind;    // belongs_to / has_many
    std::string name;    // member and relation name
    std::string owner;   // table holding the member
    std::string target;  // table of the related objects
    std::string key;     // column of the foreign key (on owner for belongs_to, on target for has_many)
    bool json_only = false;  // a key to its own table: in the model file, not in the struct
};

struct Table {
    const TableSchema* schema;
    std::string type;                    // C++ struct
    std::map<std::string, std::string> members;  // column -> member
    std::vector<const ColumnSchema*> keys;  // the primary key's columns (several: a composite key)
    const ColumnSchema* id = nullptr;    // the key when it is one column (relations go by it)
    std::vector<Relation> relations;
    std::set<std::string> used;          // member names taken
};

std::string free_name(Table& t, std::string name) {
    while (t.used.contains(name)) name += "_rel";
    t.used.insert(name);
    return name;
}

}  // namespace

GeneratedModels generate_models(const std::vector<TableSchema>& tables, const ModelCodeOptions& options) {
    GeneratedModels out;
    std::map<std::string, Table> by_name;
    for (const auto& s : tables) {
        Table t{&s, pascal(s.name), {}, {}, nullptr, {}, {}};
        for (const auto& c : s.columns) {
            t.members[c.name] = free_name(t, snake(c.name));
            if (c.primary_key) t.keys.push_back(&c);
            if (!c.type) out.notes.push_back(s.name + "." + c.name + ": type " + c.native_type + " is not mapped; read as text");
        }
        if (t.keys.size() == 1) t.id = t.keys[0];
        if (t.keys.empty()) out.notes.push_back(s.name + ": it has no primary key, so it has no find/update/remove");
        by_name.emplace(s.name, std::move(t));
    }

    // Relations from single-column foreign keys to a table's key of one column (of any type).
    std::map<std::string, std::set<std::string>> needs;  // table -> tables that must be complete before it
    for (auto& [name, t] : by_name) {
        for (const auto& fk : t.schema->foreign_keys) {
            auto parent = by_name.find(fk.referenced_table);
            if (fk.columns.size() != 1 || parent == by_name.end() || !parent->second.id ||
                parent->second.id->name != fk.referenced_columns.at(0))
                continue;
            auto base = snake(fk.columns[0]);
            if (base.size() > 3 && base.ends_with("_id")) base.resize(base.size() - 3);
            if (parent->first != name) {
                t.relations.push_back({"belongs_to", free_name(t, base), name, parent->first, fk.columns[0]});
                needs[name].insert(parent->first);
            } else {
                t.relations.push_back({"belongs_to", free_name(t, base), name, name, fk.columns[0], true});
                out.notes.push_back(name + "." + fk.columns[0] +
                                    ": a key to its own table is a has_many member only (a struct cannot hold itself); "
                                    "the model file has both sides");
            }
            auto& p = parent->second;
            const bool several = std::count_if(t.schema->foreign_keys.begin(), t.schema->foreign_keys.end(),
                                               [&](const auto& other) { return other.referenced_table == parent->first; }) > 1;
            p.relations.push_back({"has_many", free_name(p, snake(name) + "s" + (several ? "_by_" + base : "")), parent->first, name,
                                   fk.columns[0]});
        }
    }

    // Structs in an order where a belongs_to target comes first; a cycle loses a belongs_to.
    std::vector<std::string> order;
    std::set<std::string> done;
    while (order.size() < by_name.size()) {
        bool progress = false;
        for (const auto& [name, t] : by_name) {
            if (done.contains(name)) continue;
            const auto& deps = needs[name];
            if (std::all_of(deps.begin(), deps.end(), [&](const auto& d) { return done.contains(d); })) {
                order.push_back(name);
                done.insert(name);
                progress = true;
            }
        }
        if (progress) continue;
        for (auto& [name, t] : by_name) {  // break the cycle at the first waiting table
            if (done.contains(name)) continue;
            std::erase_if(t.relations, [&](const Relation& r) {
                const bool drop = r.kind == "belongs_to" && !r.json_only && !done.contains(r.target);
                if (drop) out.notes.push_back(name + "." + r.name + ": belongs_to left out to break a cycle of foreign keys");
                return drop;
            });
            needs[name].clear();
            break;
        }
    }

    std::ostringstream h;
    h << "// Generated by `rex generate models`" << (options.source.empty() ? "" : " from " + options.source)
      << ". Regenerate rather than edit.\n#pragma once\n\n#include <rex/orm.hpp>\n\n#include <cstdint>\n#include <optional>\n"
         "#include <string>\n#include <vector>\n\nnamespace "
      << options.cpp_namespace << " {\n\n";
    for (const auto& name : order) h << "struct " << by_name.at(name).type << ";\n";
    h << "\n";
    for (const auto& name : order) {
        const auto& t = by_name.at(name);
        h << "struct " << t.type << " {\n";
        for (const auto& c : t.schema->columns) h << "    " << cpp_type(c) << " " << t.members.at(c.name) << "{};\n";
        for (const auto& r : t.relations) {
            if (r.json_only) continue;
            const auto& target = by_name.at(r.target).type;
            h << "    " << (r.kind == "belongs_to" ? "std::optional<" + target + ">" : "std::vector<" + target + ">") << " " << r.name
              << ";  // " << r.kind << "\n";
        }
        h << "};\n\n";
    }
    for (const auto& name : order) {
        const auto& t = by_name.at(name);
        h << "inline rex::Entity<" << t.type << "> " << snake(name) << "_mapping() {\n    rex::Entity<" << t.type << "> e("
          << quoted(name) << ");\n";
        // A key the database generates is .id(); any other is assigned, one .key() per column.
        const bool generated_id = t.id && t.id->generated && integral(t.id->type);
        if (generated_id) h << "    e.id(&" << t.type << "::" << t.members.at(t.id->name) << ", " << quoted(t.id->name) << ");\n";
        std::set<std::string> unique;
        for (const auto& i : t.schema->indexes)
            if (i.unique && i.columns.size() == 1) unique.insert(i.columns[0]);
        for (const auto& c : t.schema->columns) {  // a composite key's parts in column order
            if (generated_id && &c == t.id) continue;
            std::string opts;
            if (c.type && c.type->type == LogicalType::string) opts = "rex::varchar(" + std::to_string(c.type->length.value_or(255)) + ")";
            else if (!c.type || c.type->type == LogicalType::text) opts = "rex::text()";
            else if (c.type->type == LogicalType::decimal && c.type->precision)
                opts = "rex::decimal(" + std::to_string(*c.type->precision) + ", " + std::to_string(c.type->scale.value_or(0)) + ")";
            if (unique.contains(c.name)) opts = (opts.empty() ? "rex::FieldOptions{}" : opts) + ".unique()";
            if (c.default_sql && !c.generated) opts = (opts.empty() ? "rex::FieldOptions{}" : opts) + ".default_sql(" + quoted(*c.default_sql) + ")";
            h << "    e." << (c.primary_key ? "key" : "field") << "(&" << t.type << "::" << t.members.at(c.name) << ", " << quoted(c.name)
              << (opts.empty() ? "" : ", " + opts) << ");\n";
        }
        for (const auto& i : t.schema->indexes) {
            if (i.unique && i.columns.size() == 1) continue;
            h << "    e." << (i.unique ? "unique_index(" : "index(") << quoted(i.name);
            for (const auto& c : i.columns) h << ", &" << t.type << "::" << t.members.at(c);
            h << ");\n";
        }
        for (const auto& r : t.relations) {
            if (r.json_only) continue;
            const auto& target = by_name.at(r.target);
            if (r.kind == "belongs_to")
                h << "    e.belongs_to(" << quoted(r.name) << ", &" << t.type << "::" << r.name << ", &" << t.type << "::" << t.members.at(r.key)
                  << ");\n";
            else
                h << "    e.has_many(" << quoted(r.name) << ", &" << t.type << "::" << r.name << ", &" << target.type
                  << "::" << target.members.at(r.key) << ");\n";
        }
        h << "    return e;\n}\n\n";
    }
    h << "// Maps every entity above on `db`.\ninline void map_all(rex::Database& db) {\n";
    for (const auto& name : order) h << "    db.map(" << snake(name) << "_mapping());\n";
    h << "}\n\n}  // namespace " << options.cpp_namespace << "\n";
    out.header = h.str();

    auto entities = nlohmann::ordered_json::array();
    for (const auto& name : order) {
        const auto& t = by_name.at(name);
        nlohmann::ordered_json e{{"name", name}, {"table", name}};
        auto fields = nlohmann::ordered_json::array();
        std::set<std::string> unique;
        for (const auto& i : t.schema->indexes)
            if (i.unique && i.columns.size() == 1) unique.insert(i.columns[0]);
        for (const auto& c : t.schema->columns) {
            nlohmann::ordered_json f{{"name", t.members.at(c.name)}};
            if (t.members.at(c.name) != c.name) f["column"] = c.name;
            f["type"] = type_name(c);
            if (c.nullable && !c.primary_key) f["nullable"] = true;
            if (c.primary_key) f["primary_key"] = true;
            if (c.generated) f["generated"] = true;
            if (unique.contains(c.name)) f["unique"] = true;
            if (c.default_sql && !c.generated) f["default"] = {{"sql", *c.default_sql}};
            fields.push_back(std::move(f));
        }
        e["fields"] = std::move(fields);
        auto relations = nlohmann::ordered_json::array();
        for (const auto& r : t.relations) {
            const auto& holder = by_name.at(r.kind == "belongs_to" ? r.owner : r.target);
            relations.push_back({{"name", r.name}, {"kind", r.kind}, {"target", r.target}, {"foreign_key", holder.members.at(r.key)}});
        }
        if (!relations.empty()) e["relations"] = std::move(relations);
        auto indexes = nlohmann::ordered_json::array();
        for (const auto& i : t.schema->indexes) {
            if (i.unique && i.columns.size() == 1) continue;
            nlohmann::ordered_json j{{"name", i.name}, {"fields", nlohmann::ordered_json::array()}};
            for (const auto& c : i.columns) j["fields"].push_back(t.members.at(c));
            if (i.unique) j["unique"] = true;
            indexes.push_back(std::move(j));
        }
        if (!indexes.empty()) e["indexes"] = std::move(indexes);
        entities.push_back(std::move(e));
    }
    out.json = nlohmann::ordered_json{{"entities", std::move(entities)}}.dump(2) + "\n";
    return out;
}

}  // namespace rex

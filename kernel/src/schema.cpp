#include "introspection_values.hpp"

#include <rex/schema.hpp>
#include <rex/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

namespace rex {

namespace {

std::string text(const Value& v) { return v.is_null() ? std::string() : v.to_display(); }

}  // namespace

// ---- introspection ----------------------------------------------------------------------------

std::vector<TableSchema> inspect_schema(Connection& connection, const Dialect& dialect, const std::vector<std::string>& skip) {
    std::vector<TableSchema> tables;
    for (const auto& row : connection.execute(dialect.list_tables_sql()).rows) {
        TableSchema t;
        t.name = text(row.at(0));
        if (std::find(skip.begin(), skip.end(), t.name) != skip.end()) continue;
        const Params table{Value(t.name)};
        for (const auto& c : connection.execute(dialect.list_columns_sql(), table).rows) {
            ColumnSchema col;
            col.name = text(c.at(0));
            col.native_type = text(c.at(1));
            col.type = dialect.logical_type(col.native_type);
            col.nullable = truthy(c.at(2));
            if (!c.at(3).is_null()) col.default_sql = text(c.at(3));
            col.primary_key = truthy(c.at(4));
            col.generated = c.size() > 5 && truthy(c.at(5));
            if (col.generated && col.type) col.type->auto_increment = true;
            t.columns.push_back(std::move(col));
        }
        if (const auto sql = dialect.list_indexes_sql(); !sql.empty()) {
            for (const auto& r : connection.execute(sql, table).rows) {
                const auto name = text(r.at(0));
                if (t.indexes.empty() || t.indexes.back().name != name) t.indexes.push_back({name, {}, truthy(r.at(2))});
                t.indexes.back().columns.push_back(text(r.at(1)));
            }
        }
        if (const auto sql = dialect.list_foreign_keys_sql(); !sql.empty()) {
            for (const auto& r : connection.execute(sql, table).rows) {
                const auto name = text(r.at(0));
                if (t.foreign_keys.empty() || t.foreign_keys.back().name != name) t.foreign_keys.push_back({name, {}, text(r.at(2)), {}});
                t.foreign_keys.back().columns.push_back(text(r.at(1)));
                t.foreign_keys.back().referenced_columns.push_back(text(r.at(3)));
            }
        }
        tables.push_back(std::move(t));
    }
    return tables;
}

// ---- the catalog's tables ---------------------------------------------------------------------

namespace {

// The key a relation refers to: the entity's one primary-key field.
const FieldInfo& key_of(const EntityInfo& e) {
    const FieldInfo* key = nullptr;
    std::size_t n = 0;
    for (const auto& f : e.fields)
        if (f.primary_key && n++ == 0) key = &f;
    if (n != 1)
        raise({ErrorCategory::configuration,
               "entity '" + e.name + "' takes part in a relation, which needs a primary key of one field (it has " + std::to_string(n) + ")",
               {}, {}});
    return *key;
}

const FieldInfo& field_named(const EntityInfo& e, const std::string& name, const std::string& context) {
    if (const auto* f = e.field(name)) return *f;
    raise({ErrorCategory::configuration, context + ": entity '" + e.name + "' has no field '" + name + "'", {}, {}});
}

using Entities = std::vector<std::shared_ptr<const EntityInfo>>;

const EntityInfo& target_of(const Entities& entities, const EntityInfo& e, const RelationInfo& r) {
    for (const auto& t : entities)
        if (t && t->name == r.target) return *t;
    raise({ErrorCategory::configuration,
           "relation '" + e.name + "." + r.name + "' points to entity '" + r.target + "', which is not " +
               (r.target.empty() ? "mapped" : "among the entities (catalog or mapped classes)"),
           {}, {}});
}

// Adds the foreign key unless the table has one of the same columns and target already (a
// belongs_to and the has_many of its parent are one key).
void add_foreign_key(TableSchema& t, ForeignKeySchema fk) {
    const bool known = std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(), [&](const auto& h) {
        return h.columns == fk.columns && h.referenced_table == fk.referenced_table;
    });
    if (!known) t.foreign_keys.push_back(std::move(fk));
}

ColumnSchema key_column(std::string name, const FieldInfo& key) {
    ColumnSchema c{std::move(name), {}, key.type, false, std::nullopt, false, false};
    c.type->auto_increment = false;
    return c;
}

}  // namespace

std::vector<TableSchema> schema_from_entities(const Entities& entities) {
    std::map<std::string, TableSchema> tables;  // by name: a has_many adds its key to another entity's table
    std::set<std::string> join_tables;
    for (const auto& entity : entities) {
        const auto& e = *entity;
        if (tables.contains(e.table)) continue;  // two entities on one table: the first one's columns
        auto& t = tables[e.table];
        t.name = e.table;
        for (const auto& f : e.fields) {
            auto type = f.type;  // a generated integer key is an identity / auto-increment column
            if (f.generated && f.primary_key && (type.type == LogicalType::int32 || type.type == LogicalType::int64))
                type.auto_increment = true;
            t.columns.push_back({f.column, {}, type, f.nullable && !f.primary_key, f.default_value, f.primary_key, type.auto_increment});
            if (f.unique && !f.primary_key) t.indexes.push_back({"uq_" + e.table + "_" + f.column, {f.column}, true});
        }
        for (const auto& index : e.indexes) {
            IndexSchema i{index.name, {}, index.unique};
            for (const auto& field : index.fields) i.columns.push_back(field_named(e, field, "index '" + index.name + "'").column);
            t.indexes.push_back(std::move(i));
        }
    }
    for (const auto& entity : entities) {
        const auto& e = *entity;
        for (const auto& r : e.relations) {
            const auto& target = target_of(entities, e, r);
            const auto context = "relation '" + e.name + "." + r.name + "'";
            if (r.kind == RelationKind::belongs_to) {
                const auto& fk = field_named(e, r.foreign_key, context);
                add_foreign_key(tables[e.table], {"fk_" + e.table + "_" + fk.column, {fk.column}, target.table, {key_of(target).column}});
            } else if (r.kind == RelationKind::has_one || r.kind == RelationKind::has_many) {
                const auto& fk = field_named(target, r.foreign_key, context);
                add_foreign_key(tables[target.table], {"fk_" + target.table + "_" + fk.column, {fk.column}, e.table, {key_of(e).column}});
            } else if (r.kind == RelationKind::many_to_many && join_tables.insert(r.through).second) {
                TableSchema j;
                j.name = r.through;
                j.columns.push_back(key_column(r.through_source_key, key_of(e)));
                j.columns.push_back(key_column(r.through_target_key, key_of(target)));
                j.columns[0].primary_key = j.columns[1].primary_key = true;
                j.foreign_keys.push_back({"fk_" + r.through + "_" + r.through_source_key, {r.through_source_key}, e.table, {key_of(e).column}, true});
                j.foreign_keys.push_back(
                    {"fk_" + r.through + "_" + r.through_target_key, {r.through_target_key}, target.table, {key_of(target).column}, true});
                tables[j.name] = std::move(j);
            }
        }
    }
    std::vector<TableSchema> out;
    for (auto& [name, t] : tables) out.push_back(std::move(t));
    return out;
}

std::vector<TableSchema> schema_from_catalog(const CatalogView& catalog) {
    Entities entities;
    for (const auto& name : catalog.entity_names())
        if (auto e = catalog.find_entity(name)) entities.push_back(std::move(e));  // skips one removed since entity_names()
    return schema_from_entities(entities);
}

// ---- DDL ----------------------------------------------------------------------------------------

namespace {

std::string type_sql(const ColumnSchema& c, const Dialect& d) {
    if (!c.native_type.empty()) return c.native_type;  // recreating what the database had
    auto type = c.type.value_or(ColumnType(LogicalType::text));
    return d.column_type(type);
}

std::string column_sql(const ColumnSchema& c, const Dialect& d, bool inline_key) {
    std::string sql = d.quote_identifier(c.name) + " " + type_sql(c, d);
    if (inline_key) sql += " PRIMARY KEY";
    if (!c.nullable && !inline_key) sql += " NOT NULL";
    if (c.default_sql && !c.generated) sql += " DEFAULT " + *c.default_sql;
    return sql;
}

std::string list(const std::vector<std::string>& names, const Dialect& d) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + d.quote_identifier(n);
    return out;
}

std::string create_index_sql(const std::string& table, const IndexSchema& i, const Dialect& d) {
    return std::string(i.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") + d.quote_identifier(i.name) + " ON " +
           d.quote_identifier(table) + " (" + list(i.columns, d) + ")";
}

std::string foreign_key_clause(const ForeignKeySchema& fk, const Dialect& d) {
    return "FOREIGN KEY (" + list(fk.columns, d) + ") REFERENCES " + d.quote_identifier(fk.referenced_table) + " (" +
           list(fk.referenced_columns, d) + ")" + (fk.cascade_delete ? " ON DELETE CASCADE" : "");
}

}  // namespace

std::vector<std::string> create_table_sql(const TableSchema& table, const Dialect& d) {
    std::vector<std::string> keys;
    for (const auto& c : table.columns)
        if (c.primary_key) keys.push_back(c.name);
    std::string sql = "CREATE TABLE " + d.quote_identifier(table.name) + " (";
    for (std::size_t i = 0; i < table.columns.size(); ++i)
        sql += (i ? ", " : "") + column_sql(table.columns[i], d, keys.size() == 1 && table.columns[i].primary_key);
    if (keys.size() > 1) sql += ", PRIMARY KEY (" + list(keys, d) + ")";
    for (const auto& fk : table.foreign_keys) sql += ", CONSTRAINT " + d.quote_identifier(fk.name) + " " + foreign_key_clause(fk, d);
    std::vector<std::string> out{sql + ")"};
    for (const auto& i : table.indexes) out.push_back(create_index_sql(table.name, i, d));
    return out;
}

// ---- diff ---------------------------------------------------------------------------------------

namespace {

// Types compare by how the dialect writes them, so aliases (int32 and int64 are both INTEGER on
// SQLite) do not show up as changes.
std::optional<std::string> comparable_type(const std::optional<ColumnType>& type, const Dialect& d) {
    if (!type) return std::nullopt;
    auto t = *type;
    t.auto_increment = false;
    return d.column_type(t);
}

// Defaults as databases echo them: 'x'::character varying (PostgreSQL), current_timestamp().
std::string normal_default(std::string v) {
    if (auto cast = v.find("::"); cast != std::string::npos && (v.front() == '\'' || std::isdigit(static_cast<unsigned char>(v.front()))))
        v.erase(cast);
    while (v.size() >= 2 && v.front() == '(' && v.back() == ')') v = v.substr(1, v.size() - 2);
    std::string out;
    for (char c : v) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (out.ends_with("()")) out.erase(out.size() - 2);
    if (out.starts_with("current_timestamp")) return "current_timestamp";  // current_timestamp(6)
    if (out == "null") return {};  // MariaDB reports "NULL" for no default
    if (out == "false") return "0";  // booleans are 0 / 1 on MySQL and SQLite
    if (out == "true") return "1";
    // Numbers compare by value: 0 and 0.00, 2.5 and 2.50.
    char* end = nullptr;
    const double number = std::strtod(out.c_str(), &end);
    if (!out.empty() && end == out.c_str() + out.size()) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.17g", number);
        return buffer;
    }
    return out;
}

bool same_index(const IndexSchema& a, const IndexSchema& b) { return a.columns == b.columns && a.unique == b.unique; }
bool same_fk(const ForeignKeySchema& a, const ForeignKeySchema& b) {
    return a.columns == b.columns && a.referenced_table == b.referenced_table && a.referenced_columns == b.referenced_columns;
}

// New tables in an order where referenced tables come first.
std::vector<const TableSchema*> creation_order(std::vector<const TableSchema*> tables) {
    std::vector<const TableSchema*> ordered;
    std::set<std::string> placed;
    while (!tables.empty()) {
        bool progress = false;
        for (auto it = tables.begin(); it != tables.end();) {
            const bool ready = std::all_of((*it)->foreign_keys.begin(), (*it)->foreign_keys.end(), [&](const auto& fk) {
                return fk.referenced_table == (*it)->name || placed.contains(fk.referenced_table) ||
                       std::none_of(tables.begin(), tables.end(), [&](const auto* t) { return t->name == fk.referenced_table; });
            });
            if (ready) {
                placed.insert((*it)->name);
                ordered.push_back(*it);
                it = tables.erase(it);
                progress = true;
            } else {
                ++it;
            }
        }
        if (!progress) {  // a cycle: keep the rest in name order
            ordered.insert(ordered.end(), tables.begin(), tables.end());
            break;
        }
    }
    return ordered;
}

}  // namespace

namespace {

// A table in creation order, with the foreign keys that close a cycle: they refer to a table of
// the set made after it, so they wait until all exist.
struct Creation {
    const TableSchema* table;
    std::vector<const ForeignKeySchema*> later;
};

std::vector<Creation> plan_creation(const std::vector<TableSchema>& tables) {
    std::vector<const TableSchema*> all;
    for (const auto& t : tables) all.push_back(&t);
    std::vector<Creation> out;
    std::set<std::string> made;
    for (const auto* t : creation_order(all)) {
        Creation c{t, {}};
        for (const auto& fk : t->foreign_keys)
            if (fk.referenced_table != t->name && !made.contains(fk.referenced_table) &&
                std::any_of(tables.begin(), tables.end(), [&](const auto& o) { return o.name == fk.referenced_table; }))
                c.later.push_back(&fk);
        made.insert(t->name);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace

std::vector<std::string> create_tables_sql(const std::vector<TableSchema>& tables, const Dialect& d) {
    // SQLite cannot add a key later, but accepts a reference to a table not made yet.
    const bool alter = d.features().alter_constraints;
    std::vector<std::string> out, later;
    for (const auto& c : plan_creation(tables)) {
        auto table = *c.table;
        if (alter) {
            for (const auto* fk : c.later)
                later.push_back("ALTER TABLE " + d.quote_identifier(table.name) + " ADD CONSTRAINT " + d.quote_identifier(fk->name) + " " +
                                foreign_key_clause(*fk, d));
            std::erase_if(table.foreign_keys, [&](const ForeignKeySchema& fk) {
                return std::any_of(c.later.begin(), c.later.end(), [&](const auto* l) { return l->name == fk.name; });
            });
        }
        for (auto& statement : create_table_sql(table, d)) out.push_back(std::move(statement));
    }
    out.insert(out.end(), later.begin(), later.end());
    return out;
}

std::vector<std::string> drop_tables_sql(const std::vector<TableSchema>& tables, const Dialect& d) {
    const auto plan = plan_creation(tables);
    std::vector<std::string> out;
    // The keys that close a cycle go first, or neither table could be dropped.
    if (d.features().alter_constraints)
        for (const auto& c : plan)
            for (const auto* fk : c.later) out.push_back(d.drop_foreign_key_sql(c.table->name, fk->name));
    for (auto it = plan.rbegin(); it != plan.rend(); ++it) out.push_back("DROP TABLE IF EXISTS " + d.quote_identifier(it->table->name));
    return out;
}

namespace {

struct Differ {
    const Dialect& d;
    std::vector<SchemaChange> created, changed, dropped;

    std::string table_ref(const std::string& t) const { return d.quote_identifier(t); }

    void columns(const TableSchema& live, const TableSchema& want) {
        const auto t = table_ref(want.name);
        for (const auto& c : want.columns) {
            const auto* have = live.column(c.name);
            if (!have) {
                changed.push_back({"add column " + want.name + "." + c.name, {"ALTER TABLE " + t + " ADD COLUMN " + column_sql(c, d, false)},
                                   {"ALTER TABLE " + t + " DROP COLUMN " + d.quote_identifier(c.name)}, false, {}});
                continue;
            }
            const auto have_type = comparable_type(have->type, d);
            if (!have_type) {
                changed.push_back({"column " + want.name + "." + c.name + " has type " + have->native_type + ", which Rex does not map; left alone",
                                   {}, {}, false, "unmapped type"});
                continue;
            }
            const bool type_differs = *have_type != *comparable_type(c.type, d);
            const bool null_differs = !c.primary_key && have->nullable != c.nullable;
            if (type_differs || null_differs) {
                const auto up = d.alter_column_sql(want.name, c.name, *c.type, c.nullable);
                const auto down = d.alter_column_sql(want.name, c.name, *have->type, have->nullable);
                const auto summary = "change column " + want.name + "." + c.name + " from " + have->native_type +
                                     (have->nullable ? " NULL" : " NOT NULL") + " to " + *comparable_type(c.type, d) +
                                     (c.nullable ? " NULL" : " NOT NULL");
                if (up.empty())
                    changed.push_back({summary, {}, {}, false, std::string(d.name()) + " cannot change a column in place; rebuild the table"});
                else
                    changed.push_back({summary, {up}, {down}, false, {}});
            }
            const auto want_default = c.default_sql ? normal_default(*c.default_sql) : std::string();
            const auto have_default = have->default_sql && !have->generated ? normal_default(*have->default_sql) : std::string();
            if (!c.generated && want_default != have_default) {
                const auto col = "ALTER TABLE " + t + " ALTER COLUMN " + d.quote_identifier(c.name);
                const auto set = [&](const std::optional<std::string>& v) { return v ? col + " SET DEFAULT " + *v : col + " DROP DEFAULT"; };
                const auto summary = "change the default of " + want.name + "." + c.name;
                if (!d.features().alter_constraints)
                    changed.push_back({summary, {}, {}, false, std::string(d.name()) + " cannot change a default in place; rebuild the table"});
                else
                    changed.push_back({summary, {set(c.default_sql)}, {set(have->default_sql)}, false, {}});
            }
        }
        for (const auto& c : live.columns)
            if (!want.column(c.name))
                dropped.push_back({"drop column " + live.name + "." + c.name, {"ALTER TABLE " + t + " DROP COLUMN " + d.quote_identifier(c.name)},
                                   {"ALTER TABLE " + t + " ADD COLUMN " + column_sql(c, d, false)}, true, {}});
    }

    void indexes(const TableSchema& live, const TableSchema& want) {
        for (const auto& i : want.indexes)
            if (std::none_of(live.indexes.begin(), live.indexes.end(), [&](const auto& h) { return same_index(h, i); }))
                changed.push_back({std::string(i.unique ? "add unique index " : "add index ") + i.name + " on " + want.name,
                                   {create_index_sql(want.name, i, d)}, {d.drop_index_sql(want.name, i.name)}, false, {}});
        for (const auto& h : live.indexes) {
            if (std::any_of(want.indexes.begin(), want.indexes.end(), [&](const auto& i) { return same_index(h, i); })) continue;
            // The index MySQL makes for a foreign key is the key's business, not ours.
            const bool serves_fk = std::any_of(live.foreign_keys.begin(), live.foreign_keys.end(), [&](const auto& fk) {
                return !h.unique && std::equal(fk.columns.begin(), fk.columns.end(), h.columns.begin(), h.columns.end());
            });
            if (serves_fk) continue;
            if (h.name.starts_with("sqlite_autoindex")) {  // a UNIQUE constraint of the table itself
                changed.push_back({"drop the unique constraint on " + live.name + " (" + h.columns.front() + ")", {}, {}, false,
                                   "sqlite cannot drop a UNIQUE constraint in place; rebuild the table"});
                continue;
            }
            changed.push_back({"drop index " + h.name + " on " + live.name, {d.drop_index_sql(live.name, h.name)},
                               {create_index_sql(live.name, h, d)}, false, {}});
        }
    }

    void foreign_keys(const TableSchema& live, const TableSchema& want) {
        const auto t = table_ref(want.name);
        const auto warn = std::string(d.name()) + " cannot add or drop a foreign key of an existing table; rebuild the table";
        for (const auto& fk : want.foreign_keys) {
            if (std::any_of(live.foreign_keys.begin(), live.foreign_keys.end(), [&](const auto& h) { return same_fk(h, fk); })) continue;
            const auto summary = "add foreign key " + fk.name + " on " + want.name + " to " + fk.referenced_table;
            if (!d.features().alter_constraints)
                changed.push_back({summary, {}, {}, false, warn});
            else
                changed.push_back({summary, {"ALTER TABLE " + t + " ADD CONSTRAINT " + d.quote_identifier(fk.name) + " " + foreign_key_clause(fk, d)},
                                   {d.drop_foreign_key_sql(want.name, fk.name)}, false, {}});
        }
        for (const auto& h : live.foreign_keys) {
            if (std::any_of(want.foreign_keys.begin(), want.foreign_keys.end(), [&](const auto& fk) { return same_fk(h, fk); })) continue;
            const auto summary = "drop foreign key " + h.name + " on " + live.name;
            if (!d.features().alter_constraints)
                changed.push_back({summary, {}, {}, false, warn});
            else
                changed.push_back({summary, {d.drop_foreign_key_sql(live.name, h.name)},
                                   {"ALTER TABLE " + t + " ADD CONSTRAINT " + d.quote_identifier(h.name) + " " + foreign_key_clause(h, d)},
                                   false, {}});
        }
    }
};

}  // namespace

std::vector<SchemaChange> diff_schema(const std::vector<TableSchema>& live, const std::vector<TableSchema>& desired, const Dialect& dialect) {
    Differ diff{dialect, {}, {}, {}};
    std::map<std::string, const TableSchema*> have;
    for (const auto& t : live) have[t.name] = &t;
    std::vector<const TableSchema*> fresh;
    for (const auto& want : desired) {
        auto it = have.find(want.name);
        if (it == have.end()) {
            fresh.push_back(&want);
            continue;
        }
        diff.columns(*it->second, want);
        diff.indexes(*it->second, want);
        diff.foreign_keys(*it->second, want);
    }
    for (const auto* t : creation_order(fresh))
        diff.created.push_back({"create table " + t->name, create_table_sql(*t, dialect), {"DROP TABLE " + dialect.quote_identifier(t->name)}, false, {}});
    std::vector<const TableSchema*> gone;
    for (const auto& t : live)
        if (std::none_of(desired.begin(), desired.end(), [&](const auto& w) { return w.name == t.name; })) gone.push_back(&t);
    auto order = creation_order(gone);
    for (auto it = order.rbegin(); it != order.rend(); ++it)
        diff.dropped.push_back({"drop table " + (*it)->name, {"DROP TABLE " + dialect.quote_identifier((*it)->name)},
                                create_table_sql(**it, dialect), true, {}});
    std::vector<SchemaChange> out = std::move(diff.created);
    out.insert(out.end(), diff.changed.begin(), diff.changed.end());
    out.insert(out.end(), diff.dropped.begin(), diff.dropped.end());
    return out;
}

MigrationScripts migration_scripts(const std::vector<SchemaChange>& changes, bool allow_destructive) {
    MigrationScripts out;
    std::vector<const SchemaChange*> kept;
    for (const auto& c : changes) {
        if (!c.warning.empty()) {
            out.skipped.push_back(c.summary + ": " + c.warning);
            continue;
        }
        if (c.destructive && !allow_destructive) {
            out.skipped.push_back(c.summary + ": destructive (data is lost); pass --allow-destructive to include it");
            continue;
        }
        kept.push_back(&c);
    }
    out.included = kept.size();
    for (const auto* c : kept) {
        out.up += std::string("-- ") + (c->destructive ? "DESTRUCTIVE: " : "") + c->summary + "\n";
        for (const auto& s : c->up) out.up += s + ";\n";
    }
    // Undo in reverse order.
    for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
        out.down += "-- undo: " + (*it)->summary + "\n";
        for (const auto& s : (*it)->down) out.down += s + ";\n";
    }
    for (const auto& s : out.skipped) out.up += "-- NOT INCLUDED: " + s + "\n";
    return out;
}

}  // namespace rex

// Tables to entities (the naming rules are in introspect.hpp), the schema version, and the
// catalog snapshot file.
#include <rex/introspect.hpp>
#include <rex/model_file.hpp>
#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

namespace rex {

namespace {

std::string identifier(const std::string& name) {
    std::string out;
    for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out.insert(out.begin(), '_');
    return out;
}

bool ends_with_ci(const std::string& s, std::string_view suffix) {
    if (s.size() <= suffix.size()) return false;
    for (std::size_t i = 0; i < suffix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
    return true;
}

std::string plural(const std::string& name) {
    if (name.empty()) return name;
    const char last = static_cast<char>(std::tolower(static_cast<unsigned char>(name.back())));
    if (last == 's') return name;
    const bool upper = std::isupper(static_cast<unsigned char>(name.back())) && name.size() > 1 &&
                       std::isupper(static_cast<unsigned char>(name[name.size() - 2]));
    auto with = [&](std::string_view lower) {
        std::string s(lower);
        if (upper)
            for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return s;
    };
    if (last == 'y' && name.size() > 1 && std::string_view("aeiou").find(static_cast<char>(std::tolower(
                                               static_cast<unsigned char>(name[name.size() - 2])))) == std::string_view::npos)
        return name.substr(0, name.size() - 1) + with("ies");
    if (last == 'x' || last == 'z' || ends_with_ci(name, "ch") || ends_with_ci(name, "sh")) return name + with("es");
    return name + with("s");
}

// "ArtistId" -> "Artist", "artist_id" -> "artist"; "" when the column has no such suffix.
std::string without_id(const std::string& column) {
    for (std::string_view suffix : {"_id", "id"}) {
        if (ends_with_ci(column, suffix)) {
            auto base = column.substr(0, column.size() - suffix.size());
            if (suffix == "id" && !(column[column.size() - 2] == 'I')) continue;  // "Id"/"ID", not "paid"
            while (!base.empty() && base.back() == '_') base.pop_back();
            return base;
        }
    }
    return {};
}

struct Table {
    const TableSchema* schema = nullptr;
    EntityInfo* entity = nullptr;
    std::map<std::string, std::string> field_of;  // column -> field name
    std::set<std::string> taken;                  // field and relation names
    std::vector<std::string> key;                 // primary-key columns
    std::set<std::string> unique_columns;         // single-column unique keys (and a one-column primary key)
};

std::string claim(Table& t, const std::string& base, const std::string& disambiguator) {
    auto name = identifier(base);
    if (t.taken.contains(name)) name = identifier(base + "_by_" + disambiguator);
    const auto stem = name;
    for (int n = 2; t.taken.contains(name); ++n) name = stem + std::to_string(n);
    t.taken.insert(name);
    return name;
}

// A foreign key a relation can be made of: one column, to the referenced table's one-column key.
struct Link {
    Table* from = nullptr;  // the referencing table
    Table* to = nullptr;
    std::string column;     // in `from`
};

}  // namespace

IntrospectedModels entities_from_schema(const std::vector<TableSchema>& tables) {
    IntrospectedModels out;
    std::vector<const TableSchema*> sorted;
    for (const auto& t : tables) sorted.push_back(&t);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
    out.entities.reserve(sorted.size());

    std::map<std::string, Table> by_name;
    std::set<std::string> entity_names, index_names;
    for (const auto* s : sorted) {
        auto& e = out.entities.emplace_back();
        e.name = identifier(s->name);
        for (int n = 2; entity_names.contains(e.name); ++n) e.name = identifier(s->name) + std::to_string(n);
        entity_names.insert(e.name);
        e.table = s->name;
        Table& t = by_name[s->name];
        t.schema = s;
        for (const auto& c : s->columns)
            if (c.primary_key) t.key.push_back(c.name);
        if (t.key.size() == 1) t.unique_columns.insert(t.key[0]);
        for (const auto& i : s->indexes)
            if (i.unique && i.columns.size() == 1) t.unique_columns.insert(i.columns[0]);
        for (const auto& c : s->columns) {
            FieldInfo f;
            f.name = identifier(c.name);
            for (int n = 2; t.taken.contains(f.name); ++n) f.name = identifier(c.name) + std::to_string(n);
            t.taken.insert(f.name);
            t.field_of[c.name] = f.name;
            f.column = c.name;
            f.type = c.type.value_or(ColumnType(LogicalType::text));
            if (!c.type) out.notes.push_back(s->name + "." + c.name + ": type " + c.native_type + " is not mapped; read as text");
            f.primary_key = c.primary_key;
            f.nullable = c.nullable && !c.primary_key;
            f.generated = c.generated;  // identity / auto-increment only: an assigned key is not
            f.unique = !c.primary_key && t.unique_columns.contains(c.name);
            if (c.default_sql && !c.generated) f.default_value = c.default_sql;
            e.fields.push_back(std::move(f));
        }
        for (const auto& i : s->indexes) {
            if (i.unique && i.columns.size() == 1) continue;
            IndexInfo ix;
            // Index names share one namespace in a model file; MySQL's and SQLite's are per table.
            ix.name = index_names.contains(i.name) ? s->name + "_" + i.name : i.name;
            index_names.insert(ix.name);
            ix.unique = i.unique;
            for (const auto& c : i.columns) ix.fields.push_back(t.field_of.count(c) ? t.field_of[c] : identifier(c));
            e.indexes.push_back(std::move(ix));
        }
    }
    for (std::size_t i = 0; i < sorted.size(); ++i) by_name[sorted[i]->name].entity = &out.entities[i];

    // The foreign keys relations can be made of, in a fixed order.
    std::vector<Link> links;
    for (const auto* s : sorted) {
        auto fks = s->foreign_keys;
        std::sort(fks.begin(), fks.end(), [](const auto& a, const auto& b) { return a.columns < b.columns; });
        for (const auto& fk : fks) {
            std::string cols;
            for (const auto& c : fk.columns) cols += (cols.empty() ? "" : ",") + c;
            const auto where = s->name + "(" + cols + ") -> " + fk.referenced_table;
            auto target = by_name.find(fk.referenced_table);
            if (target == by_name.end()) {
                out.notes.push_back(where + ": no relation, the referenced table is not served");
            } else if (fk.columns.size() != 1) {
                out.notes.push_back(where + ": no relation, a relation needs a one-column foreign key");
            } else if (target->second.key.size() != 1 || fk.referenced_columns.at(0) != target->second.key[0]) {
                out.notes.push_back(where + ": no relation, it must reference the table's one-column primary key");
            } else {
                links.push_back({&by_name[s->name], &target->second, fk.columns[0]});
            }
        }
    }

    for (auto& l : links) {  // belongs_to first: they keep their names whatever comes later
        RelationInfo r;
        r.kind = RelationKind::belongs_to;
        r.target = l.to->entity->name;
        r.foreign_key = l.from->field_of[l.column];
        auto base = without_id(l.column);
        if (base.empty()) base = l.to->schema->name;
        r.name = claim(*l.from, base, l.column);
        l.from->entity->relations.push_back(std::move(r));
    }
    for (auto& l : links) {
        RelationInfo r;
        const bool one = l.from->unique_columns.contains(l.column);
        r.kind = one ? RelationKind::has_one : RelationKind::has_many;
        r.target = l.from->entity->name;
        r.foreign_key = l.from->field_of[l.column];
        r.name = claim(*l.to, one ? l.from->schema->name : plural(l.from->schema->name), l.column);
        l.to->entity->relations.push_back(std::move(r));
    }
    for (const auto* s : sorted) {  // join tables: a primary key of exactly two linked columns
        auto& j = by_name[s->name];
        if (j.key.size() != 2) continue;
        std::vector<const Link*> pair;
        for (const auto& l : links)
            if (l.from == &j && std::find(j.key.begin(), j.key.end(), l.column) != j.key.end()) pair.push_back(&l);
        if (pair.size() != 2 || pair[0]->column == pair[1]->column) continue;
        for (int side = 0; side < 2; ++side) {
            const auto& source = *pair[static_cast<std::size_t>(side)];
            const auto& target = *pair[static_cast<std::size_t>(1 - side)];
            RelationInfo r;
            r.kind = RelationKind::many_to_many;
            r.target = target.to->entity->name;
            r.through = s->name;
            r.through_source_key = source.column;
            r.through_target_key = target.column;
            r.name = claim(*source.to, plural(target.to->schema->name), s->name);
            source.to->entity->relations.push_back(std::move(r));
        }
    }
    return out;
}

IntrospectedModels introspect_entities(Connection& connection, const Dialect& dialect, const IntrospectOptions& options) {
    auto tables = inspect_schema(connection, dialect, options.skip);
    if (!options.only.empty())
        std::erase_if(tables, [&](const TableSchema& t) {
            return std::find(options.only.begin(), options.only.end(), t.name) == options.only.end();
        });
    return entities_from_schema(tables);
}

std::string schema_version(Connection& connection, const Dialect& dialect) {
    const auto name = dialect.name();
    std::string sql;
    if (name == "sqlite") {
        sql = "PRAGMA schema_version";
    } else if (name == "postgresql") {
        sql = "SELECT md5(COALESCE((SELECT string_agg(concat_ws(':', table_name, column_name, data_type, is_nullable, column_default), ',' "
              "ORDER BY table_name, ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema()), '') || '|' || "
              "COALESCE((SELECT string_agg(concat_ws(':', c.conname, c.contype, c.conrelid::regclass::text, pg_get_constraintdef(c.oid)), ',' "
              "ORDER BY c.conname, c.conrelid::regclass::text) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
              "WHERE n.nspname = current_schema()), '') || '|' || COALESCE((SELECT string_agg(indexdef, ',' ORDER BY indexname) "
              "FROM pg_indexes WHERE schemaname = current_schema()), ''))";
    } else if (name == "mysql") {
        // A sum of checksums: GROUP_CONCAT would be cut at group_concat_max_len.
        sql = "SELECT CONCAT((SELECT CONCAT(COUNT(*), '-', COALESCE(SUM(CRC32(CONCAT_WS(':', table_name, column_name, column_type, "
              "is_nullable, column_key, extra, ordinal_position, COALESCE(column_default, '~')))), 0)) FROM information_schema.columns "
              "WHERE table_schema = DATABASE()), '/', (SELECT CONCAT(COUNT(*), '-', COALESCE(SUM(CRC32(CONCAT_WS(':', table_name, "
              "index_name, column_name, seq_in_index, non_unique))), 0)) FROM information_schema.statistics WHERE table_schema = "
              "DATABASE()), '/', (SELECT CONCAT(COUNT(*), '-', COALESCE(SUM(CRC32(CONCAT_WS(':', constraint_name, table_name, "
              "column_name, COALESCE(referenced_table_name, '~'), COALESCE(referenced_column_name, '~')))), 0)) FROM "
              "information_schema.key_column_usage WHERE table_schema = DATABASE()))";
    } else {
        return {};
    }
    const auto result = connection.execute(sql);
    if (result.rows.empty() || result.rows[0].empty() || result.rows[0][0].is_null()) return {};
    return std::string(name) + ":" + result.rows[0][0].to_display();
}

std::string snapshot_version(Connection& connection, const Dialect& dialect, const IntrospectOptions& options) {
    auto version = schema_version(connection, dialect);
    if (version.empty()) return version;
    auto list = [](const std::vector<std::string>& names) {
        auto sorted = names;
        std::sort(sorted.begin(), sorted.end());
        std::string out;
        for (const auto& n : sorted) out += (out.empty() ? "" : ",") + n;
        return out;
    };
    version += " skip=" + list(options.skip);
    if (!options.only.empty()) version += " only=" + list(options.only);
    return version;
}

std::string models_to_json(const std::vector<EntityInfo>& entities) {
    using nlohmann::ordered_json;
    auto list = ordered_json::array();
    for (const auto& e : entities) {
        ordered_json j{{"name", e.name}, {"table", e.table}};
        auto fields = ordered_json::array();
        for (const auto& f : e.fields) {
            ordered_json fj{{"name", f.name}};
            if (f.column != f.name) fj["column"] = f.column;
            std::string type(to_string(f.type.type));
            if (f.type.type == LogicalType::string && f.type.length) type += "(" + std::to_string(*f.type.length) + ")";
            if (f.type.type == LogicalType::decimal && f.type.precision)
                type += "(" + std::to_string(*f.type.precision) + "," + std::to_string(f.type.scale.value_or(0)) + ")";
            fj["type"] = type;
            if (f.nullable) fj["nullable"] = true;
            if (f.primary_key) fj["primary_key"] = true;
            if (f.unique) fj["unique"] = true;
            if (f.generated) fj["generated"] = true;
            if (f.default_value) fj["default"] = {{"sql", *f.default_value}};
            fields.push_back(std::move(fj));
        }
        j["fields"] = std::move(fields);
        if (!e.relations.empty()) {
            auto relations = ordered_json::array();
            for (const auto& r : e.relations) {
                static constexpr const char* kinds[] = {"belongs_to", "has_one", "has_many", "many_to_many"};
                ordered_json rj{{"name", r.name}, {"kind", kinds[static_cast<int>(r.kind)]}, {"target", r.target}};
                if (r.kind == RelationKind::many_to_many)
                    rj["through"] = {{"table", r.through}, {"source_key", r.through_source_key}, {"target_key", r.through_target_key}};
                else
                    rj["foreign_key"] = r.foreign_key;
                relations.push_back(std::move(rj));
            }
            j["relations"] = std::move(relations);
        }
        if (!e.indexes.empty()) {
            auto indexes = ordered_json::array();
            for (const auto& i : e.indexes) {
                ordered_json ij{{"name", i.name}, {"fields", i.fields}};
                if (i.unique) ij["unique"] = true;
                indexes.push_back(std::move(ij));
            }
            j["indexes"] = std::move(indexes);
        }
        list.push_back(std::move(j));
    }
    return ordered_json{{"entities", std::move(list)}}.dump(1) + "\n";
}

void write_catalog_snapshot(const std::filesystem::path& file, const CatalogSnapshot& snapshot) {
    auto text = models_to_json(snapshot.entities);
    // {"entities": ...} -> {"rex_catalog_snapshot": {...}, "entities": ...}
    const auto header = nlohmann::ordered_json{{"format", 1}, {"schema_version", snapshot.schema_version}}.dump();
    text.insert(1, "\n \"rex_catalog_snapshot\": " + header + ",");
    auto temporary = file;
    temporary += ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) raise({ErrorCategory::configuration, file.string() + ": cannot write the catalog snapshot", {}, {}});
    }
    std::error_code ec;
    std::filesystem::rename(temporary, file, ec);
    if (ec) {
        std::filesystem::remove(temporary, ec);
        raise({ErrorCategory::configuration, file.string() + ": cannot write the catalog snapshot: " + ec.message(), {}, {}});
    }
}

std::optional<CatalogSnapshot> read_catalog_snapshot(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) return std::nullopt;
        raise({ErrorCategory::configuration, file.string() + ": cannot read the catalog snapshot", {}, {}});
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto fail = [&](const std::string& what) {
        raise({ErrorCategory::configuration, file.string() + ": not a catalog snapshot: " + what, {}, {}});
    };
    auto root = nlohmann::ordered_json::parse(text.str(), nullptr, /*allow_exceptions*/ false);
    if (root.is_discarded() || !root.is_object()) fail("malformed JSON");
    const auto header = root.find("rex_catalog_snapshot");
    if (header == root.end() || !header->is_object()) fail("no \"rex_catalog_snapshot\" header");
    const auto format = header->find("format");
    if (format == header->end() || !format->is_number_integer() || format->get<int>() != 1) fail("unknown format (expected 1)");
    CatalogSnapshot snapshot;
    const auto version = header->find("schema_version");
    if (version != header->end() && version->is_string()) snapshot.schema_version = version->get<std::string>();
    root.erase("rex_catalog_snapshot");
    snapshot.entities = parse_models(root.dump(), file.string());
    return snapshot;
}

ServedCatalog served_catalog(Connection& connection, const Dialect& dialect, const IntrospectOptions& options,
                             const std::filesystem::path& snapshot, bool write_snapshot) {
    ServedCatalog out;
    std::string version;
    if (!snapshot.empty()) {
        version = snapshot_version(connection, dialect, options);
        if (auto read = read_catalog_snapshot(snapshot)) {
            if (version.empty() || read->schema_version == version) {
                out.entities = std::move(read->entities);
                out.from_snapshot = true;
                return out;
            }
            out.stale_snapshot = true;
        }
    }
    auto models = introspect_entities(connection, dialect, options);
    out.notes = std::move(models.notes);
    if (!snapshot.empty() && write_snapshot) {
        write_catalog_snapshot(snapshot, {version, models.entities});
        out.wrote_snapshot = true;
    }
    out.entities = std::move(models.entities);
    return out;
}

}  // namespace rex

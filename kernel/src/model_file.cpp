#include "json_repeats.hpp"
#include "printable.hpp"

#include <rex/kernel.hpp>
#include <rex/model_file.hpp>
#include <rex/orm/rules.hpp>
#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <system_error>

namespace rex {

namespace {

using nlohmann::json;

constexpr std::string_view type_names =
    "bool, int32, int64, float64, decimal(p,s), string(n), text, bytes, date, time, timestamp, uuid, json";
constexpr std::string_view relation_kinds = "belongs_to, has_one, has_many, many_to_many";
constexpr std::string_view rule_names = "not_empty, email, length, range, pattern, one_of";

std::string in_quotes(std::string_view s) { return "\"" + printable(s) + "\""; }

std::string comma_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out.empty() ? "none" : out;
}

// One reference token of a JSON pointer (RFC 6901): '~' and '/' are escaped.
std::string pointer_token(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::string child(const std::string& at, std::string_view key) { return at + "/" + pointer_token(key); }
std::string child(const std::string& at, std::size_t index) { return at + "/" + std::to_string(index); }

// "line L, column C" (both counted from 1) of a byte offset into `text`.
std::string text_position(std::string_view text, std::size_t offset) {
    const auto before = text.substr(0, std::min(offset, text.size()));
    const auto line = std::count(before.begin(), before.end(), '\n') + 1;
    const auto newline = before.rfind('\n');
    const auto column = newline == std::string_view::npos ? before.size() + 1 : before.size() - newline;
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

bool is_identifier(std::string_view s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

bool is_integer_type(LogicalType t) { return t == LogicalType::int32 || t == LogicalType::int64; }
bool is_numeric_type(LogicalType t) { return is_integer_type(t) || t == LogicalType::float64 || t == LogicalType::decimal; }
bool is_text_type(LogicalType t) { return t == LogicalType::string || t == LogicalType::text; }

std::string type_text(const ColumnType& t) {
    std::string out(to_string(t.type));
    if (t.length) out += "(" + std::to_string(*t.length) + ")";
    if (t.precision) out += "(" + std::to_string(*t.precision) + "," + std::to_string(t.scale.value_or(0)) + ")";
    return out;
}

std::vector<std::string> field_names(const EntityInfo& e) {
    std::vector<std::string> out;
    for (const auto& f : e.fields) out.push_back(f.name);
    return out;
}

std::string no_such_field(const EntityInfo& e, std::string_view field) {
    return "entity " + in_quotes(e.name) + " has no field " + in_quotes(field) + " (fields: " + comma_list(field_names(e)) + ")";
}

std::size_t primary_key_count(const EntityInfo& e) {
    return static_cast<std::size_t>(std::count_if(e.fields.begin(), e.fields.end(), [](const FieldInfo& f) { return f.primary_key; }));
}

// Parses JSON text; a syntax error or an object repeating a key (which nlohmann would settle
// silently by keeping the last) is reported with `fail`.
template <class Fail>
json parse_json(std::string_view text, const std::string& source, Fail&& fail) {
    std::string repeated;  // pointer of the first repeated key
    json root;
    try {
        root = parse_json_noting_repeats(text, /*ignore_comments*/ false, repeated);
    } catch (const json::parse_error& e) {
        // e.byte counts from 1 and is the last byte read, where the problem shows.
        std::string what = e.what();
        if (const auto colon = what.find(": "); what.find("parse error") != std::string::npos && colon != std::string::npos)
            what = what.substr(colon + 2);
        raise({ErrorCategory::configuration,
               source + ": malformed JSON at " + text_position(text, e.byte > 0 ? e.byte - 1 : 0) + ": " + what, {}, {}});
    }
    if (!repeated.empty()) fail(repeated, "repeated key (each key may appear once in an object)");
    return root;
}

class ModelReader {
public:
    ModelReader(std::string source, const CatalogView* known) : source_(std::move(source)), known_(known) {}

    std::vector<EntityInfo> read(std::string_view text) {
        const auto root = parse_json(text, source_, [this](const std::string& at, const std::string& what) { fail(at, what); });
        object(root, "", {"entities"}, {"entities"});
        const auto& entities = array(root.at("entities"), "/entities");
        for (std::size_t i = 0; i < entities.size(); ++i) entity(entities[i], child("/entities", i));
        for (const auto& pending : relations_) check_relation(pending);
        return std::move(entities_);
    }

private:
    struct PendingRelation {
        std::size_t entity;
        std::size_t relation;
        std::string at;
    };

    [[noreturn]] void fail(const std::string& at, const std::string& what) const {
        raise({ErrorCategory::configuration, source_ + ": " + (at.empty() ? "/" : at) + ": " + what, {}, {}});
    }

    [[noreturn]] void wrong_kind(const json& j, const std::string& at, std::string_view expected) const {
        const bool scalar = !j.is_object() && !j.is_array();
        fail(at, "expected " + std::string(expected) + ", got " + j.type_name() + (scalar && !j.is_null() ? " " + j.dump() : ""));
    }

    // `j` must be an object whose keys are all in `allowed`, with every key of `required`.
    void object(const json& j, const std::string& at, std::initializer_list<std::string_view> allowed,
                std::initializer_list<std::string_view> required) const {
        if (!j.is_object()) wrong_kind(j, at, "an object");
        for (const auto& [key, value] : j.items()) {
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
            std::string expected;
            for (auto k : allowed) expected += (expected.empty() ? "" : ", ") + std::string(k);
            fail(child(at, key), "unknown key (expected one of: " + expected + ")");
        }
        for (auto key : required)
            if (!j.contains(key)) fail(at, "missing " + in_quotes(key));
    }

    const json& array(const json& j, const std::string& at) const {
        if (!j.is_array()) wrong_kind(j, at, "an array");
        return j;
    }

    std::string text(const json& j, const std::string& at) const {
        if (!j.is_string()) wrong_kind(j, at, "a string");
        auto s = j.get<std::string>();
        if (s.empty()) fail(at, "must not be empty");
        return s;
    }

    std::string identifier(const json& j, const std::string& at) const {
        auto s = text(j, at);
        if (!is_identifier(s)) fail(at, in_quotes(s) + " is not a name (letters, digits and _, not starting with a digit)");
        return s;
    }

    bool flag(const json& j, const std::string& key, const std::string& at) const {
        if (!j.contains(key)) return false;
        const auto& v = j.at(key);
        if (!v.is_boolean()) wrong_kind(v, child(at, key), "true or false");
        return v.get<bool>();
    }

    double number(const json& j, const std::string& at) const {
        if (!j.is_number()) wrong_kind(j, at, "a number");
        return j.get<double>();
    }

    // [min, max] with min <= max; integers when `whole`.
    std::pair<double, double> bounds(const json& j, const std::string& at, bool whole) const {
        if (!j.is_array() || j.size() != 2) wrong_kind(j, at, whole ? "[min, max] (two integers)" : "[min, max] (two numbers)");
        const auto low = number(j[0], child(at, 0)), high = number(j[1], child(at, 1));
        for (std::size_t i = 0; i < 2; ++i)
            if (whole && (!j[i].is_number_integer() || j[i].get<double>() < 0))
                wrong_kind(j[i], child(at, i), "a whole number >= 0");
        if (low > high) fail(at, "min (" + j[0].dump() + ") is greater than max (" + j[1].dump() + ")");
        return {low, high};
    }

    void entity(const json& j, const std::string& at) {
        object(j, at, {"name", "table", "fields", "relations", "indexes"}, {"name", "fields"});
        EntityInfo e;
        e.name = identifier(j.at("name"), child(at, "name"));
        for (std::size_t i = 0; i < entities_.size(); ++i)
            if (entities_[i].name == e.name) fail(child(at, "name"), "duplicate entity " + in_quotes(e.name) + " (also /entities/" + std::to_string(i) + ")");
        e.table = j.contains("table") ? text(j.at("table"), child(at, "table")) : e.name;

        const auto fields_at = child(at, "fields");
        const auto& fields = array(j.at("fields"), fields_at);
        if (fields.empty()) fail(fields_at, "an entity needs at least one field");
        for (std::size_t i = 0; i < fields.size(); ++i) field(e, fields[i], fields_at, i);

        if (j.contains("relations")) {
            const auto relations_at = child(at, "relations");
            const auto& relations = array(j.at("relations"), relations_at);
            for (std::size_t i = 0; i < relations.size(); ++i) {
                relation(e, relations[i], child(relations_at, i));
                relations_.push_back({entities_.size(), i, child(relations_at, i)});
            }
        }
        if (j.contains("indexes")) {
            const auto indexes_at = child(at, "indexes");
            const auto& indexes = array(j.at("indexes"), indexes_at);
            for (std::size_t i = 0; i < indexes.size(); ++i) index(e, indexes[i], child(indexes_at, i));
        }
        entities_.push_back(std::move(e));
    }

    void field(EntityInfo& e, const json& j, const std::string& fields_at, std::size_t position) {
        const auto at = child(fields_at, position);
        object(j, at, {"name", "column", "type", "nullable", "primary_key", "unique", "generated", "default", "rules"}, {"name", "type"});
        FieldInfo f;
        f.name = identifier(j.at("name"), child(at, "name"));
        f.column = j.contains("column") ? text(j.at("column"), child(at, "column")) : f.name;
        for (std::size_t i = 0; i < e.fields.size(); ++i) {
            if (e.fields[i].name == f.name)
                fail(child(at, "name"), "duplicate field " + in_quotes(f.name) + " (also " + child(fields_at, i) + ")");
            if (e.fields[i].column == f.column)
                fail(at, "column " + in_quotes(f.column) + " is also the column of field " + in_quotes(e.fields[i].name));
        }
        f.type = column_type(j.at("type"), child(at, "type"));
        f.nullable = flag(j, "nullable", at);
        f.primary_key = flag(j, "primary_key", at);
        f.unique = flag(j, "unique", at);
        f.generated = flag(j, "generated", at);
        if (f.primary_key && f.nullable) fail(child(at, "nullable"), "a primary key cannot be nullable");
        // An integer key the database generates is an auto-increment / identity column.
        f.type.auto_increment = f.primary_key && f.generated && is_integer_type(f.type.type);
        if (j.contains("default")) f.default_value = default_sql(j.at("default"), child(at, "default"));
        // Only an integer key can be an identity column; any other generated key needs its maker.
        if (f.primary_key && f.generated && !f.type.auto_increment && !f.default_value)
            fail(child(at, "generated"),
                 "a generated primary key that is not an integer needs a \"default\" that makes it (such as {\"sql\": "
                 "\"gen_random_uuid()\"}); a key the application assigns is not \"generated\"");
        if (j.contains("rules")) {
            const auto rules_at = child(at, "rules");
            const auto& rules = array(j.at("rules"), rules_at);
            for (std::size_t i = 0; i < rules.size(); ++i) e.rules.push_back(rule(f, rules[i], child(rules_at, i)));
        }
        e.fields.push_back(std::move(f));
    }

    ColumnType column_type(const json& j, const std::string& at) const {
        const auto spec = text(j, at);
        static const std::regex form(R"(([a-z0-9]+)(?:\(\s*(\d{1,9})\s*(?:,\s*(\d{1,9})\s*)?\))?)");
        std::smatch m;
        const auto type = std::regex_match(spec, m, form) ? parse_logical_type(m[1].str()) : std::nullopt;
        if (!type) fail(at, "unknown type " + in_quotes(spec) + " (expected one of " + std::string(type_names) + ")");
        const bool first = m[2].matched, second = m[3].matched;
        const auto first_value = first ? std::stoi(m[2].str()) : 0;
        switch (*type) {
            case LogicalType::string: {
                if (second) fail(at, "string takes one parameter, its length: string(n)");
                if (!first) return LogicalType::string;
                if (first_value < 1) fail(at, "a string's length must be at least 1");
                return {LogicalType::string, first_value};
            }
            case LogicalType::decimal: {
                if (!first) return LogicalType::decimal;
                const auto scale = second ? std::stoi(m[3].str()) : 0;
                if (first_value < 1 || first_value > 1000) fail(at, "a decimal's precision must be 1 to 1000");
                if (scale > first_value)
                    fail(at, "a decimal's scale (" + std::to_string(scale) + ") must not exceed its precision (" +
                                 std::to_string(first_value) + ")");
                return ColumnType::decimal(first_value, scale);
            }
            default:
                if (first) fail(at, "type " + in_quotes(m[1].str()) + " takes no parameters");
                return *type;
        }
    }

    // Values become SQL literals; {"sql": "..."} is an SQL expression taken as written.
    std::string default_sql(const json& j, const std::string& at) const {
        switch (j.type()) {
            case json::value_t::null: return "NULL";
            case json::value_t::boolean: return j.get<bool>() ? "TRUE" : "FALSE";
            case json::value_t::number_integer:
            case json::value_t::number_unsigned:
            case json::value_t::number_float: return j.dump();
            case json::value_t::string: {
                std::string out = "'";
                for (char c : j.get<std::string>()) out += c == '\'' ? std::string("''") : std::string(1, c);
                return out + "'";
            }
            case json::value_t::object:
                object(j, at, {"sql"}, {"sql"});
                return text(j.at("sql"), child(at, "sql"));
            default: wrong_kind(j, at, "a string, number, boolean, null or {\"sql\": \"expression\"}");
        }
    }

    // "not_empty" / "email", or an object of one key: {"length": [1, 100]}, {"range": [0, 150]},
    // {"pattern": "regex"}, {"one_of": ["a", "b"]}. The catalog gets the rule as rules.hpp makes it.
    ValidationRuleInfo rule(const FieldInfo& f, const json& j, const std::string& at) const {
        std::string name;
        const json* argument = nullptr;
        if (j.is_string()) {
            name = j.get<std::string>();
        } else if (j.is_object() && j.size() == 1) {
            name = j.begin().key();
            argument = &j.begin().value();
        } else {
            wrong_kind(j, at, "a rule: \"not_empty\", \"email\" or an object of one key such as {\"length\": [1, 100]}");
        }
        const auto arg_at = child(at, name);
        const auto needs = [&](bool takes_argument, std::string_view form) {
            if (takes_argument && !argument) fail(at, "rule " + in_quotes(name) + " needs an argument: " + std::string(form));
            if (!takes_argument && argument) fail(arg_at, "rule " + in_quotes(name) + " takes no argument: write " + std::string(form));
        };
        const auto applies_to = [&](bool ok, std::string_view what) {
            if (!ok) fail(at, "rule " + in_quotes(name) + " applies to " + std::string(what) + " fields; " + in_quotes(f.name) + " is " + type_text(f.type));
        };
        const bool textual = is_text_type(f.type.type);
        Rule made;
        if (name == "not_empty" || name == "email") {
            needs(false, in_quotes(name));
            applies_to(textual, "string and text");
            made = name == "email" ? rex::email() : rex::not_empty();
        } else if (name == "length") {
            needs(true, "{\"length\": [min, max]}");
            applies_to(textual, "string and text");
            const auto [low, high] = bounds(*argument, arg_at, true);
            made = rex::length(static_cast<std::size_t>(low), static_cast<std::size_t>(high));
        } else if (name == "range") {
            needs(true, "{\"range\": [min, max]}");
            applies_to(is_numeric_type(f.type.type), "int32, int64, float64 and decimal");
            const auto [low, high] = bounds(*argument, arg_at, false);
            made = rex::range(low, high);
        } else if (name == "pattern") {
            needs(true, "{\"pattern\": \"regular expression\"}");
            applies_to(textual, "string and text");
            try {
                made = rex::pattern(text(*argument, arg_at));
            } catch (const std::regex_error& e) {
                fail(arg_at, std::string("not a valid regular expression (ECMAScript): ") + e.what());
            }
        } else if (name == "one_of") {
            needs(true, "{\"one_of\": [\"a\", \"b\"]}");
            applies_to(f.type.type != LogicalType::bytes && f.type.type != LogicalType::json, "scalar");
            if (!argument->is_array() || argument->empty()) wrong_kind(*argument, arg_at, "a non-empty array of strings or numbers");
            std::vector<std::string> allowed;
            for (std::size_t i = 0; i < argument->size(); ++i) {
                const auto& v = (*argument)[i];
                if (v.is_string())
                    allowed.push_back(v.get<std::string>());
                else if (v.is_number())
                    allowed.push_back(v.dump());
                else
                    wrong_kind(v, child(arg_at, i), "a string or a number");
            }
            made = rex::one_of(std::move(allowed));
        } else {
            fail(argument ? arg_at : at, "unknown rule " + in_quotes(name) + " (expected one of " + std::string(rule_names) + ")");
        }
        return {f.name, made.name, made.argument};
    }

    // The kind and shape of a relation; targets and keys are checked once every entity is read.
    void relation(EntityInfo& e, const json& j, const std::string& at) const {
        object(j, at, {"name", "kind", "target", "foreign_key", "through"}, {"name", "kind", "target"});
        RelationInfo r;
        r.name = identifier(j.at("name"), child(at, "name"));
        if (e.relation(r.name)) fail(child(at, "name"), "duplicate relation " + in_quotes(r.name));
        if (e.field(r.name)) fail(child(at, "name"), "relation " + in_quotes(r.name) + " has the name of a field");
        const auto kind = text(j.at("kind"), child(at, "kind"));
        static const std::map<std::string, RelationKind, std::less<>> kinds{{"belongs_to", RelationKind::belongs_to},
                                                                           {"has_one", RelationKind::has_one},
                                                                           {"has_many", RelationKind::has_many},
                                                                           {"many_to_many", RelationKind::many_to_many}};
        const auto found = kinds.find(kind);
        if (found == kinds.end())
            fail(child(at, "kind"), "unknown relation kind " + in_quotes(kind) + " (expected one of " + std::string(relation_kinds) + ")");
        r.kind = found->second;
        r.target = identifier(j.at("target"), child(at, "target"));
        if (r.kind == RelationKind::many_to_many) {
            if (j.contains("foreign_key"))
                fail(child(at, "foreign_key"), "a many_to_many relation has no foreign_key; its keys are in \"through\"");
            if (!j.contains("through")) fail(at, "missing \"through\" (a many_to_many relation needs {\"table\", \"source_key\", \"target_key\"})");
            const auto through_at = child(at, "through");
            const auto& through = j.at("through");
            object(through, through_at, {"table", "source_key", "target_key"}, {"table", "source_key", "target_key"});
            r.through = text(through.at("table"), child(through_at, "table"));
            r.through_source_key = text(through.at("source_key"), child(through_at, "source_key"));
            r.through_target_key = text(through.at("target_key"), child(through_at, "target_key"));
            if (r.through_source_key == r.through_target_key)
                fail(child(through_at, "target_key"), "source_key and target_key must be different columns");
        } else {
            if (j.contains("through")) fail(child(at, "through"), "only many_to_many relations go through a join table");
            if (!j.contains("foreign_key")) fail(at, "missing \"foreign_key\"");
            r.foreign_key = identifier(j.at("foreign_key"), child(at, "foreign_key"));
        }
        e.relations.push_back(std::move(r));
    }

    void index(EntityInfo& e, const json& j, const std::string& at) {
        object(j, at, {"name", "fields", "unique"}, {"fields"});
        IndexInfo ix;
        ix.unique = flag(j, "unique", at);
        const auto fields_at = child(at, "fields");
        const auto& fields = array(j.at("fields"), fields_at);
        if (fields.empty()) fail(fields_at, "an index needs at least one field");
        std::string columns;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            auto name = text(fields[i], child(fields_at, i));
            const auto* f = e.field(name);
            if (!f) fail(child(fields_at, i), no_such_field(e, name));
            if (std::find(ix.fields.begin(), ix.fields.end(), name) != ix.fields.end())
                fail(child(fields_at, i), "field " + in_quotes(name) + " is already in this index");
            columns += "_" + f->column;
            ix.fields.push_back(std::move(name));
        }
        ix.name = j.contains("name") ? text(j.at("name"), child(at, "name")) : e.table + columns + (ix.unique ? "_key" : "_idx");
        // Index names share one namespace per schema in PostgreSQL: unique across the file.
        if (const auto [it, added] = index_names_.try_emplace(ix.name, at); !added)
            fail(j.contains("name") ? child(at, "name") : at, "duplicate index name " + in_quotes(ix.name) + " (also " + it->second + ")");
        e.indexes.push_back(std::move(ix));
    }

    std::shared_ptr<const EntityInfo> find_entity(std::string_view name) const {
        for (const auto& e : entities_)  // the file's own entities live as long as this reader
            if (e.name == name) return std::shared_ptr<const EntityInfo>(std::shared_ptr<void>(), &e);
        return known_ ? known_->find_entity(name) : nullptr;
    }

    void check_relation(const PendingRelation& p) const {
        const auto& e = entities_[p.entity];
        const auto& r = e.relations[p.relation];
        const auto target = find_entity(r.target);
        if (!target) {
            std::set<std::string> names;
            for (const auto& other : entities_) names.insert(other.name);
            if (known_)
                for (auto& name : known_->entity_names()) names.insert(std::move(name));
            fail(child(p.at, "target"),
                 "unknown entity " + in_quotes(r.target) + " (known entities: " + comma_list({names.begin(), names.end()}) + ")");
        }
        const auto needs_single_key = [&](const EntityInfo& owner) {
            if (const auto n = primary_key_count(owner); n != 1)
                fail(p.at, "relation " + in_quotes(r.name) + " needs entity " + in_quotes(owner.name) +
                               " to have exactly one primary-key field (it has " + std::to_string(n) + ")");
        };
        switch (r.kind) {
            case RelationKind::belongs_to:
                if (!e.field(r.foreign_key)) fail(child(p.at, "foreign_key"), no_such_field(e, r.foreign_key));
                needs_single_key(*target);
                break;
            case RelationKind::has_one:
            case RelationKind::has_many:
                if (!target->field(r.foreign_key)) fail(child(p.at, "foreign_key"), no_such_field(*target, r.foreign_key));
                needs_single_key(e);
                break;
            case RelationKind::many_to_many:
                needs_single_key(e);
                needs_single_key(*target);
                break;
        }
    }

    std::string source_;
    const CatalogView* known_;
    std::vector<EntityInfo> entities_;
    std::vector<PendingRelation> relations_;
    std::map<std::string, std::string> index_names_;  // name -> pointer of its index
};

}  // namespace

std::vector<EntityInfo> parse_models(std::string_view json_text, std::string_view source_name, const CatalogView* known) {
    return ModelReader(std::string(source_name), known).read(json_text);
}

std::vector<EntityInfo> read_model_file(const std::filesystem::path& file, const CatalogView* known) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::error_code ec;
        const bool exists = std::filesystem::exists(file, ec);
        raise({ErrorCategory::configuration, file.string() + ": " + (exists ? "cannot read the model file" : "no such model file"), {}, {}});
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_models(text.str(), file.string(), known);
}

std::vector<std::string> load_model_file(Kernel& kernel, const std::filesystem::path& file) {
    auto entities = read_model_file(file, &kernel.catalog());
    std::vector<std::string> names;
    for (auto& e : entities) {
        names.push_back(e.name);
        kernel.register_entity(std::move(e));
    }
    return names;
}

}  // namespace rex

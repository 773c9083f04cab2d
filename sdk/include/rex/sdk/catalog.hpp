// Read-only view of the kernel's model catalog, for plugins (GraphQL, realtime).
#pragma once

#include <rex/sdk/types.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

REX_SDK_BEGIN

struct FieldInfo {
    std::string name;    // model field name
    std::string column;  // database column name
    ColumnType type;
    bool nullable = false;
    bool primary_key = false;
    bool unique = false;
    bool generated = false;                    // filled by the database (identity, default)
    std::optional<std::string> default_value;  // SQL default expression, if any
};

enum class RelationKind : std::uint8_t { belongs_to, has_one, has_many, many_to_many };

struct RelationInfo {
    std::string name;
    RelationKind kind = RelationKind::belongs_to;
    std::string target;       // target entity name
    std::string foreign_key;  // field holding the key (on this entity for belongs_to, else on target)
    std::string through;      // join table for many_to_many
    std::string through_source_key;
    std::string through_target_key;
};

struct IndexInfo {
    std::string name;
    std::vector<std::string> fields;
    bool unique = false;
};

struct ValidationRuleInfo {
    std::string field;
    std::string rule;      // "not_empty", "length", "range", "pattern", "email", "one_of", ...
    std::string argument;  // rule-specific, as text
};

struct REX_SDK_API EntityInfo {
    std::string name;
    std::string table;
    std::vector<FieldInfo> fields;
    std::vector<RelationInfo> relations;
    std::vector<IndexInfo> indexes;
    std::vector<ValidationRuleInfo> rules;

    const FieldInfo* field(std::string_view field_name) const noexcept;
    const RelationInfo* relation(std::string_view relation_name) const noexcept;
};

struct Resolver;

class REX_SDK_API CatalogView {
public:
    virtual ~CatalogView();
    virtual std::vector<std::string> entity_names() const = 0;
    // nullptr when there is no such entity. An entry is never changed in place: replacing an
    // entity publishes a new one, so a reader keeps a consistent entity for as long as it holds it,
    // whatever other threads register meanwhile.
    virtual std::shared_ptr<const EntityInfo> find_entity(std::string_view name) const = 0;
    // The custom root fields (rex/sdk/resolver.hpp) registered by the application and plugins, in
    // registration order; shared, never changed in place. None by default.
    virtual std::vector<std::shared_ptr<const Resolver>> resolvers() const;
};

REX_SDK_END

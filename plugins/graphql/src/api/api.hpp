// The API builder: the catalog -> a GraphQL Schema with Hasura's conventions (SERVING.md), plus
// the tables the SQL compiler reads to know what each root field, field and input field means.
#pragma once

#include "api/naming.hpp"
#include "custom/custom_fields.hpp"
#include "schema/type_system.hpp"

#include <rex/sdk/catalog.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rex::graphql {

struct ApiOptions {
    Naming naming = Naming::as_is;
    // Also the seed's simple root fields: getArtist(<key>), listArtists(where, order_by, limit,
    // offset), createArtist(input), updateArtist(<key>, input), deleteArtist(<key>).
    bool simple_names = false;
    // Named SQL queries from the config, as root fields of query_root (custom/custom_fields.hpp).
    std::vector<std::shared_ptr<const SqlQueryDef>> queries;
};

// One entity as the API shows it. The GraphQL names of its columns and relations are the same in
// the object type and in every input type made from it (bool_exp, order_by, insert_input, ...).
struct EntityApi {
    std::shared_ptr<const EntityInfo> entity;
    std::string type_name;  // the object type: "artist" / "Artist"
    std::vector<std::pair<std::string, const FieldInfo*>> columns;
    std::vector<std::pair<std::string, const RelationInfo*>> relations;
    std::vector<std::pair<std::string, const RelationInfo*>> relation_aggregates;  // "<rel>_aggregate"
    std::vector<const FieldInfo*> primary_key;
    // Values of the `t_constraint` enum and the columns each stands for.
    std::vector<std::pair<std::string, std::vector<const FieldInfo*>>> constraints;

    const FieldInfo* column(std::string_view graphql_name) const noexcept;
    const RelationInfo* relation(std::string_view graphql_name) const noexcept;
    const RelationInfo* relation_aggregate(std::string_view graphql_name) const noexcept;
    // The GraphQL name of a column by its model field name; empty when not shown.
    std::string column_name(std::string_view field) const;
};

enum class RootKind : unsigned char {
    list, by_pk, aggregate,
    insert, insert_one, update, update_by_pk, delete_where, delete_by_pk,
    stream,  // subscription `<t>_stream` (operations/stream.hpp)
};

struct RootField {
    RootKind kind = RootKind::list;
    const EntityApi* entity = nullptr;
};

struct Api {
    Schema schema;
    Names names;
    std::map<std::string, EntityApi, std::less<>> entities;  // by entity name
    std::map<std::string, RootField, std::less<>> query_fields;
    std::map<std::string, RootField, std::less<>> mutation_fields;
    // Live queries (list, by_pk, aggregate: as in query_fields) and streams (api/subscription_root.hpp).
    std::map<std::string, RootField, std::less<>> subscription_fields;
    // Custom root fields: resolvers from the catalog and the config's SQL queries.
    std::map<std::string, CustomField, std::less<>> custom_query_fields;
    std::map<std::string, CustomField, std::less<>> custom_mutation_fields;

    const EntityApi* entity(std::string_view entity_name) const noexcept;
    // The entity a relation points to; nullptr when it is not in the API.
    const EntityApi* target(const RelationInfo& relation) const noexcept;
    const RootField* root(bool mutation, std::string_view field) const noexcept;
    const CustomField* custom(bool mutation, std::string_view field) const noexcept;
};

// Builds the API of every entity of the catalog, then adds the custom fields (the catalog's
// resolvers and options.queries). Entities without fields, relations to entities that are not in
// the catalog and generated names that would clash are left out (the API stays valid); a custom
// field that is malformed or clashes throws ConfigurationError.
std::shared_ptr<const Api> build_api(const CatalogView& catalog, const ApiOptions& options = {});

// The GraphQL scalar of a logical type: Int, bigint, Float, numeric, String, Boolean, date, time,
// timestamptz, uuid, bytea, jsonb.
std::string_view scalar_name(LogicalType type) noexcept;
bool is_numeric(LogicalType type) noexcept;      // sum, avg, _inc
bool is_orderable(LogicalType type) noexcept;   // min, max

}  // namespace rex::graphql

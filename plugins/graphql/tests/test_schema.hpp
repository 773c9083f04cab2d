// A small hand-built GraphQL schema shaped like the API Rex generates for Chinook (artist, album,
// track; where/order_by/limit arguments; an enum; input objects; mutation and subscription roots),
// plus an interface, a union and custom directives so every validation rule has something to bite.
// Shared by the unit tests and graphql_validate_tool (whose SDL the graphql-js corpus test builds).
#pragma once

#include "schema/type_system.hpp"

namespace rex::graphql::testing {

namespace detail {

inline TypeRef t(const char* name) { return TypeRef::named(name); }
inline InputValueDef arg(const char* name, TypeRef type, std::optional<InputValue> def = std::nullopt,
                         std::string description = {}) {
    return {name, std::move(description), std::move(type), std::move(def), std::nullopt};
}
inline FieldDef field(const char* name, TypeRef type, std::vector<InputValueDef> args = {}, std::string description = {},
                      std::optional<std::string> deprecation = std::nullopt) {
    return {name, std::move(description), std::move(type), std::move(args), std::move(deprecation)};
}
inline TypeDef object(const char* name, std::vector<FieldDef> fields, std::vector<std::string> interfaces = {},
                      std::string description = {}) {
    TypeDef d;
    d.kind = TypeKind::object;
    d.name = name;
    d.fields = std::move(fields);
    d.interfaces = std::move(interfaces);
    d.description = std::move(description);
    return d;
}
inline TypeDef input(const char* name, std::vector<InputValueDef> fields) {
    TypeDef d;
    d.kind = TypeKind::input_object;
    d.name = name;
    d.input_fields = std::move(fields);
    return d;
}
inline std::vector<InputValueDef> list_args(const char* entity) {
    std::string e = entity;
    return {arg("where", TypeRef::named(e + "_bool_exp")), arg("order_by", TypeRef::named(e + "_order_by").non_null().list()),
            arg("limit", t("Int")), arg("offset", t("Int"))};
}
inline std::vector<InputValueDef> comparison(const char* scalar) {
    return {arg("_eq", t(scalar)), arg("_neq", t(scalar)), arg("_gt", t(scalar)), arg("_lt", t(scalar)),
            arg("_in", t(scalar).non_null().list()), arg("_is_null", t("Boolean"))};
}
inline std::vector<InputValueDef> bool_exp(const char* entity, std::vector<InputValueDef> columns) {
    std::string self = std::string(entity) + "_bool_exp";
    std::vector<InputValueDef> f{arg("_and", TypeRef::named(self).non_null().list()),
                                 arg("_or", TypeRef::named(self).non_null().list()), arg("_not", TypeRef::named(self))};
    for (auto& c : columns) f.push_back(std::move(c));
    return f;
}

}  // namespace detail

inline Schema make_chinook_schema() {
    using namespace detail;
    Schema s;
    s.description = "A Chinook subset for the language tests.";
    s.query_type = "query_root";
    s.mutation_type = "mutation_root";
    s.subscription_type = "subscription_root";

    TypeDef numeric;
    numeric.kind = TypeKind::scalar;
    numeric.name = "numeric";
    numeric.description = "An exact decimal number, as text when it does not fit a double.";
    s.add_type(numeric);
    TypeDef timestamptz;
    timestamptz.kind = TypeKind::scalar;
    timestamptz.name = "timestamptz";
    timestamptz.specified_by = "https://www.rfc-editor.org/rfc/rfc3339";
    s.add_type(timestamptz);

    TypeDef order_by;
    order_by.kind = TypeKind::enum_type;
    order_by.name = "order_by";
    order_by.description = "column ordering options";
    order_by.enum_values = {{"asc", "in ascending order, nulls last", std::nullopt},
                            {"asc_nulls_first", "in ascending order, nulls first", std::nullopt},
                            {"desc", "in descending order, nulls first", std::nullopt},
                            {"desc_nulls_last", "in descending order, nulls last", std::nullopt}};
    s.add_type(order_by);
    TypeDef media;
    media.kind = TypeKind::enum_type;
    media.name = "media_kind";
    media.enum_values = {{"AUDIO", {}, std::nullopt}, {"VIDEO", {}, std::nullopt},
                         {"TAPE", {}, std::string("No longer sold")}};
    s.add_type(media);

    s.add_type(input("Int_comparison_exp", comparison("Int")));
    s.add_type(input("String_comparison_exp", comparison("String")));
    s.add_type(input("artist_bool_exp", bool_exp("artist", {arg("artist_id", t("Int_comparison_exp")),
                                                            arg("name", t("String_comparison_exp")),
                                                            arg("albums", t("album_bool_exp"))})));
    s.add_type(input("album_bool_exp", bool_exp("album", {arg("album_id", t("Int_comparison_exp")),
                                                          arg("title", t("String_comparison_exp")),
                                                          arg("artist", t("artist_bool_exp"))})));
    s.add_type(input("track_bool_exp", bool_exp("track", {arg("track_id", t("Int_comparison_exp")),
                                                          arg("name", t("String_comparison_exp")),
                                                          arg("album", t("album_bool_exp"))})));
    s.add_type(input("artist_order_by", {arg("artist_id", t("order_by")), arg("name", t("order_by"))}));
    s.add_type(input("album_order_by", {arg("album_id", t("order_by")), arg("title", t("order_by")),
                                        arg("artist", t("artist_order_by"))}));
    s.add_type(input("track_order_by", {arg("track_id", t("order_by")), arg("name", t("order_by")),
                                        arg("milliseconds", t("order_by"))}));
    s.add_type(input("artist_insert_input", {arg("artist_id", t("Int")), arg("name", t("String").non_null()),
                                             arg("tags", t("String").non_null().list(), InputValue::list({}))}));
    s.add_type(input("album_pk_columns_input", {arg("album_id", t("Int").non_null())}));
    s.add_type(input("album_set_input", {arg("title", t("String")), arg("artist_id", t("Int")),
                                         arg("released", t("timestamptz"))}));

    TypeDef node;
    node.kind = TypeKind::interface_type;
    node.name = "node";
    node.description = "An object with a globally unique id.";
    node.fields = {field("id", t("ID").non_null())};
    s.add_type(node);

    s.add_type(object("artist",
                      {field("id", t("ID").non_null()), field("artist_id", t("Int").non_null()),
                       field("name", t("String")),
                       field("albums", t("album").non_null().list().non_null(), list_args("album"),
                             "An array relationship")},
                      {"node"}, "columns and relationships of \"artist\""));
    s.add_type(object("album",
                      {field("id", t("ID").non_null()), field("album_id", t("Int").non_null()),
                       field("title", t("String").non_null()), field("artist_id", t("Int").non_null()),
                       field("artist", t("artist"), {}, "An object relationship"),
                       field("tracks", t("track").non_null().list().non_null(), list_args("track"))},
                      {"node"}));
    s.add_type(object("track",
                      {field("id", t("ID").non_null()), field("track_id", t("Int").non_null()),
                       field("name", t("String").non_null()), field("milliseconds", t("Int").non_null()),
                       field("unit_price", t("numeric").non_null()), field("album", t("album")),
                       field("media", t("media_kind")),
                       field("composer", t("String"), {}, {}, std::string("Use `composer_name`.")),
                       field("composer_name", t("String")),
                       field("length", t("Float"), {arg("unit", t("String"), InputValue::string("SECOND"))})},
                      {"node"}));
    TypeDef search;
    search.kind = TypeKind::union_type;
    search.name = "search_result";
    search.possible_types = {"artist", "album", "track"};
    s.add_type(search);
    s.add_type(object("artist_mutation_response", {field("affected_rows", t("Int").non_null()),
                                                   field("returning", t("artist").non_null().list().non_null())}));

    s.add_type(object(
        "query_root",
        {field("artist", t("artist").non_null().list().non_null(), list_args("artist"),
               "fetch data from the table: \"artist\""),
         field("artist_by_pk", t("artist"), {arg("artist_id", t("Int").non_null())}),
         field("album", t("album").non_null().list().non_null(), list_args("album")),
         field("album_by_pk", t("album"), {arg("album_id", t("Int").non_null())}),
         field("track", t("track").non_null().list().non_null(), list_args("track")),
         field("node", t("node"), {arg("id", t("ID").non_null())}),
         field("search", t("search_result").non_null().list().non_null(),
               {arg("text", t("String").non_null()), arg("limit", t("Int"), InputValue::number("10", false)),
                arg("kinds", t("media_kind").non_null().list(), InputValue::list({InputValue::enumeration("AUDIO")}))}),
         field("now", t("timestamptz"), {}, "The server's clock.\nSecond line of the description.")}));
    s.add_type(object("mutation_root",
                      {field("insert_artist", t("artist_mutation_response"),
                             {arg("objects", t("artist_insert_input").non_null().list().non_null())}),
                       field("insert_artist_one", t("artist"), {arg("object", t("artist_insert_input").non_null())}),
                       field("update_album_by_pk", t("album"),
                             {arg("pk_columns", t("album_pk_columns_input").non_null()),
                              arg("_set", t("album_set_input"))}),
                       field("delete_artist_by_pk", t("artist"), {arg("artist_id", t("Int").non_null())})}));
    s.add_type(object("subscription_root",
                      {field("artist", t("artist").non_null().list().non_null(), list_args("artist")),
                       field("track_by_pk", t("track"), {arg("track_id", t("Int").non_null())})}));

    using L = DirectiveLocation;
    s.add_directive({"cached", "Caches the result.", {L::query, L::field},
                     {arg("ttl", t("Int"), InputValue::number("60", false)), arg("refresh", t("Boolean"))}, false});
    s.add_directive({"tag", {}, {L::field, L::fragment_spread, L::inline_fragment, L::variable_definition,
                                 L::fragment_definition, L::mutation, L::subscription},
                     {arg("name", t("String").non_null())}, true});
    return s;
}

inline const Schema& chinook_schema() {
    static const Schema s = make_chinook_schema();
    return s;
}

}  // namespace rex::graphql::testing

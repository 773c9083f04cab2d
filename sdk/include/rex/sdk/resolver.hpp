// Custom resolvers: extra root fields of the GraphQL API (Query or Mutation) answered by code.
// An embedding application registers them with Kernel::register_resolver, a plugin with
// Registrar::add_resolver; the catalog lists them (CatalogView::resolvers), so the executor, the
// introspection and `rex schema export` all see the same fields. Plain types: the SDK has no JSON
// library, so a resolver answers with JSON text.
#pragma once

#include <rex/sdk/change.hpp>
#include <rex/sdk/http.hpp>
#include <rex/sdk/value.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

REX_SDK_BEGIN

class Connection;

enum class ResolverOperation : std::uint8_t { query, mutation };

struct ResolverArgument {
    std::string name;
    // A GraphQL input type as written in SDL: "Int!", "[String!]", "timestamptz", "track_bool_exp".
    std::string type;
    std::string description;
};

// Who sends the request (docs/permissions.md): the identity the host derived from its token or
// the operator secret. A resolver offered to roles (Resolver::roles) reads as the server through
// `ResolverCall::connection` (the role's rules are NOT applied to its SQL): it must restrict what
// it reads by these values itself, bound as parameters.
struct Requester {
    std::string role;                                            // the role the rules are of
    std::vector<std::pair<std::string, std::string>> variables;  // session variables, names lower case ("x-rex-user-id")
    bool admin = false;  // the operator, or a host without permissions: every rule bypassed
};

// Where a mutation resolver's writes are reported (ResolverCall::wrote); the executor's.
class REX_SDK_API WriteReport {
public:
    virtual ~WriteReport();
    virtual void wrote(std::string_view entity, ChangeKind kind, std::vector<Value> key) = 0;
};

// What a resolver gets for one call. Valid only during the call.
struct REX_SDK_API ResolverCall {
    ResolverOperation operation = ResolverOperation::query;
    std::string_view field;  // the root field's name (an alias does not change it)
    // A pooled connection to the configured database; for a mutation, the one whose transaction
    // holds every mutation field of the request (commit and rollback are the executor's).
    Connection* connection = nullptr;
    // The arguments given or defaulted, coerced to their GraphQL types: Int/bigint as int64,
    // Float as float64, Boolean, numeric as Decimal, date/time/timestamptz/uuid as theirs,
    // String/ID/enum values as text, jsonb, lists and input objects as Json text; null as null.
    const std::vector<std::pair<std::string, Value>>* arguments = nullptr;
    const std::vector<HttpHeader>* headers = nullptr;  // the request's (none outside HTTP)
    const Requester* requester = nullptr;              // never null during a call
    WriteReport* writes = nullptr;                     // a mutation's; nullptr for a query

    // Reports a row this mutation wrote, by its entity's name and its primary key's values (in
    // the key's order), so that the host's live queries and change streams see it when change
    // capture is off (with capture the log carries every write, and this only checks the call).
    // Report an insert or an update after its statement, a delete before it: the executor reads
    // the whole row by its key in the request's transaction (a delete's at once, the others when
    // the resolver returned) and publishes it after the commit; a request that rolls back
    // publishes nothing, a row not found is not published, an update carries no old values.
    // InvalidValue for an entity the catalog lacks or a key of the wrong length; Unsupported
    // from a query resolver or for an entity without a primary key.
    void wrote(std::string_view entity, ChangeKind kind, std::vector<Value> key) const;

    // An argument's value; nullptr when it was neither given nor defaulted.
    const Value* argument(std::string_view name) const noexcept;
    // A header by name, case-insensitive; nullptr if absent.
    const std::string* header(std::string_view name) const noexcept;
};

// Returns the field's value as JSON text: a number, string, array, object or null matching the
// declared type. For an entity type (or a list of it) each object holds the fields a client may
// select, by their GraphQL names (a relation as a nested object or array). Throwing fails the field
// (and, for a mutation, the request's transaction); a rex::Error's message reaches the client.
using ResolverFunction = std::function<std::string(const ResolverCall& call)>;

struct Resolver {
    ResolverOperation operation = ResolverOperation::query;
    std::string name;  // a GraphQL name, unique among the operation's root fields
    std::string description;
    std::vector<ResolverArgument> arguments;
    // The result type as written in SDL: a scalar ("Int!", "String", "jsonb", "bigint"), a list
    // ("[Float!]!"), or an entity's object type or a list of it ("artist", "[track!]!").
    std::string returns;
    ResolverFunction resolve;
    // The roles the field is offered to on a host with permissions (the admin always has it); a
    // role not listed does not see the field (an unknown field, absent from its introspection).
    std::vector<std::string> roles;
};

// ConfigurationError naming the resolver when it lacks a name, a callback or a result type
// (the GraphQL names themselves are checked when the API is built).
REX_SDK_API void check_resolver(const Resolver& resolver);
REX_SDK_API std::string_view to_string(ResolverOperation operation) noexcept;  // "query", "mutation"

REX_SDK_END

// Who sends a request, and what that requester may read and write (docs/permissions.md).
// The host derives an Identity from a request's headers or a transport handshake's connection
// params (a verified JWT, the operator secret, or the anonymous role) and hands the role's rules
// with it; executors and transports enforce the rules. Plain types only: filters stay JSON text
// (the `where` syntax, with model field names) so the SDK needs no JSON library.
#pragma once

#include <rex/sdk/abi.hpp>
#include <rex/sdk/http.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

REX_SDK_BEGIN

// A column given its value by the host, not by the requester: `value` is JSON text; a JSON string
// naming a session variable ("x-rex-user-id") stands for that variable's value.
struct ColumnPreset {
    std::string field;  // model field name
    std::string value;
};

// Row conditions (`filter`, `check`) are JSON object text in the `where` syntax over the entity's
// model field and relation names; string operands naming session variables ("x-rex-user-id") are
// replaced by the requester's values, which are bound as parameters. Empty: every row.
struct SelectRule {
    std::vector<std::string> columns;  // model field names the role may read (and filter, order by); {"*"}: all
    std::string filter;
    bool aggregations = false;             // <t>_aggregate and <rel>_aggregate
    std::optional<std::int64_t> limit;     // the most rows one list returns
};

struct InsertRule {
    std::vector<std::string> columns;  // columns the requester may set
    std::string check;                 // every inserted row must satisfy it, or nothing is written
    std::vector<ColumnPreset> presets;
};

struct UpdateRule {
    std::vector<std::string> columns;
    std::string filter;  // which existing rows may be changed
    std::string check;   // what a changed row must satisfy
    std::vector<ColumnPreset> presets;
};

struct DeleteRule {
    std::string filter;
};

// A role's rules on one entity; an absent rule allows nothing.
struct EntityRules {
    std::optional<SelectRule> select;
    std::optional<InsertRule> insert;
    std::optional<UpdateRule> update;
    std::optional<DeleteRule> remove;  // "delete"
};

struct RoleRules {
    std::string role;
    std::map<std::string, EntityRules, std::less<>> entities;  // by catalog entity name

    const EntityRules* entity(std::string_view name) const noexcept {
        const auto it = entities.find(name);
        return it == entities.end() ? nullptr : &it->second;
    }
};

struct REX_SDK_API Identity {
    // The operator (admin secret) or a host without permissions configured: every rule is bypassed.
    bool admin = false;
    std::string role;
    // Session variables, names lower case ("x-rex-user-id"), values as text.
    std::vector<std::pair<std::string, std::string>> variables;
    // The role's rules; nullptr for the admin (and for a role no rule names: nothing allowed).
    std::shared_ptr<const RoleRules> rules;

    // The value of a session variable (case-insensitive name); nullptr when absent.
    const std::string* variable(std::string_view name) const noexcept;
    // The admin identity (a host without permissions, an embedding application).
    static std::shared_ptr<const Identity> administrator();
};

// True for a rule operand that names a session variable ("x-rex-…", any case), which stands for
// the requester's value of it.
REX_SDK_API bool is_session_variable(std::string_view text) noexcept;

// The outcome of identifying a requester: an identity, or a refusal (a missing, forged, expired or
// wrongly signed token) whose one-line reason may be shown to the client (it holds no secret).
struct IdentifyResult {
    std::shared_ptr<const Identity> identity;
    std::string refusal;
};

// What an identity is derived from: a request's headers (Authorization: Bearer <jwt>,
// X-Rex-Admin-Secret), or for a socket the handshake's connection params (a JSON object with
// "Authorization" / "authorization" / "headers": {...}).
struct IdentityRequest {
    const std::vector<HttpHeader>* headers = nullptr;
    std::string_view connection_params;
};

REX_SDK_END

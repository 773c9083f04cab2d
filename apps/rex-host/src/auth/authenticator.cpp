#include "auth/authenticator.hpp"

#include <rex/config.hpp>
#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace rex::host {

namespace {

using json = nlohmann::json;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The credentials of a request: headers by lower-case name, from the HTTP headers and then a
// handshake's connection params ({"Authorization": …} or {"headers": {"Authorization": …}}).
std::vector<std::pair<std::string, std::string>> credentials(const IdentityRequest& request) {
    std::vector<std::pair<std::string, std::string>> out;
    if (request.headers)
        for (const auto& h : *request.headers) out.emplace_back(lower(h.name), h.value);
    if (!request.connection_params.empty()) {
        const auto params = json::parse(request.connection_params, nullptr, false);
        const auto add = [&](const json& object) {
            if (!object.is_object()) return;
            for (const auto& [k, v] : object.items())
                if (v.is_string()) out.emplace_back(lower(k), v.get<std::string>());
        };
        add(params);
        if (params.is_object() && params.contains("headers")) add(params["headers"]);
    }
    return out;
}

const std::string* find(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
    // The last one wins: connection params come after the opening request's headers.
    const std::string* out = nullptr;
    for (const auto& [n, v] : headers)
        if (n == name) out = &v;
    return out;
}

}  // namespace

bool same_secret(const std::string& given, const std::string& secret) {
    unsigned char diff = given.size() == secret.size() ? 0 : 1;
    for (std::size_t i = 0; i < given.size(); ++i)
        diff |= static_cast<unsigned char>(given[i] ^ secret[i % (secret.empty() ? 1 : secret.size())]);
    return diff == 0 && !secret.empty();
}

Authenticator::Authenticator(const Config& config)
    : enabled_(!config.auth.empty() || !config.permissions.empty()), file_(config.source.string()), admin_secret_(config.http.admin_secret),
      permissions_text_(config.permissions) {
    if (!enabled_) return;
    const auto fail = [&](const std::string& where, const std::string& what) {
        raise({ErrorCategory::configuration, file_ + ": " + where + ": " + what, {}, {}});
    };
    rules_ = std::make_shared<RoleRuleSet>(parse_permissions(config.permissions, file_, nullptr));
    if (config.auth.empty()) return;
    const auto auth = json::parse(config.auth);
    for (const auto& [k, v] : auth.items())
        if (k != "jwt" && k != "anonymous_role") fail("/auth/" + k, "unknown key (expected one of: jwt, anonymous_role)");
    if (auth.contains("anonymous_role")) {
        if (!auth["anonymous_role"].is_string() || auth["anonymous_role"].get<std::string>().empty())
            fail("/auth/anonymous_role", "expected a role name");
        anonymous_role_ = auth["anonymous_role"].get<std::string>();
    }
    if (!auth.contains("jwt")) return;
    const auto& j = auth["jwt"];
    if (!j.is_object()) fail("/auth/jwt", "expected an object");
    JwtOptions options;
    const auto text = [&](const char* key) -> std::string {
        if (!j.contains(key)) return {};
        if (!j[key].is_string()) fail(std::string("/auth/jwt/") + key, "expected a string");
        return j[key].get<std::string>();
    };
    for (const auto& [k, v] : j.items())
        if (k != "secret" && k != "secret_env" && k != "jwks_file" && k != "issuer" && k != "audience" && k != "leeway_seconds" &&
            k != "claims_namespace")
            fail("/auth/jwt/" + k, "unknown key (expected one of: secret, secret_env, jwks_file, issuer, audience, leeway_seconds, claims_namespace)");
    options.hs256_secret = text("secret");
    if (const auto env = text("secret_env"); !env.empty()) {
        const char* value = std::getenv(env.c_str());
        if (!value || !*value) fail("/auth/jwt/secret_env", "the environment variable " + env + " is not set");
        options.hs256_secret = value;
    }
    // A short HMAC secret can be brute-forced from one token (RFC 7518: at least the hash size).
    if (!options.hs256_secret.empty() && options.hs256_secret.size() < 32) fail("/auth/jwt/secret", "must be at least 32 bytes long");
    if (const auto jwks = text("jwks_file"); !jwks.empty()) {
        const std::filesystem::path path(jwks);
        options.jwks_file = path.is_absolute() || !config.source.has_parent_path() ? path : config.source.parent_path() / path;
    }
    if (options.hs256_secret.empty() && options.jwks_file.empty()) fail("/auth/jwt", "needs a secret (HS256) or a jwks_file (RS256, ES256)");
    options.issuer = text("issuer");
    options.audience = text("audience");
    if (j.contains("leeway_seconds")) {
        if (!j["leeway_seconds"].is_number_integer() || j["leeway_seconds"].get<int>() < 0 || j["leeway_seconds"].get<int>() > 3600)
            fail("/auth/jwt/leeway_seconds", "expected an integer 0-3600");
        options.leeway = std::chrono::seconds(j["leeway_seconds"].get<int>());
    }
    if (j.contains("claims_namespace")) claims_namespace_ = text("claims_namespace");
    jwt_ = std::make_unique<JwtVerifier>(std::move(options), file_ + ": /auth/jwt/jwks_file");
}

Authenticator::~Authenticator() = default;

void Authenticator::check_names(const CatalogView& catalog) {
    if (enabled_) rules_ = std::make_shared<RoleRuleSet>(parse_permissions(permissions_text_, file_, &catalog));
}

IdentifyResult Authenticator::role_identity(std::string role, std::vector<std::pair<std::string, std::string>> variables) const {
    auto identity = std::make_shared<Identity>();
    identity->role = std::move(role);
    identity->variables = std::move(variables);
    if (const auto it = rules_->find(identity->role); it != rules_->end()) identity->rules = it->second;
    else identity->rules = std::make_shared<RoleRules>(RoleRules{identity->role, {}});  // a role no rule names: nothing allowed
    return {std::move(identity), {}};
}

IdentifyResult Authenticator::identify(const IdentityRequest& request) const {
    if (!enabled_) return {Identity::administrator(), {}};
    const auto headers = credentials(request);
    const auto refuse = [](std::string why) { return IdentifyResult{nullptr, std::move(why)}; };
    // The operator: every rule bypassed, or with X-Rex-Role acting as that role (its session
    // variables from X-Rex-* headers), to try rules out.
    if (const auto* secret = find(headers, "x-rex-admin-secret")) {
        if (!same_secret(*secret, admin_secret_)) return refuse("the admin secret is not valid");
        const auto* role = find(headers, "x-rex-role");
        if (!role) return {Identity::administrator(), {}};
        std::vector<std::pair<std::string, std::string>> variables;
        for (const auto& [n, v] : headers)
            if (n.starts_with("x-rex-") && n != "x-rex-admin-secret") variables.emplace_back(n, v);
        return role_identity(*role, std::move(variables));
    }
    if (const auto* authorization = find(headers, "authorization")) {
        if (!jwt_) return refuse("tokens are not accepted here (no auth.jwt in the config)");
        std::string_view value = *authorization;
        if (value.size() < 7 || lower(value.substr(0, 7)) != "bearer ") return refuse("the Authorization header must be 'Bearer <token>'");
        value.remove_prefix(7);
        const auto outcome = jwt_->verify(value);
        if (!outcome.claims) return refuse(outcome.refusal);
        const json* ns = outcome.claims.get();
        if (!claims_namespace_.empty()) {
            const auto it = outcome.claims->find(claims_namespace_);
            if (it == outcome.claims->end() || !it->is_object()) return refuse("the token has no '" + claims_namespace_ + "' claims object");
            ns = &*it;
        }
        std::vector<std::pair<std::string, std::string>> variables;
        for (const auto& [k, v] : ns->items()) {
            const auto name = lower(k);
            if (!name.starts_with("x-rex-")) continue;
            if (v.is_string()) variables.emplace_back(name, v.get<std::string>());
            else if (v.is_number() || v.is_boolean()) variables.emplace_back(name, v.dump());
        }
        std::string role;
        for (const char* key : {"x-rex-role", "x-rex-default-role"})
            if (role.empty())
                for (const auto& [n, v] : variables)
                    if (n == key) role = v;
        // A role asked for in X-Rex-Role must be one the token allows.
        if (const auto* wanted = find(headers, "x-rex-role"); wanted && *wanted != role) {
            bool allowed = false;
            if (const auto it = ns->find("x-rex-allowed-roles"); it != ns->end() && it->is_array())
                for (const auto& r : *it) allowed = allowed || r == *wanted;
            if (!allowed) return refuse("the token does not allow the role asked for in X-Rex-Role");
            role = *wanted;
        }
        if (role.empty()) return refuse("the token names no role (x-rex-default-role)");
        return role_identity(std::move(role), std::move(variables));
    }
    if (anonymous_role_) return role_identity(*anonymous_role_, {});
    return refuse("authentication required: send Authorization: Bearer <token>");
}

}  // namespace rex::host

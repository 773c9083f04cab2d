// Who sends a request (docs/permissions.md): the operator secret, a verified JWT whose claims
// (under a configurable namespace) give the role and the x-rex-* session variables, or the
// anonymous role. The config's "auth" and "permissions" sections set it up; a host with neither
// serves everyone as the admin, as before permissions existed.
#pragma once

#include "auth/jwt.hpp"
#include "auth/permission_rules.hpp"

#include <rex/sdk/access.hpp>

#include <memory>
#include <optional>
#include <string>

namespace rex {
struct Config;
}

namespace rex::host {

// Compares without stopping at the first difference, so timing does not reveal the secret; an
// empty secret matches nothing.
bool same_secret(const std::string& given, const std::string& secret);

class Authenticator {
public:
    // Throws ConfigurationError (one line naming the file and the JSON path) on a bad section.
    Authenticator(const Config& config);
    ~Authenticator();

    bool enabled() const noexcept { return enabled_; }
    // Checks the rules' entity, field and relation names against the filled catalog.
    void check_names(const CatalogView& catalog);
    IdentifyResult identify(const IdentityRequest& request) const;

private:
    IdentifyResult role_identity(std::string role, std::vector<std::pair<std::string, std::string>> variables) const;

    bool enabled_ = false;
    std::string file_;
    std::string admin_secret_;
    std::string permissions_text_;
    std::optional<std::string> anonymous_role_;
    std::string claims_namespace_ = "https://rex.dev/claims";
    std::unique_ptr<JwtVerifier> jwt_;
    std::shared_ptr<const RoleRuleSet> rules_;
};

}  // namespace rex::host

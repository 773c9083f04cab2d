// The one place where a requester's permission rules (rex/sdk/access.hpp) become SQL. The Writer
// asks its Access for the row condition of every table it reads (root fields, relations, filters
// and orderings through relations, aggregates) and mutations ask it for their filters, checks and
// presets; session variables in the rules become bound parameters. Which columns and root fields a
// role may use is decided earlier, by validating against the role's schema (api/role_api.hpp).
#pragma once

#include "api/api.hpp"

#include <rex/sdk/access.hpp>
#include <rex/sdk/value.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rex::graphql {

class Writer;

enum class Action : unsigned char { select, insert, update, remove };

// The request asked for something its role may not do (a row failing an insert or update check,
// a session variable a rule needs but the request lacks): code "permission-error".
class PermissionDenied : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A role's filter and check texts parsed once (the executor keeps one per role with its schema),
// so a request only puts its session variables in.
class ParsedRules {
public:
    explicit ParsedRules(const RoleRules& rules);
    ~ParsedRules();
    // The parsed form of one of the rules' texts; nullptr for a text of other rules.
    const nlohmann::json* find(const std::string& rule) const;

private:
    std::map<const std::string*, std::unique_ptr<const nlohmann::json>> parsed_;
};

class Access {
public:
    // `full`: the API with every entity and column (rules name columns the role may not read).
    // `parsed`: the identity's rules parsed (nullptr: parsed as needed).
    Access(const Api& full, std::shared_ptr<const Identity> identity, const ParsedRules* parsed = nullptr);

    // The SQL condition limiting the rows of `e` (read as `alias`) that `action` may touch;
    // empty when every row may be touched, "1=0" when none.
    std::string rows(Writer& w, const EntityApi& e, const std::string& alias, Action action) const;
    // The condition a row written by `action` (insert, update) must meet; empty: none.
    std::string check(Writer& w, const EntityApi& e, const std::string& alias, Action action) const;
    // The most rows a list of `e` may return.
    std::optional<std::int64_t> row_limit(const EntityApi& e) const;
    // Columns the host sets on insert / update, with the values of the request's session.
    std::vector<std::pair<const FieldInfo*, Value>> presets(const EntityApi& e, Action action) const;

private:
    std::string condition(Writer& w, const EntityApi& e, const std::string& alias, const std::string& rule) const;

    const Api& full_;
    std::shared_ptr<const Identity> identity_;
    const ParsedRules* parsed_;
};

}  // namespace rex::graphql

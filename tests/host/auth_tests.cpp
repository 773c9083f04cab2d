// rex-host's identity and rules, without a server: JWT checks (HS256 signed here with OpenSSL),
// the Authenticator's decisions, the config's one-line errors, and what a role may see of the
// change stream. tests/e2e/permissions.test.mjs covers RS256/ES256 and every HTTP path.
#include "auth/authenticator.hpp"
#include "auth/stream_view.hpp"

#include <rex/config.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <map>

using namespace rex;
using namespace rex::host;
using json = nlohmann::json;

namespace {

const std::string secret = "0123456789abcdef0123456789abcdef-test";

std::string b64url(std::string_view data) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char c : data) {
        buffer = (buffer << 8) | c;
        bits += 8;
        while (bits >= 6) out += alphabet[(buffer >> (bits -= 6)) & 63];
    }
    if (bits) out += alphabet[(buffer << (6 - bits)) & 63];
    return out;
}

std::string hs256(const json& header, const json& payload, const std::string& key = secret) {
    const auto input = b64url(header.dump()) + "." + b64url(payload.dump());
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
    return input + "." + b64url(std::string_view(reinterpret_cast<char*>(mac), size));
}

std::int64_t now() { return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(); }

json claims(std::int64_t exp_in = 600) {
    return {{"exp", now() + exp_in}, {"iss", "tests"}, {"aud", "rex"},
            {"https://rex.dev/claims", {{"x-rex-default-role", "customer"}, {"x-rex-user-id", "5"}}}};
}

Config config_with(const std::string& auth, const std::string& permissions) {
    return parse_config(R"({"http": {"admin_secret": "op-secret"}, "auth": )" + auth + R"(, "permissions": )" + permissions + "}", "rex.json");
}

const std::string auth = R"({"jwt": {"secret": ")" + secret + R"(", "issuer": "tests", "audience": "rex"}})";
const std::string rules = R"({"customer": {"Invoice": {"select": {"columns": ["Id", "Total"], "filter": {"CustomerId": {"_eq": "x-rex-user-id"}}}},
                               "InvoiceLine": {"select": {"filter": {"Invoice": {"CustomerId": {"_eq": "x-rex-user-id"}}}}}}})";

IdentifyResult with_headers(const Authenticator& a, std::vector<HttpHeader> headers, std::string_view params = {}) {
    return a.identify({&headers, params});
}

class Catalog final : public CatalogView {
public:
    Catalog() {
        const auto field = [](const char* name, LogicalType type, bool key = false) {
            FieldInfo f;
            f.name = f.column = name;
            f.type = ColumnType(type);
            f.primary_key = key;
            return f;
        };
        auto invoice = std::make_shared<EntityInfo>();
        invoice->name = invoice->table = "Invoice";
        invoice->fields = {field("Id", LogicalType::int32, true), field("CustomerId", LogicalType::int32), field("Total", LogicalType::decimal)};
        auto line = std::make_shared<EntityInfo>();
        line->name = line->table = "InvoiceLine";
        line->fields = {field("Id", LogicalType::int32, true), field("InvoiceId", LogicalType::int32)};
        RelationInfo to_invoice;
        to_invoice.name = to_invoice.target = "Invoice";
        to_invoice.foreign_key = "InvoiceId";
        line->relations = {to_invoice};
        entities_ = {{"Invoice", invoice}, {"InvoiceLine", line}};
    }
    std::vector<std::string> entity_names() const override { return {"Invoice", "InvoiceLine"}; }
    std::shared_ptr<const EntityInfo> find_entity(std::string_view name) const override {
        const auto it = entities_.find(std::string(name));
        return it == entities_.end() ? nullptr : it->second;
    }

private:
    std::map<std::string, std::shared_ptr<const EntityInfo>> entities_;
};

}  // namespace

TEST_CASE("a verified token gives the role and session variables; bad tokens are refused with a reason", "[auth]") {
    Authenticator a(config_with(auth, rules));
    const auto ok = with_headers(a, {{"Authorization", "Bearer " + hs256({{"alg", "HS256"}}, claims())}});
    REQUIRE(ok.identity);
    CHECK_FALSE(ok.identity->admin);
    CHECK(ok.identity->role == "customer");
    CHECK(*ok.identity->variable("X-Rex-User-Id") == "5");
    REQUIRE(ok.identity->rules);
    CHECK(ok.identity->rules->entity("Invoice"));

    const auto refused = [&](const std::string& token, const std::string& reason) {
        const auto r = with_headers(a, {{"authorization", "bearer " + token}});
        CHECK_FALSE(r.identity);
        CHECK(r.refusal == reason);
    };
    refused(hs256({{"alg", "HS256"}}, claims(-10)), "the token has expired");
    refused(hs256({{"alg", "HS256"}}, claims(), "another-secret-of-enough-length-000"), "the token's signature is not valid");
    refused(b64url(R"({"alg":"none"})") + "." + b64url(claims().dump()) + ".", "the token's algorithm 'none' is not accepted");
    refused(hs256({{"alg", "RS256"}}, claims()), "RS256 tokens are not accepted here (no such key)");
    auto other = claims();
    other["iss"] = "evil";
    refused(hs256({{"alg", "HS256"}}, other), "the token's issuer is not accepted");
    other = claims();
    other["aud"] = json::array({"a", "b"});
    refused(hs256({{"alg", "HS256"}}, other), "the token's audience is not accepted");
    other = claims();
    other["nbf"] = now() + 600;
    refused(hs256({{"alg", "HS256"}}, other), "the token is not valid yet (nbf)");
    refused("abc.def", "the token is not a JWT (header.payload.signature)");
    refused("a*b.c.d", "the token is not base64url encoded");
}

TEST_CASE("the operator secret, the anonymous role and connection params", "[auth]") {
    Authenticator a(config_with(R"({"jwt": {"secret": ")" + secret + R"("}, "anonymous_role": "guest"})", rules));
    CHECK(with_headers(a, {{"X-Rex-Admin-Secret", "op-secret"}}).identity->admin);
    CHECK(with_headers(a, {{"X-Rex-Admin-Secret", "op-secreT"}}).refusal == "the admin secret is not valid");
    const auto acting = with_headers(a, {{"X-Rex-Admin-Secret", "op-secret"}, {"X-Rex-Role", "customer"}, {"X-Rex-User-Id", "7"}});
    CHECK_FALSE(acting.identity->admin);
    CHECK(*acting.identity->variable("x-rex-user-id") == "7");
    const auto guest = with_headers(a, {});
    CHECK(guest.identity->role == "guest");
    CHECK(guest.identity->rules->entities.empty());  // no rule names it: nothing allowed
    // A socket's handshake: {"Authorization": ...} or {"headers": {...}}.
    const auto token = hs256({{"alg", "HS256"}}, claims());
    CHECK(with_headers(a, {}, json{{"Authorization", "Bearer " + token}}.dump()).identity->role == "customer");
    CHECK(with_headers(a, {}, json{{"headers", {{"authorization", "Bearer " + token}}}}.dump()).identity->role == "customer");
    CHECK(with_headers(a, {}, R"({"Authorization": "Bearer x.y.z"})").refusal == "the token is not base64url encoded");

    Authenticator strict(config_with(R"({"jwt": {"secret": ")" + secret + R"("}})", rules));
    CHECK(with_headers(strict, {}).refusal == "authentication required: send Authorization: Bearer <token>");
    // Neither section: everyone is the admin, as before permissions.
    CHECK(with_headers(Authenticator(parse_config("{}", "rex.json")), {}).identity->admin);
}

TEST_CASE("bad auth and permission sections are one line naming the file and the JSON path", "[auth]") {
    const auto message = [](const std::string& auth_section, const std::string& permissions, const CatalogView* catalog = nullptr) {
        try {
            Authenticator a(config_with(auth_section, permissions));
            if (catalog) a.check_names(*catalog);
        } catch (const rex::Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message(R"({"jwt": {"secret": "short"}})", "{}") == "rex.json: /auth/jwt/secret: must be at least 32 bytes long");
    CHECK(message(R"({"jwt": {}})", "{}") == "rex.json: /auth/jwt: needs a secret (HS256) or a jwks_file (RS256, ES256)");
    CHECK(message(R"({"jwks": 1})", "{}") == "rex.json: /auth/jwks: unknown key (expected one of: jwt, anonymous_role)");
    CHECK(message(R"({"jwt": {"jwks_file": "/nonexistent/keys.json"}})", "{}") == "rex.json: /auth/jwt/jwks_file: cannot read the JWKS file /nonexistent/keys.json");
    CHECK(message(auth, R"({"r": {"Invoice": {"select": {"limit": -1}}}})") == "rex.json: /permissions/r/Invoice/select/limit: expected a non-negative integer");
    CHECK(message(auth, R"({"r": {"Invoice": {"delete": {"filter": {"_or": {}}}}}})") == "rex.json: /permissions/r/Invoice/delete/filter/_or: expected a list of conditions");
    CHECK(message(auth, R"({"r": {"Invoice": {"insert": {"set": {"Total": {"x": 1}}}}}})") ==
          "rex.json: /permissions/r/Invoice/insert/set/Total: expected a session variable name or a scalar value");
    const Catalog catalog;
    CHECK(message(auth, R"({"r": {"Invoice": {"select": {"filter": {"Nope": {"_eq": 1}}}}}})", &catalog) ==
          "rex.json: /permissions/r/Invoice/select/filter/Nope: entity 'Invoice' has no field or relation 'Nope'");
    CHECK(message(auth, R"({"r": {"InvoiceLine": {"select": {"filter": {"Invoice": {"Nope": {"_eq": 1}}}}}}})", &catalog) ==
          "rex.json: /permissions/r/InvoiceLine/select/filter/Invoice/Nope: entity 'Invoice' has no field or relation 'Nope'");
    CHECK(message(auth, rules, &catalog) == "no error");
}

TEST_CASE("a change stream shows a role only the rows and columns its select rule allows", "[auth]") {
    Authenticator a(config_with(auth, rules));
    const Catalog catalog;
    const auto customer = with_headers(a, {{"Authorization", "Bearer " + hs256({{"alg", "HS256"}}, claims())}}).identity;
    const auto invoice = stream_view(*customer, *catalog.find_entity("Invoice"), catalog);
    REQUIRE(invoice);
    CHECK(invoice->where == R"({"CustomerId":{"_eq":5}})");  // the session variable, typed by its column
    CHECK(invoice->columns == std::vector<std::string>{"Id", "Total"});
    CHECK_FALSE(invoice->needs_database);
    const auto line = stream_view(*customer, *catalog.find_entity("InvoiceLine"), catalog);
    REQUIRE(line);
    CHECK(line->needs_database);
    CHECK(line->where == R"({"Invoice":{"CustomerId":{"_eq":5}}})");
    // An injected value stays a value (a string the integer column never equals).
    auto injected = claims();
    injected["https://rex.dev/claims"]["x-rex-user-id"] = "5 OR 1=1";
    const auto attacker = with_headers(a, {{"Authorization", "Bearer " + hs256({{"alg", "HS256"}}, injected)}}).identity;
    CHECK(stream_view(*attacker, *catalog.find_entity("Invoice"), catalog)->where == R"({"CustomerId":{"_eq":"5 OR 1=1"}})");
    // No rule: no events; the admin: all of them.
    const auto guest = with_headers(Authenticator(config_with(R"({"anonymous_role": "guest"})", rules)), {}).identity;
    CHECK_FALSE(stream_view(*guest, *catalog.find_entity("Invoice"), catalog));
    CHECK(stream_view(*Identity::administrator(), *catalog.find_entity("Invoice"), catalog)->where.empty());
}

#include "auth/jwt.hpp"

#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include <fstream>
#include <sstream>

namespace rex::host {

namespace {

using json = nlohmann::json;

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

[[noreturn]] void config_error(const std::string& message) { raise({ErrorCategory::configuration, message, {}, {}}); }

// An RSA or P-256 public key from a JWK's members (OpenSSL 3's EVP_PKEY_fromdata).
Pkey public_key(const json& jwk, std::string& alg, std::string& problem) {
    const auto member = [&](const char* name) -> std::optional<std::string> {
        const auto it = jwk.find(name);
        if (it == jwk.end() || !it->is_string()) return std::nullopt;
        return base64url_decode(it->get<std::string>());
    };
    const std::string kty = jwk.value("kty", "");
    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
    std::unique_ptr<BIGNUM, decltype(&BN_free)> n(nullptr, BN_free), e(nullptr, BN_free);
    std::string point;
    const char* type = nullptr;
    if (kty == "RSA") {
        const auto nn = member("n"), ee = member("e");
        if (!nn || !ee || nn->empty() || ee->empty()) return problem = "an RSA key needs base64url members n and e", nullptr;
        if (nn->size() < 256) return problem = "an RSA key must have at least 2048 bits", nullptr;
        alg = "RS256";
        n.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(nn->data()), static_cast<int>(nn->size()), nullptr));
        e.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(ee->data()), static_cast<int>(ee->size()), nullptr));
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
        type = "RSA";
    } else if (kty == "EC") {
        if (jwk.value("crv", "") != "P-256") return problem = "an EC key must be on curve P-256 (ES256)", nullptr;
        const auto x = member("x"), y = member("y");
        if (!x || !y || x->size() != 32 || y->size() != 32) return problem = "a P-256 key needs 32-byte base64url members x and y", nullptr;
        alg = "ES256";
        point = "\x04" + *x + *y;  // uncompressed point
        OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
        OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
        type = "EC";
    } else {
        return problem = "unsupported key type '" + kty + "' (RSA or EC P-256)", nullptr;
    }
    std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(build.get()), OSSL_PARAM_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
        return problem = "OpenSSL refused the key", nullptr;
    return Pkey(key);
}

// JWS ES256 signatures are r || s (32 bytes each); OpenSSL verifies DER.
std::optional<std::string> ecdsa_der(std::string_view raw) {
    if (raw.size() != 64) return std::nullopt;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
    if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return std::nullopt;
    }
    unsigned char* der = nullptr;
    const int size = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    if (size <= 0) return std::nullopt;
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(size));
    OPENSSL_free(der);
    return out;
}

bool verify_with(EVP_PKEY* key, std::string_view input, std::string_view signature) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
           EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

bool verify_hs256(const std::string& secret, std::string_view input, std::string_view signature) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(input.data()), input.size(),
              mac, &size))
        return false;
    return signature.size() == size && CRYPTO_memcmp(mac, signature.data(), size) == 0;
}

// A NumericDate claim (seconds since the epoch); nullopt when absent, refusal when malformed.
std::optional<double> numeric_date(const json& claims, const char* name, std::string& refusal) {
    const auto it = claims.find(name);
    if (it == claims.end()) return std::nullopt;
    if (!it->is_number()) {
        refusal = std::string("the token's '") + name + "' claim is not a number";
        return std::nullopt;
    }
    return it->get<double>();
}

}  // namespace

struct JwtVerifier::Key {
    std::string kid;
    std::string alg;  // RS256 or ES256
    Pkey pkey;
};

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        int v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '-') v = 62;
        else if (c == '_') v = 63;
        else return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    if (bits >= 6) return std::nullopt;  // a length no encoding produces
    return out;
}

JwtVerifier::JwtVerifier(JwtOptions options, const std::string& origin) : options_(std::move(options)) {
    if (options_.jwks_file.empty()) return;
    std::ifstream in(options_.jwks_file, std::ios::binary);
    if (!in) config_error(origin + ": cannot read the JWKS file " + options_.jwks_file.string());
    std::stringstream text;
    text << in.rdbuf();
    const auto document = json::parse(text.str(), nullptr, false);
    if (!document.is_object() || !document.contains("keys") || !document["keys"].is_array())
        config_error(origin + ": " + options_.jwks_file.string() + " is not a JWKS document ({\"keys\": [...]})");
    std::size_t index = 0;
    for (const auto& jwk : document["keys"]) {
        const auto where = origin + ": " + options_.jwks_file.string() + ": /keys/" + std::to_string(index++);
        if (!jwk.is_object()) config_error(where + ": expected an object");
        if (jwk.contains("use") && jwk["use"] != "sig") continue;  // an encryption key
        auto key = std::make_unique<Key>();
        std::string problem;
        key->pkey = public_key(jwk, key->alg, problem);
        if (!key->pkey) config_error(where + ": " + problem);
        if (const auto alg = jwk.find("alg"); alg != jwk.end() && *alg != key->alg)
            config_error(where + ": alg " + alg->dump() + " does not fit the key (" + key->alg + ")");
        key->kid = jwk.value("kid", "");
        keys_.push_back(std::move(key));
    }
    if (keys_.empty()) config_error(origin + ": " + options_.jwks_file.string() + " holds no signing key");
}

JwtVerifier::~JwtVerifier() = default;

JwtOutcome JwtVerifier::verify(std::string_view token, std::chrono::system_clock::time_point now) const {
    JwtOutcome out;
    const auto refuse = [&](std::string why) {
        out.claims.reset();
        out.refusal = std::move(why);
        return out;
    };
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return refuse("the token is not a JWT (header.payload.signature)");
    const auto header_text = base64url_decode(token.substr(0, dot1));
    const auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = base64url_decode(token.substr(dot2 + 1));
    if (!header_text || !payload_text || !signature) return refuse("the token is not base64url encoded");
    const auto header = json::parse(*header_text, nullptr, false);
    if (!header.is_object() || !header.contains("alg") || !header["alg"].is_string()) return refuse("the token's header has no alg");
    const auto alg = header["alg"].get<std::string>();
    if (header.contains("crit")) return refuse("the token has critical header parameters this server does not know");
    const auto input = token.substr(0, dot2);
    bool verified = false;
    if (alg == "HS256") {
        if (options_.hs256_secret.empty()) return refuse("HS256 tokens are not accepted here");
        verified = verify_hs256(options_.hs256_secret, input, *signature);
    } else if (alg == "RS256" || alg == "ES256") {
        const std::string kid = header.value("kid", "");
        bool known = false;
        for (const auto& key : keys_) {
            if (key->alg != alg || (!kid.empty() && !key->kid.empty() && key->kid != kid)) continue;
            known = true;
            if (alg == "ES256") {
                const auto der = ecdsa_der(*signature);
                verified = der && verify_with(key->pkey.get(), input, *der);
            } else {
                verified = verify_with(key->pkey.get(), input, *signature);
            }
            if (verified) break;
        }
        if (!known) return refuse(alg + " tokens" + (kid.empty() ? std::string() : " with this kid") + " are not accepted here (no such key)");
    } else {
        // `none` and every algorithm without a configured key.
        return refuse("the token's algorithm '" + alg.substr(0, 16) + "' is not accepted");
    }
    if (!verified) return refuse("the token's signature is not valid");

    auto claims = std::make_shared<json>(json::parse(*payload_text, nullptr, false));
    if (!claims->is_object()) return refuse("the token's payload is not a JSON object");
    const double t = std::chrono::duration<double>(now.time_since_epoch()).count();
    const double leeway = static_cast<double>(options_.leeway.count());
    std::string refusal;
    const auto exp = numeric_date(*claims, "exp", refusal);
    const auto nbf = numeric_date(*claims, "nbf", refusal);
    if (!refusal.empty()) return refuse(refusal);
    if (exp && t >= *exp + leeway) return refuse("the token has expired");
    if (nbf && t + leeway < *nbf) return refuse("the token is not valid yet (nbf)");
    if (!options_.issuer.empty() && (!claims->contains("iss") || (*claims)["iss"] != options_.issuer))
        return refuse("the token's issuer is not accepted");
    if (!options_.audience.empty()) {
        bool ok = false;
        if (const auto aud = claims->find("aud"); aud != claims->end()) {
            if (aud->is_string()) ok = *aud == options_.audience;
            else if (aud->is_array())
                for (const auto& a : *aud) ok = ok || a == options_.audience;
        }
        if (!ok) return refuse("the token's audience is not accepted");
    }
    out.claims = std::move(claims);
    return out;
}

}  // namespace rex::host

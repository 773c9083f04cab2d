// JSON Web Token verification (RFC 7519 / 7515, compact form) with OpenSSL: HS256 with a shared
// secret, RS256 and ES256 with public keys from a JWKS file. The key decides the algorithm: a
// token's `alg` must be the one of the key it is checked with, so `none` and alg confusion (an RSA
// public key used as an HMAC secret) are refused. Claims exp / nbf / iss / aud are checked.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rex::host {

struct JwtOptions {
    std::string hs256_secret;             // empty: no HS256
    std::filesystem::path jwks_file;      // empty: no RS256 / ES256
    std::string issuer;                   // empty: not checked
    std::string audience;                 // empty: not checked
    std::chrono::seconds leeway{0};       // clock skew allowed on exp / nbf
};

// A verified token's claims, or why it was refused (one line, no secret, no token text).
struct JwtOutcome {
    std::shared_ptr<const nlohmann::json> claims;
    std::string refusal;
};

class JwtVerifier {
public:
    // Throws rex::ConfigurationError (via rex::raise) when the JWKS file cannot be read or holds
    // no usable key; `origin` names the config place in the message.
    JwtVerifier(JwtOptions options, const std::string& origin);
    ~JwtVerifier();
    JwtVerifier(const JwtVerifier&) = delete;
    JwtVerifier& operator=(const JwtVerifier&) = delete;

    JwtOutcome verify(std::string_view token, std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

    struct Key;

private:
    JwtOptions options_;
    std::vector<std::unique_ptr<Key>> keys_;  // from the JWKS file
};

// base64url without padding, as JWS uses it; nullopt on a character outside the alphabet.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace rex::host

// SHA-256 (FIPS 180-4) as lower-case hex: persisted queries are named by the hash of their text.
#pragma once

#include <string>
#include <string_view>

namespace rex::graphql {

std::string sha256_hex(std::string_view data);

}  // namespace rex::graphql

// The schema as SDL text, as graphql-js printSchema writes it (built-in types and directives left out).
#pragma once

#include "schema/type_system.hpp"

#include <string>

namespace rex::graphql {

std::string print_schema(const Schema& schema);

}  // namespace rex::graphql

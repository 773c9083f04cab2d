#include "validate.hpp"

namespace rex::graphql {

std::vector<GraphqlError> validate(const Schema&, const ast::Document&, std::size_t) { return {}; }

}  // namespace rex::graphql

// A row predicate in the GraphQL API's `where` syntax (Hasura's bool_exp) as JSON text, e.g.
// {"AlbumId":{"_eq":3}}, {"_or":[{"Title":{"_like":"A%"}},{"Price":{"_gt":1}}]}, evaluated on a
// change event's row values instead of in SQL. Only the row's own fields: a relation filter
// would need a query per event and is refused.
#pragma once

#include <rex/sdk/catalog.hpp>
#include <rex/sdk/change.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rex::host {

class RowFilter {
public:
    RowFilter();  // matches every row
    // Throws rex::Error (invalid_value) with one line "where: <path>: <problem>" when `json` is
    // not a boolean expression (bad JSON, an unknown operator, an operand of the wrong shape).
    static RowFilter parse(std::string_view json);

    bool empty() const noexcept;
    // Throws rex::Error with one line when the filter does not fit `entity`: a field it lacks, a
    // relation, an operator its type has no use for (_like on a number), a literal of the wrong
    // type ("abc" for an integer field).
    void check(const EntityInfo& entity) const;
    // As the database would decide (SQL's three-valued logic: a comparison with NULL is unknown,
    // and only a true result matches). `row` holds one value per field of `shape`.
    bool matches(const ChangeShape& shape, std::span<const Value> row) const;
    // The field names the filter reads (each once), so a caller can refuse one the reader may not see.
    std::vector<std::string> fields() const;

    struct Node;

private:
    std::shared_ptr<const Node> root_;
};

}  // namespace rex::host

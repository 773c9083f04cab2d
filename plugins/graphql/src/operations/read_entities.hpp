// What a live query reads, for deciding which changes re-run it: the entities to follow on the
// change bus, and for each related entity whether a change to it can be judged by its row. A
// related entity read only through lists with a `where` (`albums(where: …)`,
// `albums_aggregate(where: …)`) is narrowed: a change whose row fails every such filter, before
// and after, cannot change the result. Read any other way (an object relation, a list without a
// filter, a condition or ordering through a relation, a role's row filter, a join table), every
// change to it counts.
#pragma once

#include "api/api.hpp"
#include "executor/executor.hpp"
#include "schema/operation.hpp"

#include <rex/sdk/change.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rex::graphql {

struct ListFilter {
    const EntityApi* entity = nullptr;
    const InputValue* where = nullptr;  // points into the operation the reads were made from
};

struct RelatedReads {
    bool every_change = false;
    std::vector<ListFilter> lists;  // used when not every_change
};

struct LiveReads {
    std::string root;  // the root field's entity
    // The entities to follow; nullopt when one cannot be named (a join table without an
    // entity): then every change counts.
    std::optional<std::vector<std::string>> entities;
    // The root's entity is judged by the root field's own filter, not here; it appears here only
    // when the query also reads it through a relation.
    std::map<std::string, RelatedReads, std::less<>> related;

    // Whether a change to an entity other than through the root field may change the result.
    bool related_change_matters(const ChangeEvent& event) const;
};

// `requester`: a role's, whose row filters may read more entities (through relations).
// `field` must outlive the result (its `where` values are pointed to).
LiveReads read_entities(const Api& api, const EntityApi& root, const SelectedField& field, const GraphqlExecutor::Requester& requester);

}  // namespace rex::graphql

// What a live query reads, for deciding which changes re-run it: the entities to follow on the
// change bus, and for each related entity whether a change to it can be judged by its row. A
// related entity read only through filtered relations is narrowed: a change whose row fails every
// such filter, before and after, cannot change the result. A relation's filter is its `where`
// (`albums(where: …)`, `albums_aggregate(where: …)`), and, for a relation selected right under a
// root whose keys are given (`artist_by_pk(artist_id: 1)`, `artist(where: {artist_id: {_in: […]}})`),
// that the related row points at one of those keys (its foreign key, or a join table's source
// key). Read any other way (an object relation, a list without either, a condition or ordering
// through a relation, a role's row filter, a many-to-many target), every change to it counts.
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
    InputValue where;  // a t_bool_exp of the related entity
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

// `root`: the root field's kind and entity; `requester`: a role's, whose row filters may read
// more entities (through relations).
LiveReads read_entities(const Api& api, const RootField& root, const SelectedField& field, const GraphqlExecutor::Requester& requester);

}  // namespace rex::graphql

// The rows a GraphQL mutation wrote, as change events for the kernel's bus: read whole (every
// field of the entity, in its order) by their keys on the request's transaction, and published
// by the executor once that transaction committed. On a host without change capture they are
// how its live queries and change streams learn of its own mutations; with capture the pump
// publishes every write, so the executor does not ask for them (ChangeBus::numbered_by_log).
#pragma once

#include "api/api.hpp"
#include "sql/runner.hpp"

#include <rex/sdk/change.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rex::graphql {

class WrittenRows {
public:
    using Row = std::vector<Value>;  // one value per field of the entity, in its order
    using Key = std::vector<Value>;  // the primary key's values, in its order
    using RowsByKey = std::map<std::string, Row>;

    WrittenRows(const Api& api, const Dialect& dialect, SqlRunner& runner, const EntityApi& entity, std::vector<ChangeEvent>& events);

    // The rows with these keys as they are now, by key (key_text).
    RowsByKey read(const std::vector<Key>& keys);
    // Whole rows a statement returned (RETURNING columns()), by key.
    RowsByKey by_key(std::vector<Row> rows) const;
    // The row whose `columns` hold `values` (an upsert's conflict target), if there is one.
    std::optional<Row> find(const std::vector<const FieldInfo*>& columns, const std::vector<Value>& values);
    std::string key_text(const Key& key) const;
    std::string key_text_of(const Row& row) const;

    // The entity's columns in field order: an INSERT's RETURNING list brings the whole row back
    // in the same round trip.
    const std::vector<std::string>& columns() const { return column_names_; }

    // After an insert: each key's row is an insert, or an update of `before`'s row with that key
    // (an upsert that met an existing row). `after`: the rows as RETURNING gave them; else read.
    void inserted(const std::vector<Key>& keys, const RowsByKey& before, const RowsByKey* after = nullptr);
    // After an update: old_keys[i]'s row in `before` became new_keys[i]'s (a key may be set too).
    // `after`: the rows as RETURNING gave them; else read.
    void updated(const std::vector<Key>& old_keys, const std::vector<Key>& new_keys, const RowsByKey& before, const RowsByKey* after = nullptr);
    // After a delete: the rows `before` held for these keys.
    void removed(const std::vector<Key>& keys, const RowsByKey& before);
    // One event of `row` (and the row before it, for an update that knew it).
    void add(ChangeKind kind, const Row& row, const Row* old = nullptr);

private:
    // The whole rows (alias b) that meet `condition`, written with `w`.
    std::vector<Row> select(Writer& w, const std::string& condition);

    const Api& api_;
    const Dialect& dialect_;
    SqlRunner& runner_;
    const EntityApi& entity_;
    std::vector<ChangeEvent>& events_;
    std::shared_ptr<const ChangeShape> shape_;
    std::vector<std::size_t> key_fields_;  // where the primary key's fields are in a row
    std::vector<std::string> column_names_;
    std::string columns_;                  // the select list of a whole row
};

}  // namespace rex::graphql

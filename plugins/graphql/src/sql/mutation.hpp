// Mutation root fields (insert, insert_one with on_conflict, update, update_by_pk, delete,
// delete_by_pk) run on the request's transaction: a few statements each (the write, then the
// `returning` JSON built by the database from the affected keys).
#pragma once

#include "api/rules.hpp"
#include "sql/runner.hpp"

#include <rex/sdk/change.hpp>

#include <stdexcept>
#include <vector>

namespace rex::graphql {

// The values failed the model's validation rules; nothing was written.
class ValidationFailed : public std::runtime_error {
public:
    explicit ValidationFailed(std::vector<RuleFailure> failures)
        : std::runtime_error("validation failed"), failures(std::move(failures)) {}
    std::vector<RuleFailure> failures;
};

// The JSON value of one mutation root field. With `changes`, the rows it wrote are appended as
// change events (sql/written_rows.hpp), for the executor to publish after the commit.
std::string run_mutation(const Api& api, const Dialect& dialect, SqlRunner& runner, const RootField& root, const SelectedField& field,
                         const CompileLimits& limits, std::vector<ChangeEvent>* changes = nullptr);

}  // namespace rex::graphql

// What a C++ mutation resolver reports it wrote (ResolverCall::wrote): each report checked at
// once, the rows read whole by their keys on the request's connection (a delete's at once, before
// it runs; inserts and updates when the resolver returned, one read per entity) and added, in the
// order reported, to the request's events, which the executor publishes after the commit.
#pragma once

#include "api/api.hpp"
#include "sql/runner.hpp"
#include "sql/written_rows.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/resolver.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rex::graphql {

class ResolverWrites final : public WriteReport {
public:
    // `events`: where the rows go; nullptr when a capture pump publishes every write (reports
    // are then only checked).
    ResolverWrites(const Api& api, const Dialect& dialect, SqlRunner& runner, std::string field, std::vector<ChangeEvent>* events);

    void wrote(std::string_view entity, ChangeKind kind, std::vector<Value> key) override;
    // The resolver returned: reads the inserted and updated rows, adds every reported row's event.
    void finish();

private:
    struct Report {
        const EntityApi* entity = nullptr;
        ChangeKind kind = ChangeKind::insert;
        WrittenRows::Key key;
        std::optional<WrittenRows::Row> removed;  // a delete's row, read before it ran
    };
    WrittenRows& rows_of(const EntityApi& entity);
    [[noreturn]] void refuse(ErrorCategory category, const std::string& problem) const;

    const Api& api_;
    const Dialect& dialect_;
    SqlRunner& runner_;
    std::string field_;
    std::vector<ChangeEvent>* events_;
    std::vector<Report> reports_;
    std::map<const EntityApi*, std::unique_ptr<WrittenRows>> rows_;
};

}  // namespace rex::graphql

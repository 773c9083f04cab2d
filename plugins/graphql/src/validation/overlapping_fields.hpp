// Spec 5.3.2 "Field Selection Merging", as graphql-js's OverlappingFieldsCanBeMergedRule computes
// it: field maps cached per selection set and fragment pairs compared once, so repeated fragments
// do not make it exponential.
#pragma once

#include "language/ast.hpp"

#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>

namespace rex::graphql {

class OverlappingFields {
public:
    using Report = std::function<void(std::string message, std::vector<SourceLocation> locations)>;
    using Fragments = std::unordered_map<std::string_view, const ast::Fragment*>;

    OverlappingFields(const Schema& schema, const Fragments& fragments, Report report);
    ~OverlappingFields();

    // Reports every conflict within one selection set (call it for each selection set of the document).
    void check(const TypeDef* parent, const ast::SelectionSet& set);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rex::graphql

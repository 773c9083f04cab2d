// The parsed form of an executable GraphQL document: compact, owning its strings (a cached
// document outlives the request text), with the source location of every node errors point at.
#pragma once

#include "schema/operation.hpp"

#include <memory>
#include <string>
#include <vector>

namespace rex::graphql::ast {

struct Argument {
    std::string name;
    InputValue value;
    SourceLocation location;        // of the name
    SourceLocation value_location;  // of the value
};

struct Directive {
    std::string name;
    std::vector<Argument> arguments;
    SourceLocation location;  // of the `@`
};

struct Selection;
using SelectionSet = std::vector<Selection>;

struct Selection {
    enum class Kind : std::uint8_t { field, fragment_spread, inline_fragment };
    Kind kind = Kind::field;
    std::string alias;  // field: empty when none
    std::string name;   // field name, or the spread fragment's name
    std::string type_condition;  // inline fragment: empty when none
    std::vector<Argument> arguments;
    std::vector<Directive> directives;
    SelectionSet selection;
    SourceLocation location;

    const std::string& response_key() const noexcept { return alias.empty() ? name : alias; }
};

struct VariableDefinition {
    std::string name;
    TypeRef type;
    std::optional<InputValue> default_value;
    SourceLocation default_location;
    std::vector<Directive> directives;
    SourceLocation location;  // of the `$`
    SourceLocation type_location;
};

struct Operation {
    OperationKind kind = OperationKind::query;
    std::string name;
    std::vector<VariableDefinition> variables;
    std::vector<Directive> directives;
    SelectionSet selection;
    SourceLocation location;
};

struct Fragment {
    std::string name;
    std::string type_condition;
    std::vector<Directive> directives;
    SelectionSet selection;
    SourceLocation location;
    SourceLocation type_location;
};

// A type-system definition or extension found in an executable document: kept only to be
// reported by the "executable definitions" rule.
struct NonExecutable {
    std::string description;  // e.g. "Foo" or "schema"
    SourceLocation location;
};

struct Document {
    std::vector<Operation> operations;
    std::vector<Fragment> fragments;
    std::vector<NonExecutable> non_executable;
    std::size_t token_count = 0;
};

}  // namespace rex::graphql::ast

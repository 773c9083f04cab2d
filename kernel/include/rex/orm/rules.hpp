// Validation rules: checked on every field of an object before any SQL is sent; all failures
// of an object are reported together, naming field and rule.
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/sdk/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rex {

struct Rule {
    std::string name;      // "not_empty", "length", ...
    std::string argument;  // for messages and the catalog: "1..255"
    // The failure message for a value, or nullopt if it passes. NULL values pass every rule
    // (nullability is the column's business).
    std::function<std::optional<std::string>(const Value&)> check;
};

REX_KERNEL_API Rule not_empty();
REX_KERNEL_API Rule length(std::size_t min, std::size_t max);  // in UTF-8 characters
REX_KERNEL_API Rule range(double min, double max);
REX_KERNEL_API Rule pattern(std::string regex);                 // ECMAScript, whole value
REX_KERNEL_API Rule email();
REX_KERNEL_API Rule one_of(std::vector<std::string> allowed);
REX_KERNEL_API Rule custom(std::string name, std::function<std::optional<std::string>(const Value&)> check);

struct FieldError {
    std::string field;
    std::string rule;
    std::string message;
};

}  // namespace rex

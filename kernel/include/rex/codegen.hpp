// Models from a database: a C++ header (structs and entity mappings, relations from foreign
// keys) and the equivalent JSON model file, from an introspected schema (`rex generate models`).
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/schema.hpp>

#include <string>
#include <vector>

namespace rex {

struct ModelCodeOptions {
    std::string cpp_namespace = "models";
    std::string source;  // shown in the header's first comment (a redacted URL)
};

struct GeneratedModels {
    std::string header;              // compiles on its own; `map_all(db)` maps every entity
    std::string json;                // a model file (docs/model-files.md)
    std::vector<std::string> notes;  // what could not be expressed (unmapped types, cycles)
};

// Entity names are the table names; struct names are their PascalCase, member names the
// columns' snake_case. A generated integer key is mapped with .id(), any other primary key
// (assigned, text, uuid, composite) with one .key() per column, in column order. Single-column
// foreign keys to a table with a key of one column become belongs_to / has_many relations.
REX_KERNEL_API GeneratedModels generate_models(const std::vector<TableSchema>& tables, const ModelCodeOptions& options = {});

}  // namespace rex

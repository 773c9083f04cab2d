// JSON model files: entities for the kernel's catalog, written by hand or by tools, read by
// rex-host and the CLI. The format is documented in docs/model-files.md.
//
//   rex::load_model_file(kernel, "models.json");   // registers every entity, or none
//
// A bad file throws one ConfigurationError naming the file, the JSON pointer of the problem in
// it and what is wrong:
//   models.json: /entities/1/fields/3/type: unknown type "strng" (expected one of bool, ...)
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/sdk/catalog.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rex {

class Kernel;

// Parses the text of a model file. `source_name` starts every error message. Relations may
// point to entities of the text and, when `known` is given, to entities of that catalog (an
// entity of the text hides one of the catalog with the same name).
REX_KERNEL_API std::vector<EntityInfo> parse_models(std::string_view json_text, std::string_view source_name,
                                                    const CatalogView* known = nullptr);

// Reads and parses one model file; the file's path as given names it in errors.
REX_KERNEL_API std::vector<EntityInfo> read_model_file(const std::filesystem::path& file,
                                                       const CatalogView* known = nullptr);

// Reads one model file and registers its entities with the kernel, replacing catalog entities of
// the same names. Relations are checked against the file and the kernel's catalog. Nothing is
// registered when the file has an error. Returns the names of the entities, in file order.
REX_KERNEL_API std::vector<std::string> load_model_file(Kernel& kernel, const std::filesystem::path& file);

}  // namespace rex

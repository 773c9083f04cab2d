// Checks that a file is a whole ELF shared library for this machine, without loading it:
// dlopen on a truncated or foreign file can crash or run code, so the loader asks first.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace rex {

// nullopt if the file looks loadable; otherwise the reason, one line.
std::optional<std::string> check_elf_file(const std::filesystem::path& file);

}  // namespace rex

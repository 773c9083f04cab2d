#include "elf_check.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace rex {

namespace {

template <class T>
bool read_at(std::ifstream& in, std::uint64_t offset, T& out) {
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char*>(&out), sizeof out);
    return static_cast<bool>(in);
}

std::string truncated(std::uint64_t needed, std::uint64_t size, const char* what) {
    return "truncated or corrupted file: " + std::string(what) + " end at byte " + std::to_string(needed) +
           " but the file has " + std::to_string(size) + " bytes";
}

}  // namespace

std::optional<std::string> check_elf_file(const std::filesystem::path& file) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) return "cannot read file: " + ec.message();
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::string("cannot open file for reading");

    unsigned char ident[EI_NIDENT] = {};
    in.read(reinterpret_cast<char*>(ident), sizeof ident);
    if (in.gcount() < SELFMAG || std::memcmp(ident, ELFMAG, SELFMAG) != 0)
        return std::string("not a Rex plugin: not an ELF shared library");
    if (size < sizeof(Elf64_Ehdr)) return truncated(sizeof(Elf64_Ehdr), size, "the ELF header should");
    if (ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB)
        return std::string("not loadable here: built for another architecture (not 64-bit little-endian)");

    Elf64_Ehdr header{};
    if (!read_at(in, 0, header)) return std::string("truncated or corrupted file: cannot read the ELF header");
    if (header.e_type != ET_DYN) return std::string("not a Rex plugin: an ELF file but not a shared library");
#if defined(__x86_64__)
    if (header.e_machine != EM_X86_64) return "not loadable here: built for another machine (e_machine " + std::to_string(header.e_machine) + ")";
#elif defined(__aarch64__)
    if (header.e_machine != EM_AARCH64) return "not loadable here: built for another machine (e_machine " + std::to_string(header.e_machine) + ")";
#endif

    const std::uint64_t ph_end = header.e_phoff + std::uint64_t{header.e_phnum} * header.e_phentsize;
    if (ph_end > size) return truncated(ph_end, size, "program headers should");
    const std::uint64_t sh_end = header.e_shoff + std::uint64_t{header.e_shnum} * header.e_shentsize;
    if (sh_end > size) return truncated(sh_end, size, "section headers should");
    if (header.e_phentsize != sizeof(Elf64_Phdr) || (header.e_shnum && header.e_shentsize != sizeof(Elf64_Shdr)))
        return std::string("truncated or corrupted file: unexpected ELF header sizes");

    for (unsigned i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr ph{};
        if (!read_at(in, header.e_phoff + std::uint64_t{i} * sizeof ph, ph))
            return std::string("truncated or corrupted file: cannot read program headers");
        if (ph.p_offset + ph.p_filesz > size) return truncated(ph.p_offset + ph.p_filesz, size, "loadable segments should");
    }
    for (unsigned i = 0; i < header.e_shnum; ++i) {
        Elf64_Shdr sh{};
        if (!read_at(in, header.e_shoff + std::uint64_t{i} * sizeof sh, sh))
            return std::string("truncated or corrupted file: cannot read section headers");
        if (sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size > size)
            return truncated(sh.sh_offset + sh.sh_size, size, "sections should");
    }
    return std::nullopt;
}

}  // namespace rex

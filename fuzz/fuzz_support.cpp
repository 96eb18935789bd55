#include "fuzz/fuzz_support.h"

#include <cstdio>
#include <cstdlib>

namespace fuzz {

std::unique_ptr<emu::Machine> bootKernel(const std::vector<uint8_t>& kernel, NullSink& sink) {
  emu::MachineConfig config;
  config.memMb = 2;
  config.kernel = "fuzz-kernel";
  config.files[config.kernel] = std::span<const uint8_t>(kernel.data(), kernel.size());
  config.console = &sink;
  std::string error;
  std::unique_ptr<emu::Machine> m = emu::Machine::create(config, error);
  if (!m) {
    std::fprintf(stderr, "fuzz: the kludge kernel did not load: %s\n", error.c_str());
    std::abort();
  }
  return m;
}

}  // namespace fuzz

namespace fuzz {

std::vector<uint8_t> symbolElf(const std::vector<ElfSymbol>& symbols) {
  constexpr uint32_t kEhdr = 52, kShdr = 40, kSym = 16;
  std::string strtab(1, '\0');
  std::vector<uint32_t> nameOffsets;
  for (const ElfSymbol& s : symbols) {
    nameOffsets.push_back(static_cast<uint32_t>(strtab.size()));
    strtab += s.name;
    strtab += '\0';
  }
  uint32_t symtabAt = kEhdr + 3 * kShdr;
  uint32_t symtabSize = kSym * static_cast<uint32_t>(symbols.size() + 1);
  uint32_t strtabAt = symtabAt + symtabSize;
  std::vector<uint8_t> f(strtabAt + strtab.size(), 0);
  auto put16 = [&f](size_t at, uint16_t v) {
    f[at] = static_cast<uint8_t>(v);
    f[at + 1] = static_cast<uint8_t>(v >> 8);
  };
  auto put32 = [&f](size_t at, uint32_t v) {
    for (unsigned i = 0; i < 4; ++i) f[at + i] = static_cast<uint8_t>(v >> (8 * i));
  };
  const uint8_t ident[7] = {0x7F, 'E', 'L', 'F', 1, 1, 1};  // ELFCLASS32, ELFDATA2LSB, EV_CURRENT
  for (unsigned i = 0; i < sizeof ident; ++i) f[i] = ident[i];
  put16(16, 2);      // e_type: ET_EXEC
  put16(18, 3);      // e_machine: EM_386
  put32(20, 1);      // e_version
  put32(32, kEhdr);  // e_shoff: right after the header
  put16(40, kEhdr);  // e_ehsize
  put16(46, kShdr);  // e_shentsize
  put16(48, 3);      // e_shnum
  // Section 1: .symtab (SHT_SYMTAB 2), its strings in section 2 (sh_link), entries of 16 bytes.
  size_t sh = kEhdr + kShdr;
  put32(sh + 4, 2);
  put32(sh + 16, symtabAt);
  put32(sh + 20, symtabSize);
  put32(sh + 24, 2);
  put32(sh + 36, kSym);
  // Section 2: .strtab (SHT_STRTAB 3).
  sh += kShdr;
  put32(sh + 4, 3);
  put32(sh + 16, strtabAt);
  put32(sh + 20, static_cast<uint32_t>(strtab.size()));
  // Elf32_Sym: st_name, st_value, st_size, st_info (STB_GLOBAL << 4 | STT_FUNC), st_other,
  // st_shndx (1: defined in some section, neither SHN_UNDEF nor SHN_ABS).
  for (size_t i = 0; i < symbols.size(); ++i) {
    size_t at = symtabAt + kSym * (i + 1);
    put32(at, nameOffsets[i]);
    put32(at + 4, symbols[i].value);
    put32(at + 8, symbols[i].size);
    f[at + 12] = 0x12;
    put16(at + 14, 1);
  }
  for (size_t i = 0; i < strtab.size(); ++i) f[strtabAt + i] = static_cast<uint8_t>(strtab[i]);
  return f;
}

}  // namespace fuzz

// User programs known by their code, so an address space can be named by the program it runs:
// "cr3 0x0dfbc000 (cowtest)". A program is an ELF32 file given with --symbols, or a file in the
// built-in guest's archive module; an address space runs it when the bytes its CR3 maps at the
// program's .text address, at user privilege, are the program's own.
//
// programs.cpp defines: Programs (add, addArchive, identify).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "emu/trace/symbols.h"
#include "mmu/mmu.h"
#include "mmu/phys_memory.h"

namespace trace {

class Programs {
 public:
  // At most this many bytes of each program's .text are compared.
  static constexpr uint32_t kCompared = 4096;

  // Adds the program in the ELF32 `image` called `name` (a path is shortened to its file name,
  // and a leading '_' of xv6's "_cowtest" dropped). False when it has no code below the kernel's
  // half of the address space (a kernel is not a program).
  bool add(std::span<const uint8_t> image, const std::string& name);
  // Adds every ELF file of an xray86 archive (guest/kernel/archive.h). Returns how many; 0 when
  // `archive` is not one.
  size_t addArchive(std::span<const uint8_t> archive);

  // The program whose code `cr3` maps, or "" when none does. Reads through side-effect-free
  // probes of the page tables; where two programs match, the one with more matching bytes wins.
  std::string identify(const mmu::Mmu& mmu, mmu::PhysMemory& mem, uint32_t cr3) const;

  // The symbols of the program called `name` (a name identify() returned), or null.
  const SymbolTable* symbols(const std::string& name) const;
  // Whether `symbol` (same name and start) is one of some program's own.
  bool names(const SymbolTable::Symbol& symbol) const;

  bool empty() const { return programs_.empty(); }
  size_t size() const { return programs_.size(); }

 private:
  struct Program {
    std::string name;
    SymbolTable symbols;        // its own names, for the address spaces that run it
    uint32_t address = 0;       // of .text (or the first executable segment)
    std::vector<uint8_t> code;  // its first bytes, at most kCompared
  };
  std::vector<Program> programs_;
};

}  // namespace trace

// Symbol tables read from ELF32 files, for naming addresses as `function+0x12` in traces.
//
// symbols.cpp defines: SymbolTable (loadFile, loadBytes, lookup, find, describe).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace trace {

class SymbolTable {
 public:
  struct Symbol {
    uint32_t start = 0;
    uint32_t end = 0;  // exclusive
    std::string name;
  };

  // Adds the function and object symbols of an ELF32 file (its .symtab, else .dynsym). Returns
  // false with a one-line `error` when the file cannot be read or is not an ELF32 file with one.
  bool loadFile(const std::string& path, std::string& error);
  bool loadBytes(std::span<const uint8_t> image, const std::string& name, std::string& error);

  // The symbol whose range holds `address`. Ranges come from the symbol's size, or for a sized-0
  // symbol (assembly labels) reach to the next symbol. Where files overlap (user programs are all
  // linked at the same addresses) the file loaded first wins.
  const Symbol* lookup(uint32_t address) const;
  // The range of the symbol called `name` (first file first).
  std::optional<Symbol> find(const std::string& name) const;
  // "name+0x1c", "name", or "" when nothing covers `address`.
  std::string describe(uint32_t address) const;

  bool empty() const { return symbols_.empty(); }
  size_t size() const { return symbols_.size(); }

 private:
  std::vector<Symbol> symbols_;  // sorted by start; no two overlap
};

}  // namespace trace

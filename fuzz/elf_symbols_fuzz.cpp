// The ELF symbol reader (emu/trace/symbols.cpp): section headers, .symtab/.dynsym and their
// string tables, all bounds-checked. Checks, besides ASan and UBSan: a refusal comes with a
// one-line error; whatever lookup() returns holds the address asked for, and describe() names it.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "emu/trace/symbols.h"
#include "fuzz/fuzz_support.h"

namespace {
[[noreturn]] void fail(const char* what, uint32_t address) {
  std::fprintf(stderr, "elf_symbols_fuzz: %s (address 0x%x)\n", what, address);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  trace::SymbolTable table;
  std::string error;
  if (!table.loadBytes(std::span<const uint8_t>(data, size), "fuzz.elf", error)) {
    if (error.empty() || error.find('\n') != std::string::npos)
      fail("refused without a one-line error", 0);
    return 0;
  }
  // Addresses to look up: every aligned word of the input (symbol values come from there).
  fuzz::Reader in(data, size);
  for (unsigned k = 0; k < 256 && !in.empty(); ++k) {
    uint32_t a = in.take(4);
    for (uint32_t probe : {a, a - 1, a + 1}) {
      const trace::SymbolTable::Symbol* s = table.lookup(probe);
      if (s == nullptr) continue;
      if (probe < s->start || probe >= s->end)
        fail("lookup() returned a symbol without the address", probe);
      if (table.describe(probe).rfind(s->name, 0) != 0)
        fail("describe() does not name the symbol", probe);
      if (!table.find(s->name)) fail("find() misses a symbol lookup() returned", probe);
    }
  }
  return 0;
}

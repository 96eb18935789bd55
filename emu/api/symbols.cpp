// xray86::Symbols over the trace's ELF32 symbol tables (emu/trace/symbols.h): one reader, so a
// name means the same address range in `runTo`, a filter's `eip in NAME` and a trace line.
#include "emu/trace/symbols.h"

#include "xray86/xray86.h"

namespace xray86 {

Symbols::Symbols() : table_(std::make_unique<trace::SymbolTable>()) {}
Symbols::~Symbols() = default;
// A moved-from Symbols stays usable: it is left a table (an empty one, or the other's).
Symbols::Symbols(Symbols&& other) noexcept : Symbols() {
  table_.swap(other.table_);
}
Symbols& Symbols::operator=(Symbols&& other) noexcept {
  table_.swap(other.table_);
  return *this;
}

void Symbols::load(const std::string& path) {
  std::string error;
  if (!table_->loadFile(path, error)) throw Error(error);
}

std::optional<Symbols::Symbol> Symbols::find(const std::string& name) const {
  auto s = table_->find(name);
  if (!s) return std::nullopt;
  return Symbol{s->start, s->end, s->name};
}

std::optional<Symbols::Symbol> Symbols::lookup(uint32_t address) const {
  const trace::SymbolTable::Symbol* s = table_->lookup(address);
  if (s == nullptr) return std::nullopt;
  return Symbol{s->start, s->end, s->name};
}

std::string Symbols::describe(uint32_t address) const {
  return table_->describe(address);
}

size_t Symbols::size() const {
  return table_->size();
}

}  // namespace xray86

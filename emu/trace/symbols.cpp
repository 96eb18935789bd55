// ELF32 symbol tables (System V ABI, "Object Files": the ELF header, section headers and the
// Elf32_Sym layout). Only what naming an address needs is read; every offset is bounds-checked.
#include "emu/trace/symbols.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

#include "emu/trace/elf.h"

namespace trace {

namespace {

using elf::get16;
using elf::get32;
using elf::inside;
constexpr uint8_t kSttNotype = 0, kSttObject = 1, kSttFunc = 2;
constexpr uint16_t kShnUndef = 0, kShnAbs = 0xFFF1;
// A label with no size covers at most this much before the next symbol.
constexpr uint32_t kMaxUnsizedSpan = 64 * 1024;

}  // namespace

bool SymbolTable::loadFile(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open";
    return false;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  return loadBytes(bytes, path, error);
}

bool SymbolTable::loadBytes(std::span<const uint8_t> b, const std::string& name,
                            std::string& error) {
  if (const char* wrong = elf::checkHeader(b); *wrong) {
    error = name + ": " + wrong;
    return false;
  }
  std::vector<elf::Section> sections;
  if (!elf::sections(b, sections)) {
    error = name + ": bad section header table";
    return false;
  }
  const elf::Section* symtab = nullptr;
  for (uint32_t want : {elf::kShtSymtab, elf::kShtDynsym}) {
    for (const elf::Section& sec : sections) {
      if (sec.type == want && symtab == nullptr) symtab = &sec;
    }
  }
  if (symtab == nullptr) {
    error = name + ": no symbol table";
    return false;
  }
  uint32_t off = symtab->offset, size = symtab->size, entsize = symtab->entsize;
  if (entsize < 16 || symtab->link >= sections.size() || !inside(b, off, size)) {
    error = name + ": bad symbol table";
    return false;
  }
  uint32_t stroff = sections[symtab->link].offset, strsize = sections[symtab->link].size;
  if (!inside(b, stroff, strsize)) {
    error = name + ": bad string table";
    return false;
  }

  std::vector<Symbol> found;
  for (uint64_t at = off; at + entsize <= uint64_t{off} + size; at += entsize) {
    uint32_t nameOff = get32(b, at), value = get32(b, at + 4), symSize = get32(b, at + 8);
    uint8_t type = b[at + 12] & 0xF;
    uint16_t shndx = get16(b, at + 14);
    if (type != kSttFunc && type != kSttObject && type != kSttNotype) continue;
    if (shndx == kShnUndef || shndx == kShnAbs || nameOff >= strsize) continue;
    const char* s = reinterpret_cast<const char*>(b.data() + stroff + nameOff);
    size_t len = strnlen(s, strsize - nameOff);
    if (len == 0 || len == strsize - nameOff) continue;  // unnamed, or not terminated
    std::string n(s, len);
    if (type == kSttNotype && (n[0] == '.' || n.find('.') != std::string::npos))
      continue;  // local labels
    found.push_back({value, symSize == 0 ? value : value + symSize, n});
  }
  if (found.empty()) {
    error = name + ": no function or object symbols";
    return false;
  }
  // Sized symbols first, so a label at the same address as a function does not hide it.
  std::stable_sort(found.begin(), found.end(), [](const Symbol& x, const Symbol& y) {
    if (x.start != y.start) return x.start < y.start;
    return (x.end - x.start) > (y.end - y.start);
  });
  // Unsized symbols reach to the next symbol's start (bounded).
  for (size_t i = 0; i < found.size(); ++i) {
    if (found[i].end != found[i].start) continue;
    uint32_t limit = found[i].start + kMaxUnsizedSpan < found[i].start
                         ? 0xFFFFFFFFu
                         : found[i].start + kMaxUnsizedSpan;
    for (size_t j = i + 1; j < found.size(); ++j) {
      if (found[j].start > found[i].start) {
        limit = std::min(limit, found[j].start);
        break;
      }
    }
    found[i].end = std::max(limit, found[i].start + 1);
  }
  // Merge into the table, keeping what is already there where ranges overlap.
  for (const Symbol& s : found) {
    auto it = std::lower_bound(symbols_.begin(), symbols_.end(), s.start,
                               [](const Symbol& x, uint32_t a) { return x.end <= a; });
    if (it != symbols_.end() && it->start < s.end) continue;  // overlaps an earlier symbol
    symbols_.insert(it, s);
  }
  return true;
}

const SymbolTable::Symbol* SymbolTable::lookup(uint32_t address) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                             [](uint32_t a, const Symbol& s) { return a < s.start; });
  if (it == symbols_.begin()) return nullptr;
  --it;
  return address < it->end ? &*it : nullptr;
}

std::optional<SymbolTable::Symbol> SymbolTable::find(const std::string& name) const {
  for (const Symbol& s : symbols_) {
    if (s.name == name) return s;
  }
  return std::nullopt;
}

std::string SymbolTable::describe(uint32_t address) const {
  const Symbol* s = lookup(address);
  if (s == nullptr) return {};
  if (address == s->start) return s->name;
  char buf[16];
  std::snprintf(buf, sizeof buf, "+0x%x", address - s->start);
  return s->name + buf;
}

}  // namespace trace

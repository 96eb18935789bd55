// ELF32 symbol tables (System V ABI, "Object Files": the ELF header, section headers and the
// Elf32_Sym layout). Only what naming an address needs is read; every offset is bounds-checked.
#include "emu/trace/symbols.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

namespace trace {

namespace {

constexpr uint32_t kShtSymtab = 2;
constexpr uint32_t kShtDynsym = 11;
constexpr uint8_t kSttNotype = 0, kSttObject = 1, kSttFunc = 2;
constexpr uint16_t kShnUndef = 0, kShnAbs = 0xFFF1;
// A label with no size covers at most this much before the next symbol.
constexpr uint32_t kMaxUnsizedSpan = 64 * 1024;

uint16_t get16(std::span<const uint8_t> b, size_t at) { return static_cast<uint16_t>(b[at] | b[at + 1] << 8); }
uint32_t get32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 |
         static_cast<uint32_t>(b[at + 2]) << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}
bool inside(std::span<const uint8_t> b, uint64_t off, uint64_t len) { return off <= b.size() && len <= b.size() - off; }

}  // namespace

bool SymbolTable::loadFile(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open";
    return false;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return loadBytes(bytes, path, error);
}

bool SymbolTable::loadBytes(std::span<const uint8_t> b, const std::string& name, std::string& error) {
  // e_ident: 7F 'E' 'L' 'F', class 1 (32-bit), data 1 (little-endian).
  if (b.size() < 52 || std::memcmp(b.data(), "\x7F" "ELF", 4) != 0) {
    error = name + ": not an ELF file";
    return false;
  }
  if (b[4] != 1 || b[5] != 1) {
    error = name + ": not a little-endian ELF32 file";
    return false;
  }
  uint32_t shoff = get32(b, 32);
  uint16_t shentsize = get16(b, 46), shnum = get16(b, 48);
  if (shentsize < 40 || !inside(b, shoff, uint64_t{shentsize} * shnum)) {
    error = name + ": bad section header table";
    return false;
  }
  auto section = [&](unsigned i) { return shoff + size_t{i} * shentsize; };
  int symtab = -1;
  for (unsigned want : {kShtSymtab, kShtDynsym}) {
    for (unsigned i = 0; i < shnum && symtab < 0; ++i) {
      if (get32(b, section(i) + 4) == want) symtab = static_cast<int>(i);
    }
    if (symtab >= 0) break;
  }
  if (symtab < 0) {
    error = name + ": no symbol table";
    return false;
  }
  size_t sh = section(static_cast<unsigned>(symtab));
  uint32_t off = get32(b, sh + 16), size = get32(b, sh + 20), link = get32(b, sh + 24);
  uint32_t entsize = get32(b, sh + 36);
  if (entsize < 16 || link >= shnum || !inside(b, off, size)) {
    error = name + ": bad symbol table";
    return false;
  }
  size_t strsh = section(link);
  uint32_t stroff = get32(b, strsh + 16), strsize = get32(b, strsh + 20);
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
    if (type == kSttNotype && (n[0] == '.' || n.find('.') != std::string::npos)) continue;  // local labels
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
    uint32_t limit = found[i].start + kMaxUnsizedSpan < found[i].start ? 0xFFFFFFFFu : found[i].start + kMaxUnsizedSpan;
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

// ELF32 symbol tables for the API: enough of the ELF format (System V ABI, "Object Files",
// sections and the symbol table) to name addresses. Every offset read from the file is checked
// against its size, so a truncated or hostile file gives an Error, never a bad read.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

#include "xray86/xray86.h"

namespace xray86 {

namespace {
// ELF32 header and section header fields used here (offsets in bytes).
constexpr size_t kEhShoff = 0x20, kEhShentsize = 0x2E, kEhShnum = 0x30, kEhSize = 0x34;
constexpr size_t kShType = 4, kShOffset = 16, kShSize = 20, kShLink = 24, kShEntsize = 36;
constexpr size_t kShSize32 = 40, kSymSize = 16;
constexpr uint32_t kShtSymtab = 2;
constexpr uint8_t kSttNotype = 0, kSttObject = 1, kSttFunc = 2;
constexpr uint16_t kShnUndef = 0, kShnLoReserve = 0xFF00;

uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<uint32_t>(b[at + 3]) << 24);
}
uint16_t le16(const std::vector<uint8_t>& b, size_t at) {
  return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}
bool fits(const std::vector<uint8_t>& b, uint64_t at, uint64_t size) { return at + size <= b.size(); }
}  // namespace

void Symbols::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open symbol file " + path);
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](const char* why) { return Error(path + ": " + why); };
  if (b.size() < kEhSize || std::memcmp(b.data(), "\x7f" "ELF", 4) != 0 || b[4] != 1 || b[5] != 1) {
    throw bad("not a little-endian ELF32 file");
  }
  uint32_t shoff = le32(b, kEhShoff);
  uint16_t shentsize = le16(b, kEhShentsize), shnum = le16(b, kEhShnum);
  if (shentsize < kShSize32 || !fits(b, shoff, uint64_t{shentsize} * shnum)) throw bad("bad section headers");
  auto sh = [&](unsigned i, size_t field) { return le32(b, shoff + size_t{i} * shentsize + field); };
  std::vector<Symbol> found;
  for (unsigned i = 0; i < shnum; ++i) {
    if (sh(i, kShType) != kShtSymtab) continue;
    uint32_t off = sh(i, kShOffset), size = sh(i, kShSize), link = sh(i, kShLink);
    uint32_t entsize = sh(i, kShEntsize);
    if (entsize < kSymSize || !fits(b, off, size) || link >= shnum) throw bad("bad symbol table");
    uint32_t stroff = sh(link, kShOffset), strsize = sh(link, kShSize);
    if (!fits(b, stroff, strsize)) throw bad("bad string table");
    for (uint64_t at = off; at + kSymSize <= uint64_t{off} + size; at += entsize) {
      uint32_t name = le32(b, at), value = le32(b, at + 4), symSize = le32(b, at + 8);
      uint8_t type = b[at + 12] & 0xF;
      uint16_t shndx = le16(b, at + 14);
      if (type != kSttFunc && type != kSttObject && type != kSttNotype) continue;
      if (shndx == kShnUndef || shndx >= kShnLoReserve || name == 0 || name >= strsize) continue;
      const char* s = reinterpret_cast<const char*>(b.data() + stroff + name);
      size_t len = strnlen(s, strsize - name);
      if (len == 0 || len == strsize - name) continue;  // empty, or not terminated in the table
      std::string n(s, len);
      if (type == kSttNotype && n[0] == '.') continue;  // local assembler labels
      found.push_back(Symbol{value, value + symSize, std::move(n)});
    }
  }
  if (found.empty()) throw bad("no symbols");
  // A symbol without a size (an assembly label) reaches to the next symbol of this file.
  std::stable_sort(found.begin(), found.end(), [](const Symbol& a, const Symbol& c) { return a.start < c.start; });
  for (size_t i = 0; i < found.size(); ++i) {
    if (found[i].end != found[i].start) continue;
    uint32_t next = found[i].start + 1;
    for (size_t j = i + 1; j < found.size(); ++j) {
      if (found[j].start > found[i].start) {
        next = found[j].start;
        break;
      }
    }
    found[i].end = next;
  }
  symbols_.insert(symbols_.end(), found.begin(), found.end());
}

std::optional<Symbols::Symbol> Symbols::find(const std::string& name) const {
  for (const Symbol& s : symbols_) {
    if (s.name == name) return s;
  }
  return std::nullopt;
}

const Symbols::Symbol* Symbols::lookup(uint32_t address) const {
  // Sized symbols before labels: a function's own name beats a label that happens to span it.
  const Symbol* best = nullptr;
  for (const Symbol& s : symbols_) {
    if (address >= s.start && address < s.end) {
      if (best == nullptr || s.end - s.start < best->end - best->start) best = &s;
    }
  }
  return best;
}

std::string Symbols::describe(uint32_t address) const {
  const Symbol* s = lookup(address);
  if (s == nullptr) return "";
  if (address == s->start) return s->name;
  char off[16];
  std::snprintf(off, sizeof off, "+0x%x", address - s->start);
  return s->name + off;
}

}  // namespace xray86

// Reading ELF32 files for names (System V ABI, "Object Files": the ELF header, section headers,
// program headers). Every field is read little-endian and bounds-checked against the file, so a
// truncated or hostile file gives "no" answers, never a read outside it.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace trace::elf {

inline uint16_t get16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] | b[at + 1] << 8);
}
inline uint32_t get32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 |
         static_cast<uint32_t>(b[at + 2]) << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}
// [off, off + len) lies inside `b`.
inline bool inside(std::span<const uint8_t> b, uint64_t off, uint64_t len) {
  return off <= b.size() && len <= b.size() - off;
}

// "" for a little-endian ELF32 file, else what it is not (for a one-line error).
inline const char* checkHeader(std::span<const uint8_t> b) {
  if (b.size() < 52 || std::memcmp(b.data(),
                                   "\x7F"
                                   "ELF",
                                   4) != 0)
    return "not an ELF file";
  if (b[4] != 1 || b[5] != 1) return "not a little-endian ELF32 file";  // EI_CLASS, EI_DATA
  return "";
}

struct Section {
  uint32_t name = 0;  // offset in the section-name string table
  uint32_t type = 0, flags = 0, addr = 0, offset = 0, size = 0, link = 0, entsize = 0;
};
constexpr uint32_t kShtProgbits = 1, kShtSymtab = 2, kShtDynsym = 11;
constexpr uint32_t kShfExecinstr = 4;

// The section headers of a file that passed checkHeader; false when the table is not inside it.
inline bool sections(std::span<const uint8_t> b, std::vector<Section>& out) {
  uint32_t shoff = get32(b, 32);
  uint16_t shentsize = get16(b, 46), shnum = get16(b, 48);
  if (shentsize < 40 || !inside(b, shoff, uint64_t{shentsize} * shnum)) return false;
  out.clear();
  for (unsigned i = 0; i < shnum; ++i) {
    size_t sh = shoff + size_t{i} * shentsize;
    out.push_back({get32(b, sh), get32(b, sh + 4), get32(b, sh + 8), get32(b, sh + 12),
                   get32(b, sh + 16), get32(b, sh + 20), get32(b, sh + 24), get32(b, sh + 36)});
  }
  return true;
}

// The name of section `s` from the section-name table (e_shstrndx), or "" when out of bounds.
inline std::string sectionName(std::span<const uint8_t> b, const std::vector<Section>& all,
                               const Section& s) {
  uint16_t shstrndx = get16(b, 50);
  if (shstrndx >= all.size()) return {};
  const Section& names = all[shstrndx];
  if (!inside(b, names.offset, names.size) || s.name >= names.size) return {};
  const char* p = reinterpret_cast<const char*>(b.data() + names.offset + s.name);
  size_t len = strnlen(p, names.size - s.name);
  return len == names.size - s.name ? std::string() : std::string(p, len);
}

}  // namespace trace::elf

// Naming address spaces by program. ELF32 layout: System V ABI "Object Files" (the ELF header,
// section headers, program headers); the archive: guest/kernel/archive.h. Every offset read from
// a file is bounds-checked.
#include "emu/trace/programs.h"

#include <cstring>
#include <vector>

#include "emu/trace/elf.h"

namespace trace {

namespace {

using elf::get16;
using elf::get32;
using elf::inside;

constexpr uint32_t kPtLoad = 1, kPfX = 1;
constexpr uint32_t kUserTop = 0x80000000u;  // xv6's KERNBASE: programs live below it

// The code of an ELF32 file: its ".text" section, else its first executable loaded segment.
bool findCode(std::span<const uint8_t> b, uint32_t& address, uint32_t& offset, uint32_t& size) {
  if (*elf::checkHeader(b)) return false;
  std::vector<elf::Section> sections;
  if (elf::sections(b, sections)) {
    for (const elf::Section& s : sections) {
      if (s.type != elf::kShtProgbits || !(s.flags & elf::kShfExecinstr) ||
          elf::sectionName(b, sections, s) != ".text") {
        continue;
      }
      address = s.addr;
      offset = s.offset;
      size = s.size;
      return inside(b, offset, size) && size != 0;
    }
  }
  uint32_t phoff = get32(b, 28);
  uint16_t phentsize = get16(b, 42), phnum = get16(b, 44);
  if (phentsize < 32 || !inside(b, phoff, uint64_t{phentsize} * phnum)) return false;
  for (unsigned i = 0; i < phnum; ++i) {
    size_t ph = phoff + size_t{i} * phentsize;
    if (get32(b, ph) != kPtLoad || !(get32(b, ph + 24) & kPfX) || get32(b, ph + 16) == 0) continue;
    offset = get32(b, ph + 4);
    address = get32(b, ph + 8);
    size = get32(b, ph + 16);
    return inside(b, offset, size);
  }
  return false;
}

std::string programName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.size() > 1 && name[0] == '_') name.erase(0, 1);
  return name;
}

}  // namespace

bool Programs::add(std::span<const uint8_t> image, const std::string& name) {
  uint32_t address = 0, offset = 0, size = 0;
  if (!findCode(image, address, offset, size) || address >= kUserTop) return false;
  uint32_t n = size < kCompared ? size : kCompared;
  if (n > kUserTop - address) n = kUserTop - address;
  Program p;
  p.name = programName(name);
  std::string ignored;  // a program without a symbol table is still a program
  p.symbols.loadBytes(image, name, ignored);
  p.address = address;
  p.code.assign(image.begin() + offset, image.begin() + offset + n);
  programs_.push_back(std::move(p));
  return true;
}

bool Programs::names(const SymbolTable::Symbol& symbol) const {
  for (const Program& p : programs_) {
    const SymbolTable::Symbol* s = p.symbols.lookup(symbol.start);
    if (s != nullptr && s->start == symbol.start && s->name == symbol.name) return true;
  }
  return false;
}

const SymbolTable* Programs::symbols(const std::string& name) const {
  for (const Program& p : programs_) {
    if (p.name == name) return &p.symbols;
  }
  return nullptr;
}

size_t Programs::addArchive(std::span<const uint8_t> a) {
  // Header: magic[8], count, total; then entries of name[24], offset, size.
  constexpr size_t kHeader = 16, kEntry = 32, kName = 24;
  if (a.size() < kHeader || std::memcmp(a.data(), "XRAY86AR", 8) != 0) return 0;
  uint32_t count = get32(a, 8);
  if (!inside(a, kHeader, uint64_t{count} * kEntry)) return 0;
  size_t added = 0;
  for (uint32_t i = 0; i < count; ++i) {
    size_t e = kHeader + size_t{i} * kEntry;
    uint32_t offset = get32(a, e + kName), size = get32(a, e + kName + 4);
    if (!inside(a, offset, size)) continue;
    std::string name(reinterpret_cast<const char*>(a.data() + e),
                     strnlen(reinterpret_cast<const char*>(a.data() + e), kName));
    if (add(a.subspan(offset, size), name)) ++added;
  }
  return added;
}

std::string Programs::identify(const mmu::Mmu& mmu, mmu::PhysMemory& mem, uint32_t cr3) const {
  const Program* best = nullptr;
  for (const Program& p : programs_) {
    bool same = true;
    for (uint32_t done = 0; same && done < p.code.size();) {
      uint32_t va = p.address + done;
      mmu::ProbeResult r = mmu.probe(cr3, va, mmu::Access::kFetch, true);
      uint8_t* frame = r.fault ? nullptr : mem.frame(r.physical);
      if (frame == nullptr) {
        same = false;
        break;
      }
      uint32_t inPage = r.physical & mmu::kPageMask;
      uint32_t take = mmu::kPageSize - inPage;
      if (take > p.code.size() - done) take = static_cast<uint32_t>(p.code.size() - done);
      same = std::memcmp(frame + inPage, p.code.data() + done, take) == 0;
      done += take;
    }
    if (same && (best == nullptr || p.code.size() > best->code.size())) best = &p;
  }
  return best ? best->name : std::string();
}

}  // namespace trace

// Multiboot Specification 0.6.96, version 1:
//   Header (3.1.1), in the first 8192 bytes, 4-byte aligned: magic 0x1BADB002, flags, checksum
//   (magic + flags + checksum = 0); with flag 16 also header_addr, load_addr, load_end_addr,
//   bss_end_addr, entry_addr (the "a.out kludge"). Flags 0 (page-align modules), 1 (memory
//   information) and 2 (video mode, which a text-mode loader may ignore) are understood; any
//   other of bits 0-15 is a requirement we cannot meet, so loading fails (3.1.2).
//   Machine state (3.2): EAX = 0x2BADB002, EBX = the information structure, flat 32-bit
//   segments, CR0.PG = 0, CR0.PE = 1, IF = 0, A20 enabled.
//   Information structure (3.3): flags, mem_lower, mem_upper, boot_device, cmdline,
//   mods_count, mods_addr, syms[4], mmap_length, mmap_addr, drives..., boot_loader_name at 64.
// As QEMU's -kernel does, the command line is "<kernel file> <cmdline>", and each module's
// line is the whole --module string; with flag 16 set the kludge addresses win over ELF.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "devices/acpi.h"
#include "devices/firmware.h"

namespace devices {

namespace {
constexpr uint32_t kHeaderMagic = 0x1BADB002;
constexpr uint32_t kBootMagic = 0x2BADB002;
constexpr uint32_t kFlagAoutKludge = 1u << 16;
constexpr uint32_t kFlagsUnderstood = 0x7;

uint32_t get32(const std::vector<uint8_t>& b, size_t at) {
  return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}
uint16_t get16(const std::vector<uint8_t>& b, size_t at) {
  return static_cast<uint16_t>(b[at] | b[at + 1] << 8);
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

// The firmware's own areas below 1 MB, which a kernel or module must not overwrite (the rest of
// RAM is the kernel's to use, as with QEMU's loader: a real-mode test may load at 0x8000).
struct Reserved {
  uint32_t start, end;
  const char* what;
};
constexpr Reserved kReserved[] = {
    {0x0, 0x500, "the interrupt vector table and BIOS data area 0x0-0x4ff"},
    {kEbda, 0xA0000, "the EBDA and its MP floating pointer 0x9fc00-0x9ffff"},
    {0xA0000, 0xC0000, "video memory 0xa0000-0xbffff"},
    {0xC0000, kAcpiBase, "the option ROM area 0xc0000-0xdffff"},
    {kAcpiBase, kBiosBase, "the ACPI tables 0xe0000-0xeffff"},
    {kBiosBase, 0x100000, "the BIOS ROM and its MP table 0xf0000-0xfffff"},
};

// A physical range the loader fills must be RAM and outside the firmware's areas.
bool placeable(const Ram& ram, uint64_t start, uint64_t len, std::string& why) {
  if (len == 0) return true;
  uint64_t end = start + len;
  if (end > ram.size()) {
    char last[24];  // past 4 GB it is printed in full, not wrapped
    std::snprintf(last, sizeof last, "0x%llx", static_cast<unsigned long long>(end - 1));
    why = std::string("ends at ") + last + ", beyond RAM (" + std::to_string(ram.size() >> 20) +
          " MB)";
    return false;
  }
  for (const Reserved& r : kReserved) {
    if (start < r.end && end > r.start) {
      why = "overlaps " + std::string(r.what);
      return false;
    }
  }
  return true;
}

bool overlaps(const std::vector<std::pair<uint64_t, uint64_t>>& ranges, uint64_t start,
              uint64_t end) {
  for (const auto& [s, e] : ranges)
    if (start < e && end > s) return true;
  return false;
}

struct Image {
  uint32_t lowest = UINT32_MAX, highest = 0, entry = 0;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;  // [start, end) of what was loaded
};

bool loadElf(Ram& ram, const std::string& path, const std::vector<uint8_t>& f, Image& img,
             std::string& error) {
  // ELF header (System V ABI): e_ident "\x7fELF", EI_CLASS 1 (32-bit), EI_DATA 1 (little
  // endian); e_type 2 (executable); e_machine 3 (i386); program headers of type 1 (PT_LOAD).
  if (f.size() < 52 ||
      std::memcmp(f.data(),
                  "\x7f"
                  "ELF",
                  4) != 0 ||
      f[4] != 1 || f[5] != 1 || get16(f, 18) != 3) {
    error =
        "kernel " + path +
        " is not an ELF32 i386 executable and its multiboot header has no address fields (flag 16)";
    return false;
  }
  if (get16(f, 16) != 2) {
    error = "kernel " + path + " is an ELF file but not an executable (e_type " +
            std::to_string(get16(f, 16)) + ")";
    return false;
  }
  uint32_t phoff = get32(f, 28);
  uint16_t phentsize = get16(f, 42), phnum = get16(f, 44);
  if (phentsize < 32 || uint64_t{phoff} + uint64_t{phentsize} * phnum > f.size()) {
    error = "kernel " + path + " has program headers outside the file";
    return false;
  }
  int loaded = 0;
  for (uint16_t i = 0; i < phnum; ++i) {
    size_t ph = phoff + size_t{i} * phentsize;
    if (get32(f, ph) != 1) continue;
    uint32_t offset = get32(f, ph + 4), paddr = get32(f, ph + 12);
    uint32_t filesz = get32(f, ph + 16), memsz = get32(f, ph + 20);
    if (memsz == 0) continue;
    if (filesz > memsz || uint64_t{offset} + filesz > f.size()) {
      error = "kernel " + path + " segment " + std::to_string(i) + " lies outside the file";
      return false;
    }
    // `ld -Ttext 0x100000` without -n puts the ELF and program headers in a segment of their
    // own a page below the text, at 0xFF000 in the BIOS area. The kernel never reads them there
    // (QEMU's loader puts them in its ROM area): the part below 1 MB is left out, once said.
    uint32_t headersEnd = std::max<uint32_t>(52, phoff + uint32_t{phentsize} * phnum);
    uint32_t below = paddr >= 0xA0000 && paddr < 0x100000 ? std::min(0x100000 - paddr, memsz) : 0;
    if (below != 0 && offset + below <= headersEnd) {
      std::fprintf(stderr,
                   "xray86: note: kernel %s segment %u at %s holds only ELF headers below 1 MB, "
                   "in the BIOS area; that part is not loaded\n",
                   path.c_str(), i, hex(paddr).c_str());
      paddr += below;
      offset += below;
      filesz -= std::min(filesz, below);
      memsz -= below;
      if (memsz == 0) continue;
    }
    std::string why;
    if (!placeable(ram, paddr, memsz, why)) {
      error = "kernel " + path + " segment " + std::to_string(i) + " at " + hex(paddr) + " " + why;
      return false;
    }
    ram.copyIn(paddr, f.data() + offset, filesz);
    ram.fill(paddr + filesz, 0, memsz - filesz);
    img.lowest = std::min(img.lowest, paddr);
    img.highest = std::max(img.highest, paddr + memsz);
    img.ranges.push_back({paddr, uint64_t{paddr} + memsz});
    ++loaded;
  }
  if (!loaded) {
    error = "kernel " + path + " has no loadable segments";
    return false;
  }
  img.entry = get32(f, 24);
  return true;
}

bool loadKludge(Ram& ram, const std::string& path, const std::vector<uint8_t>& f, size_t hdr,
                Image& img, std::string& error) {
  if (hdr + 32 > f.size()) {
    error = "kernel " + path + " multiboot header is cut off";
    return false;
  }
  uint32_t headerAddr = get32(f, hdr + 12), loadAddr = get32(f, hdr + 16);
  uint32_t loadEnd = get32(f, hdr + 20), bssEnd = get32(f, hdr + 24), entry = get32(f, hdr + 28);
  if (loadAddr > headerAddr || headerAddr - loadAddr > hdr) {
    error = "kernel " + path + " multiboot load_addr " + hex(loadAddr) +
            " does not fit header_addr " + hex(headerAddr);
    return false;
  }
  size_t offset = hdr - (headerAddr - loadAddr);
  uint64_t size = loadEnd ? uint64_t{loadEnd} - loadAddr : f.size() - offset;
  if (loadEnd && loadEnd < loadAddr) {
    error = "kernel " + path + " multiboot load_end_addr is below load_addr";
    return false;
  }
  if (offset + size > f.size()) {
    error = "kernel " + path + " multiboot load range runs past the end of the file";
    return false;
  }
  uint64_t end = bssEnd ? bssEnd : loadAddr + size;
  if (end < loadAddr + size) {
    error = "kernel " + path + " multiboot bss_end_addr is below the loaded image";
    return false;
  }
  std::string why;
  if (!placeable(ram, loadAddr, end - loadAddr, why)) {
    error = "kernel " + path + " image at " + hex(loadAddr) + " " + why;
    return false;
  }
  ram.copyIn(loadAddr, f.data() + offset, static_cast<uint32_t>(size));
  ram.fill(static_cast<uint32_t>(loadAddr + size), 0, static_cast<uint32_t>(end - loadAddr - size));
  img.lowest = loadAddr;
  img.highest = static_cast<uint32_t>(end);
  img.ranges.push_back({loadAddr, end});
  img.entry = entry;
  return true;
}

// Bump allocator over the information block: 0x9000-0xFFFF, or the 28 KB after the modules
// when the kernel or a module lies there.
struct InfoArea {
  Ram& ram;
  uint32_t next = kMultibootInfo;
  uint32_t end = kMultibootInfoEnd;
  uint32_t alloc(uint32_t size, std::string& error) {
    next = (next + 3) & ~3u;
    if (next + size > end) {
      error = "multiboot command lines and module list do not fit in the loader's 28 KB area";
      return 0;
    }
    uint32_t at = next;
    next += size;
    ram.fill(at, 0, size);
    return at;
  }
  uint32_t string(const std::string& s, std::string& error) {
    uint32_t at = alloc(static_cast<uint32_t>(s.size() + 1), error);
    if (at) ram.copyIn(at, s.c_str(), static_cast<uint32_t>(s.size() + 1));
    return at;
  }
};
}  // namespace

// Reads a kernel or module: from the in-memory files if it is one of them, else from disk.
static bool fetchFile(const MultibootOptions& options, const std::string& name,
                      const std::string& what, std::vector<uint8_t>& out, std::string& error) {
  auto it = options.files.find(name);
  if (it == options.files.end()) return readFile(name, what, out, error);
  out.assign(it->second.begin(), it->second.end());
  return true;
}

bool loadMultiboot(Ram& ram, const MultibootOptions& options, BootState& state,
                   std::string& error) {
  std::vector<uint8_t> f;
  if (!fetchFile(options, options.kernel, "kernel", f, error)) return false;
  size_t hdr = SIZE_MAX;
  for (size_t at = 0; at + 12 <= f.size() && at < 8192; at += 4) {
    if (get32(f, at) == kHeaderMagic && get32(f, at) + get32(f, at + 4) + get32(f, at + 8) == 0) {
      hdr = at;
      break;
    }
  }
  if (hdr == SIZE_MAX) {
    error = "kernel " + options.kernel + " has no multiboot header in its first 8 KB";
    return false;
  }
  uint32_t flags = get32(f, hdr + 4);
  if (flags & 0xFFFF & ~kFlagsUnderstood) {
    error = "kernel " + options.kernel + " requires multiboot features we do not provide (flags " +
            hex(flags) + ")";
    return false;
  }
  Image img;
  if (!((flags & kFlagAoutKludge) ? loadKludge(ram, options.kernel, f, hdr, img, error)
                                  : loadElf(ram, options.kernel, f, img, error))) {
    return false;
  }

  // Modules, page-aligned after the kernel.
  struct Module {
    uint64_t at;
    size_t size;
  };
  std::vector<Module> mods;
  uint64_t next = (uint64_t{img.highest} + 0xFFF) & ~uint64_t{0xFFF};
  for (const std::string& spec : options.modules) {
    std::string file = spec.substr(0, spec.find(' '));
    std::vector<uint8_t> m;
    if (!fetchFile(options, file, "module", m, error)) return false;
    std::string why;
    if (!placeable(ram, next, m.size() ? m.size() : 1, why)) {
      error = "module " + file + " at " + hex(static_cast<uint32_t>(next)) + " " + why;
      return false;
    }
    ram.copyIn(static_cast<uint32_t>(next), m.data(), static_cast<uint32_t>(m.size()));
    mods.push_back({next, m.size()});
    img.ranges.push_back({next, next + m.size()});
    next = (next + m.size() + 0xFFF) & ~uint64_t{0xFFF};
  }

  InfoArea area{ram};
  if (overlaps(img.ranges, kMultibootInfo, kMultibootInfoEnd)) {
    // A kernel loaded low (a real-mode test at 0x8000): the block goes after it and its modules.
    std::string why;
    uint32_t size = kMultibootInfoEnd - kMultibootInfo;
    if (!placeable(ram, next, size, why)) {
      error = "kernel " + options.kernel + " covers 0x9000-0xffff and the multiboot information " +
              "cannot go after it at " + hex(static_cast<uint32_t>(next)) + ": it " + why;
      return false;
    }
    area.next = static_cast<uint32_t>(next);
    area.end = static_cast<uint32_t>(next) + size;
  }
  uint32_t info = area.alloc(88, error);
  if (!info) return false;
  uint32_t modsAddr = 0;
  if (!mods.empty()) {
    modsAddr = area.alloc(static_cast<uint32_t>(16 * mods.size()), error);
    if (!modsAddr) return false;
  }
  for (size_t i = 0; i < mods.size(); ++i) {
    uint32_t line = area.string(options.modules[i], error);
    if (!line) return false;
    uint32_t e = modsAddr + static_cast<uint32_t>(i) * 16;
    ram.write32(e, static_cast<uint32_t>(mods[i].at));                     // mod_start
    ram.write32(e + 4, static_cast<uint32_t>(mods[i].at + mods[i].size));  // mod_end
    ram.write32(e + 8, line);                                              // string
  }

  uint32_t cmdline = area.string(options.kernel + " " + options.cmdline, error);
  uint32_t name = cmdline ? area.string("xray86", error) : 0;
  if (!name) return false;
  std::vector<E820Entry> map = memoryMap(ram.size());
  uint32_t mmap = area.alloc(static_cast<uint32_t>(24 * map.size()), error);
  if (!mmap) return false;
  for (size_t i = 0; i < map.size(); ++i) {
    uint32_t e = mmap + static_cast<uint32_t>(i) * 24;
    ram.write32(e, 20);  // size of the rest of the entry
    ram.write32(e + 4, static_cast<uint32_t>(map[i].base));
    ram.write32(e + 8, static_cast<uint32_t>(map[i].base >> 32));
    ram.write32(e + 12, static_cast<uint32_t>(map[i].length));
    ram.write32(e + 16, static_cast<uint32_t>(map[i].length >> 32));
    ram.write32(e + 20, map[i].type);
  }
  // flags: 0 mem_lower/upper, 2 cmdline, 3 mods, 6 mmap, 9 boot_loader_name.
  ram.write32(info + 0, 1u << 0 | 1u << 2 | 1u << 3 | 1u << 6 | 1u << 9);
  ram.write32(info + 4, kBaseMemoryKb);
  ram.write32(info + 8, (ram.size() - 0x100000) / 1024);
  ram.write32(info + 16, cmdline);
  ram.write32(info + 20, static_cast<uint32_t>(options.modules.size()));
  ram.write32(info + 24, modsAddr);
  ram.write32(info + 44, static_cast<uint32_t>(24 * map.size()));
  ram.write32(info + 48, mmap);
  ram.write32(info + 64, name);

  state = BootState{};
  state.mode = BootState::Mode::kProtected32;
  state.eax = kBootMagic;
  state.ebx = info;
  state.eip = img.entry;
  state.esp = 0x7000;  // undefined by the spec; a valid stack below the information block
  state.eflags = 0x2;  // IF = 0
  state.a20 = true;
  return true;
}

}  // namespace devices

// mkdisk: write the guest's raw bootable disk image.
//
//   mkdisk OUT BOOTSECT KERNEL.ELF ARCHIVE [COMMAND LINE...]
//
// Layout, in 512-byte sectors:
//   0          the boot sector (guest/boot/bootsect.S), signature 0x55AA
//   1          the config sector (below): what to load where, and a multiboot
//              information structure with the command line for the kernel
//   2..        the kernel's loadable segments, flattened from its physical load
//              address to the end of its file-backed data (the kernel clears its bss)
//   then       the archive, loaded on the next page boundary after the kernel's end
// The image is padded to whole cylinders of 16 heads x 63 sectors, so that Bochs
// can describe it with a geometry.
//
// Config sector (loaded at 0x7E00), little-endian 32-bit words:
//   0 magic "XCFG"  1 kernel LBA  2 kernel sectors  3 kernel load address
//   4 entry         5 archive LBA 6 archive sectors 7 archive load address
//   8 multiboot information address (inside this sector)
//   at 64:  struct multiboot_info (flags MEMORY|CMDLINE|MODS; mem_upper for a 64 MB machine)
//   at 160: struct multiboot_mod for the archive
//   at 256: the command line, NUL-terminated (at most 255 bytes)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr std::uint32_t kSector = 512;
constexpr std::uint32_t kConfigAddr = 0x7E00;
constexpr std::uint32_t kInfoOffset = 64;
constexpr std::uint32_t kModOffset = 160;
constexpr std::uint32_t kCmdlineOffset = 256;
constexpr std::uint32_t kTopOfMemory = 0x4000000;  // DISKBOOT_TOP in memlayout.h

std::uint32_t get32(const std::vector<char>& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = (v << 8) | static_cast<std::uint8_t>(b[at + i]);
  return v;
}
std::uint16_t get16(const std::vector<char>& b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(b[at]) |
                                    (static_cast<std::uint8_t>(b[at + 1]) << 8));
}
void put32(std::vector<char>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; i++) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

bool readfile(const char* path, std::vector<char>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

int fail(const char* msg, const char* what) {
  std::fprintf(stderr, "mkdisk: %s%s\n", msg, what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: mkdisk OUT BOOTSECT KERNEL.ELF ARCHIVE [COMMAND LINE...]\n");
    return 2;
  }
  std::vector<char> boot, elf, archive;
  if (!readfile(argv[2], boot)) return fail("cannot read ", argv[2]);
  if (!readfile(argv[3], elf)) return fail("cannot read ", argv[3]);
  if (!readfile(argv[4], archive)) return fail("cannot read ", argv[4]);
  std::string cmdline;
  for (int i = 5; i < argc; i++) cmdline += (i > 5 ? " " : "") + std::string(argv[i]);
  if (cmdline.size() >= kSector - kCmdlineOffset) return fail("command line too long", "");
  if (boot.size() > 510) return fail("boot sector larger than 510 bytes: ", argv[2]);

  // Flatten the kernel's PT_LOAD segments (ELF32: System V ABI, i386 supplement).
  if (elf.size() < 52 ||
      std::memcmp(elf.data(),
                  "\x7f"
                  "ELF",
                  4) != 0 ||
      elf[4] != 1)
    return fail("not a 32-bit ELF file: ", argv[3]);
  std::uint32_t entry = get32(elf, 24), phoff = get32(elf, 28);
  std::uint16_t phentsize = get16(elf, 42), phnum = get16(elf, 44);
  std::uint32_t lo = 0xffffffff, filehi = 0, memhi = 0;
  struct Seg {
    std::uint32_t paddr, off, filesz;
  };
  std::vector<Seg> segs;
  for (std::uint32_t i = 0; i < phnum; i++) {
    std::size_t ph = phoff + static_cast<std::size_t>(i) * phentsize;
    if (ph + 32 > elf.size()) return fail("truncated program headers in ", argv[3]);
    if (get32(elf, ph) != 1) continue;  // not PT_LOAD
    Seg s{get32(elf, ph + 12), get32(elf, ph + 4), get32(elf, ph + 16)};
    std::uint32_t memsz = get32(elf, ph + 20);
    if (static_cast<std::size_t>(s.off) + s.filesz > elf.size())
      return fail("segment outside the file in ", argv[3]);
    segs.push_back(s);
    lo = std::min(lo, s.paddr);
    filehi = std::max(filehi, s.paddr + s.filesz);
    memhi = std::max(memhi, s.paddr + memsz);
  }
  if (segs.empty() || lo < 0x100000 || memhi > 0x400000)
    return fail("kernel must load between 1 MB and 4 MB: ", argv[3]);
  std::vector<char> kernel(filehi - lo, 0);
  for (const Seg& s : segs)
    std::memcpy(kernel.data() + (s.paddr - lo), elf.data() + s.off, s.filesz);

  std::uint32_t archiveaddr = (memhi + 0xfff) & ~0xfffu;
  if (archiveaddr + archive.size() > 0x400000)
    return fail("kernel and archive must fit below 4 MB", "");
  std::uint32_t ksectors = static_cast<std::uint32_t>((kernel.size() + kSector - 1) / kSector);
  std::uint32_t asectors = static_cast<std::uint32_t>((archive.size() + kSector - 1) / kSector);

  std::vector<char> config(kSector, 0);
  std::memcpy(config.data(), "XCFG", 4);
  put32(config, 4, 2);
  put32(config, 8, ksectors);
  put32(config, 12, lo);
  put32(config, 16, entry);
  put32(config, 20, 2 + ksectors);
  put32(config, 24, asectors);
  put32(config, 28, archiveaddr);
  put32(config, 32, kConfigAddr + kInfoOffset);
  // struct multiboot_info (Multiboot 0.6.96, 3.3): flags, mem_lower, mem_upper,
  // boot_device, cmdline, mods_count, mods_addr.
  put32(config, kInfoOffset + 0, 0x1 | 0x4 | 0x8);
  put32(config, kInfoOffset + 4, 639);
  put32(config, kInfoOffset + 8, (kTopOfMemory - 0x100000) / 1024);
  put32(config, kInfoOffset + 16, kConfigAddr + kCmdlineOffset);
  put32(config, kInfoOffset + 20, 1);
  put32(config, kInfoOffset + 24, kConfigAddr + kModOffset);
  put32(config, kModOffset + 0, archiveaddr);
  put32(config, kModOffset + 4, archiveaddr + static_cast<std::uint32_t>(archive.size()));
  std::memcpy(config.data() + kCmdlineOffset, cmdline.c_str(), cmdline.size() + 1);

  std::vector<char> image(kSector, 0);
  std::memcpy(image.data(), boot.data(), boot.size());
  image[510] = 0x55;
  image[511] = static_cast<char>(0xAA);
  image.insert(image.end(), config.begin(), config.end());
  image.insert(image.end(), kernel.begin(), kernel.end());
  image.resize((2 + ksectors) * kSector, 0);
  image.insert(image.end(), archive.begin(), archive.end());
  constexpr std::size_t kCylinder = 16 * 63 * kSector;
  image.resize((image.size() + kCylinder - 1) / kCylinder * kCylinder, 0);

  std::ofstream o(argv[1], std::ios::binary | std::ios::trunc);
  o.write(image.data(), static_cast<std::streamsize>(image.size()));
  if (!o) return fail("cannot write ", argv[1]);
  return 0;
}

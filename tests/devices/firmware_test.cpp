// The built-in firmware's tables parsed back, and the boot loaders on good and bad images.
#include "devices/firmware.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "devices/mptable.h"
#include "tests/devices/image_files.h"

using namespace devices;
using namespace devices::test;

namespace {
constexpr uint32_t kRam = 256u << 20;

// A minimal ELF32 i386 executable: one PT_LOAD segment of `body` at `paddr` (file offset
// 0x100), memsz = body + bss, with a multiboot header (flags 0) at the start of the body.
std::vector<uint8_t> elf(uint32_t paddr, uint32_t bss = 0x1000, uint32_t flags = 0) {
  std::vector<uint8_t> body(64, 0x90);
  put32(body, 0, 0x1BADB002);
  put32(body, 4, flags);
  put32(body, 8, static_cast<uint32_t>(-(0x1BADB002 + flags)));
  std::vector<uint8_t> f(0x100 + body.size(), 0);
  std::memcpy(f.data(),
              "\x7f"
              "ELF\x01\x01\x01",
              7);
  put16(f, 16, 2);  // ET_EXEC
  put16(f, 18, 3);  // EM_386
  put32(f, 20, 1);
  put32(f, 24, paddr + 12);  // e_entry: just past the header
  put32(f, 28, 52);          // e_phoff
  put16(f, 40, 52);
  put16(f, 42, 32);  // e_phentsize
  put16(f, 44, 1);   // e_phnum
  size_t ph = 52;
  put32(f, ph, 1);           // PT_LOAD
  put32(f, ph + 4, 0x100);   // p_offset
  put32(f, ph + 8, paddr);   // p_vaddr
  put32(f, ph + 12, paddr);  // p_paddr
  put32(f, ph + 16, static_cast<uint32_t>(body.size()));
  put32(f, ph + 20, static_cast<uint32_t>(body.size()) + bss);
  std::memcpy(f.data() + 0x100, body.data(), body.size());
  return f;
}

std::string cstring(Ram& ram, uint32_t pa) {
  std::string s;
  while (uint8_t* p = ram.at(pa++, 1)) {
    if (!*p) break;
    s += static_cast<char>(*p);
  }
  return s;
}
}  // namespace

TEST(Firmware, MpTableParsesBackAsXv6SearchesForIt) {
  Ram ram(kRam);
  installFirmware(ram, nullptr, nullptr);
  std::string err;
  auto mp = findMpTable(ram, err);
  ASSERT_TRUE(mp) << err;
  EXPECT_EQ(mp->floatingPointer, kEbda + 0x10);  // found first in the EBDA's first KB
  EXPECT_EQ(mp->configTable, kBiosMpConfig);
  EXPECT_EQ(mp->specRevision, 4);
  EXPECT_EQ(mp->features2, 0);  // IMCRP clear: virtual wire mode
  EXPECT_EQ(mp->lapicAddress, 0xFEE00000u);
  EXPECT_EQ(mp->processorApicIds, std::vector<uint8_t>{0});  // matches the local APIC's ID
  EXPECT_EQ(mp->processorFlags, std::vector<uint8_t>{3});    // enabled, bootstrap processor
  EXPECT_EQ(mp->buses, std::vector<std::string>{"ISA   "});
  EXPECT_EQ(mp->ioapicId, 1);
  EXPECT_EQ(mp->ioapicAddress, 0xFEC00000u);
  ASSERT_EQ(mp->ioInterrupts.size(), 15u);  // ISA IRQs 0-15 but the cascade
  EXPECT_EQ(mp->ioInterrupts[0].sourceIrq, 0);
  EXPECT_EQ(mp->ioInterrupts[0].destPin, 2);
  EXPECT_EQ(mp->ioInterrupts[1].sourceIrq, 1);
  EXPECT_EQ(mp->ioInterrupts[1].destPin, 1);
  EXPECT_EQ(mp->ioInterrupts[13].sourceIrq, 14);
  EXPECT_EQ(mp->ioInterrupts[13].destPin, 14);
  ASSERT_EQ(mp->localInterrupts.size(), 2u);
  EXPECT_EQ(mp->localInterrupts[0].type, 3);  // ExtINT
  EXPECT_EQ(mp->localInterrupts[0].destPin, 0);
  EXPECT_EQ(mp->localInterrupts[1].type, 1);  // NMI
  // The copy in the BIOS area has a valid checksum too.
  EXPECT_EQ(std::memcmp(ram.at(kBiosMpFloating, 4), "_MP_", 4), 0);
  EXPECT_EQ(checksum8(ram.at(kBiosMpFloating, 16), 16), 0);
}

TEST(Firmware, BiosAreaIvtAndRom) {
  Ram ram(kRam);
  installFirmware(ram, nullptr, nullptr);
  EXPECT_EQ(ram.read32(0x40E) & 0xFFFF, 0x9FC0u);  // EBDA segment
  EXPECT_EQ(ram.read32(0x413) & 0xFFFF, 639u);     // base memory KB
  EXPECT_EQ(ram.read32(0x400) & 0xFFFF, 0x3F8u);   // COM1
  // Every vector is in the ROM segment; unhandled ones point at an IRET (0xCF).
  for (uint32_t v : {0x00u, 0x08u, 0x10u, 0x13u, 0x15u, 0x16u, 0x76u})
    EXPECT_EQ(ram.read32(v * 4) >> 16, 0xF000u);
  auto target = [&](uint32_t v) { return *ram.at(0xF0000 + (ram.read32(v * 4) & 0xFFFF)); };
  EXPECT_EQ(target(0x00), 0xCF);
  EXPECT_NE(target(0x10), 0xCF);
  EXPECT_NE(target(0x13), 0xCF);
  EXPECT_EQ(*ram.at(0xFFFF0), 0xEA);  // reset vector: far jump
  EXPECT_EQ(builtinBios().size(), 0x10000u);
}

TEST(Firmware, E820MapInTheRomDataBlock) {
  Ram ram(kRam);
  installFirmware(ram, nullptr, nullptr);
  auto map = memoryMap(kRam);
  ASSERT_EQ(map.size(), 6u);
  EXPECT_EQ(ram.read32(kBiosData) & 0xFFFF, 6u);
  // Entry 3: usable RAM from 1 MB to the end.
  EXPECT_EQ(ram.read32(kBiosData + 0x10 + 3 * 20), 0x100000u);
  EXPECT_EQ(ram.read32(kBiosData + 0x10 + 3 * 20 + 8), kRam - 0x100000u);
  EXPECT_EQ(ram.read32(kBiosData + 0x10 + 3 * 20 + 16), 1u);
  EXPECT_EQ(ram.read32(kBiosData + 0xC0) & 0xFFFF, 0xFC00u);  // AH=88 caps at 63 MB
}

TEST(Multiboot, ElfKernelWithCmdlineModuleAndMemoryMap) {
  Ram ram(kRam);
  std::string kernel = writeTemp("k.elf", elf(0x100000));
  std::string mod = writeTemp("m.bin", std::vector<uint8_t>(5000, 0xAB));
  MultibootOptions o{kernel, "console=ttyS0", {mod + " arg1"}};
  BootState s;
  std::string err;
  ASSERT_TRUE(loadMultiboot(ram, o, s, err)) << err;
  EXPECT_EQ(s.mode, BootState::Mode::kProtected32);
  EXPECT_EQ(s.eax, 0x2BADB002u);
  EXPECT_EQ(s.eip, 0x10000Cu);
  EXPECT_EQ(s.eflags & 0x200u, 0u);  // IF clear
  EXPECT_TRUE(s.a20);
  uint32_t info = s.ebx;
  EXPECT_EQ(info, kMultibootInfo);
  EXPECT_EQ(ram.read32(info), 0x24Du);  // mem, cmdline, mods, mmap, loader name
  EXPECT_EQ(ram.read32(info + 4), 639u);
  EXPECT_EQ(ram.read32(info + 8), (kRam - 0x100000) / 1024);
  EXPECT_EQ(cstring(ram, ram.read32(info + 16)), kernel + " console=ttyS0");
  EXPECT_EQ(ram.read32(info + 20), 1u);
  uint32_t m = ram.read32(info + 24);
  // The kernel occupies 0x100000 .. 0x100000 + 64 + 0x1000: the module starts on the next page.
  EXPECT_EQ(ram.read32(m), 0x102000u);
  EXPECT_EQ(ram.read32(m + 4), 0x102000u + 5000);
  EXPECT_EQ(cstring(ram, ram.read32(m + 8)), mod + " arg1");
  EXPECT_EQ(*ram.at(0x102000 + 4999), 0xAB);
  EXPECT_EQ(ram.read32(info + 44), 6u * 24);
  uint32_t mm = ram.read32(info + 48);
  EXPECT_EQ(ram.read32(mm), 20u);
  EXPECT_EQ(ram.read32(mm + 3 * 24 + 4), 0x100000u);  // the fourth entry: RAM above 1 MB
  EXPECT_EQ(ram.read32(mm + 3 * 24 + 20), 1u);
  EXPECT_EQ(cstring(ram, ram.read32(info + 64)), "xray86");
  EXPECT_EQ(*ram.at(0x100000), 0x02);       // the header's first byte landed
  EXPECT_EQ(*ram.at(0x100000 + 64), 0x00);  // bss zeroed
}

TEST(Multiboot, AoutKludgeAddressesWin) {
  Ram ram(kRam);
  // A flat binary: header at offset 0, loaded at 0x200000, bss to 0x203000, entry 0x200020.
  std::vector<uint8_t> f(0x100, 0xF4);
  uint32_t flags = 0x10000;
  put32(f, 0, 0x1BADB002);
  put32(f, 4, flags);
  put32(f, 8, static_cast<uint32_t>(-(0x1BADB002 + flags)));
  put32(f, 12, 0x200000);  // header_addr
  put32(f, 16, 0x200000);  // load_addr
  put32(f, 20, 0);         // load_end_addr: the whole file
  put32(f, 24, 0x203000);  // bss_end_addr
  put32(f, 28, 0x200020);  // entry_addr
  std::string kernel = writeTemp("k.bin", f);
  BootState s;
  std::string err;
  ASSERT_TRUE(loadMultiboot(ram, {kernel, "", {}}, s, err)) << err;
  EXPECT_EQ(s.eip, 0x200020u);
  EXPECT_EQ(*ram.at(0x2000FF), 0xF4);
  EXPECT_EQ(cstring(ram, ram.read32(s.ebx + 16)), kernel + " ");  // as QEMU: file, space, args
}

TEST(Multiboot, BadImagesGiveOneLineErrors) {
  Ram ram(32u << 20);
  BootState s;
  std::string err;
  EXPECT_FALSE(loadMultiboot(ram, {"/nonexistent/k", "", {}}, s, err));
  EXPECT_EQ(err, "cannot open kernel /nonexistent/k: No such file or directory");

  std::string plain = writeTemp("plain.bin", std::vector<uint8_t>(9000, 0));
  EXPECT_FALSE(loadMultiboot(ram, {plain, "", {}}, s, err));
  EXPECT_EQ(err, "kernel " + plain + " has no multiboot header in its first 8 KB");

  std::vector<uint8_t> notElf = elf(0x100000);
  notElf[18] = 62;  // x86-64
  std::string k64 = writeTemp("k64.elf", notElf);
  EXPECT_FALSE(loadMultiboot(ram, {k64, "", {}}, s, err));
  EXPECT_EQ(err, "kernel " + k64 +
                     " is not an ELF32 i386 executable and its multiboot header has no address "
                     "fields (flag 16)");

  std::string high = writeTemp("high.elf", elf(0x4000000));  // 64 MB, RAM is 32 MB
  EXPECT_FALSE(loadMultiboot(ram, {high, "", {}}, s, err));
  EXPECT_EQ(err,
            "kernel " + high + " segment 0 at 0x4000000 ends at 0x400103f, beyond RAM (32 MB)");

  std::string low = writeTemp("low.elf", elf(0xB8000));
  EXPECT_FALSE(loadMultiboot(ram, {low, "", {}}, s, err));
  EXPECT_EQ(err, "kernel " + low + " segment 0 at 0xb8000 overlaps video memory 0xa0000-0xbffff");

  std::string video = writeTemp("video.elf", elf(0x100000, 0x1000, 0x8));  // flag 3: unknown
  EXPECT_FALSE(loadMultiboot(ram, {video, "", {}}, s, err));
  EXPECT_EQ(err, "kernel " + video + " requires multiboot features we do not provide (flags 0x8)");

  std::string good = writeTemp("good.elf", elf(0x100000));
  EXPECT_FALSE(loadMultiboot(ram, {good, "", {"/nonexistent/mod"}}, s, err));
  EXPECT_EQ(err, "cannot open module /nonexistent/mod: No such file or directory");
}

TEST(BootSector, LoadsAt7C00WithDl80) {
  Ram ram(kRam);
  std::vector<uint8_t> sector(1024, 0);
  sector[0] = 0xFA;
  sector[510] = 0x55;
  sector[511] = 0xAA;
  auto disk = Disk::fromBytes(sector);
  BootState s;
  std::string err;
  ASSERT_TRUE(loadBootSector(*disk, ram, s, err)) << err;
  EXPECT_EQ(s.mode, BootState::Mode::kReal);
  EXPECT_EQ(s.cs, 0);
  EXPECT_EQ(s.eip, 0x7C00u);
  EXPECT_EQ(s.edx & 0xFF, 0x80u);
  EXPECT_EQ(*ram.at(0x7C00), 0xFA);
  EXPECT_EQ(*ram.at(0x7DFF), 0xAA);
  sector[511] = 0;
  auto bad = Disk::fromBytes(sector);
  EXPECT_FALSE(loadBootSector(*bad, ram, s, err));
  EXPECT_EQ(err, "the boot disk's sector 0 has no boot signature 55 AA at bytes 510-511");
}

TEST(UserBios, SizeMustBeWholeRomBanks) {
  Ram ram(kRam);
  std::vector<uint8_t> rom;
  std::string err;
  std::string odd = writeTemp("odd.rom", std::vector<uint8_t>(1000, 0));
  EXPECT_FALSE(loadUserBios(odd, ram, rom, err));
  EXPECT_EQ(
      err, "BIOS image " + odd + " is 1000 bytes; expected a multiple of 64 KB from 64 KB to 1 MB");
  std::vector<uint8_t> image(0x20000, 0);
  image[0x1FFF0] = 0xEA;
  std::string ok = writeTemp("ok.rom", image);
  ASSERT_TRUE(loadUserBios(ok, ram, rom, err)) << err;
  EXPECT_EQ(*ram.at(0xFFFF0), 0xEA);
  EXPECT_EQ(rom.size(), 0x20000u);
}

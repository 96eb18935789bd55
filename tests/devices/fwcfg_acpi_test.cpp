// The QEMU fw_cfg port interface, the ACPI tables found the way an OS finds them, and the
// multiboot loader's placement rules below 1 MB.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "devices/acpi.h"
#include "devices/bus.h"
#include "devices/firmware.h"
#include "devices/fwcfg.h"
#include "devices/mptable.h"
#include "tests/devices/image_files.h"

using namespace devices;
using namespace devices::test;

namespace {
constexpr uint32_t kRam = 64u << 20;

// Reads `len` bytes of item `key` the way kvm-unit-tests and SeaBIOS do: a 16-bit OUT of the
// key to 0x510, then byte INs from 0x511.
std::vector<uint8_t> item(PortBus& bus, uint16_t key, size_t len) {
  bus.write(0x510, key, 2);
  std::vector<uint8_t> out;
  for (size_t i = 0; i < len; ++i) out.push_back(static_cast<uint8_t>(bus.read(0x511, 1)));
  return out;
}
uint64_t number(const std::vector<uint8_t>& b) {
  uint64_t v = 0;
  for (size_t i = 0; i < b.size(); ++i) v |= uint64_t{b[i]} << (8 * i);
  return v;
}

TEST(FwCfg, LegacyItemsAsQemuDocumentsThem) {
  PortBus bus;
  FwCfg cfg(1, uint64_t{kRam}, "console=ttyS0 quiet");
  cfg.attach(bus);
  // Key 0x0000: the four bytes "QEMU" (fw_cfg.rst, "Signature").
  auto sig = item(bus, FwCfg::kSignature, 4);
  EXPECT_EQ(std::string(sig.begin(), sig.end()), "QEMU");
  EXPECT_EQ(number(item(bus, FwCfg::kId, 4)), 1u);  // bit 0 traditional interface, no DMA
  EXPECT_EQ(number(item(bus, FwCfg::kRamSize, 8)), 64ull << 20);
  EXPECT_EQ(number(item(bus, FwCfg::kNbCpus, 2)), 1u);
  EXPECT_EQ(number(item(bus, FwCfg::kMaxCpus, 2)), 1u);
  // The command line with its NUL: 19 characters + 1.
  EXPECT_EQ(number(item(bus, FwCfg::kCmdlineSize, 4)), 20u);
  auto line = item(bus, FwCfg::kCmdlineData, 20);
  EXPECT_EQ(std::string(line.begin(), line.end()), std::string("console=ttyS0 quiet\0", 20));
  // Past the end of an item, and for a key with no item, reads are 0 (fw_cfg.rst, "Data
  // Register"); the file directory's count (key 0x19) is therefore 0 files.
  EXPECT_EQ(bus.read(0x511, 1), 0u);
  EXPECT_EQ(number(item(bus, 0x0019, 4)), 0u);
  EXPECT_EQ(number(item(bus, 0x1234, 4)), 0u);
  // Selecting again starts over at offset 0.
  bus.write(0x510, FwCfg::kSignature, 2);
  EXPECT_EQ(bus.read(0x511, 1), uint32_t{'Q'});
  EXPECT_EQ(bus.read(0x511, 1), uint32_t{'E'});
  bus.write(0x510, FwCfg::kSignature, 2);
  EXPECT_EQ(bus.read(0x511, 1), uint32_t{'Q'});
  // Writes to the data port change nothing (no item is writable).
  bus.write(0x510, 0x4000 | FwCfg::kNbCpus, 2);
  bus.write(0x511, 7, 1);
  EXPECT_EQ(number(item(bus, FwCfg::kNbCpus, 2)), 1u);
}

TEST(FwCfg, CpuCountIsAParameterAndNoCommandLineIsEmpty) {
  PortBus bus;
  FwCfg cfg(4, 3ull << 30, "");
  cfg.attach(bus);
  EXPECT_EQ(number(item(bus, FwCfg::kNbCpus, 2)), 4u);
  EXPECT_EQ(number(item(bus, FwCfg::kRamSize, 8)), 3ull << 30);
  EXPECT_EQ(number(item(bus, FwCfg::kCmdlineSize, 4)), 0u);
  EXPECT_EQ(number(item(bus, FwCfg::kCmdlineData, 1)), 0u);
}

uint32_t rd32(Ram& ram, uint32_t at) {
  return ram.read32(at);
}
uint16_t rd16(Ram& ram, uint32_t at) {
  return static_cast<uint16_t>(ram.read32(at) & 0xFFFF);
}
// A table at `at`: its signature is `sig`, its length as given, and its bytes sum to 0.
uint32_t checkTable(Ram& ram, uint32_t at, const char* sig) {
  EXPECT_EQ(std::memcmp(ram.at(at, 4), sig, 4), 0) << sig;
  uint32_t len = rd32(ram, at + 4);
  EXPECT_GE(len, 36u) << sig;
  EXPECT_EQ(checksum8(ram.at(at, len), len), 0) << sig;
  return len;
}

TEST(Acpi, FoundByScanningLikeAnOsWithEveryChecksumValid) {
  Ram ram(kRam);
  installFirmware(ram, nullptr, nullptr);
  // ACPI 1.0b 5.2.4.1: the RSDP is on a 16-byte boundary in the first KB of the EBDA or in
  // 0xE0000-0xFFFFF. Scan both, as Linux and kvm-unit-tests do; the first hit wins.
  uint32_t rsdp = 0;
  for (uint32_t a = kEbda; a < kEbda + 1024 && !rsdp; a += 16)
    if (std::memcmp(ram.at(a, 8), "RSD PTR ", 8) == 0) rsdp = a;
  for (uint32_t a = 0xE0000; a < 0x100000 && !rsdp; a += 16)
    if (std::memcmp(ram.at(a, 8), "RSD PTR ", 8) == 0) rsdp = a;
  ASSERT_EQ(rsdp, 0xE0000u);  // kAcpiBase, the start of the area the E820 map reserves
  EXPECT_EQ(checksum8(ram.at(rsdp, 20), 20), 0);
  EXPECT_EQ(*ram.at(rsdp + 15), 0);  // revision 0: ACPI 1.0, RSDT only
  EXPECT_EQ(std::memcmp(ram.at(rsdp + 9, 6), "XRAY86", 6), 0);

  // Layout (acpi.cpp): RSDP 20 bytes; FACS at the next 64-byte boundary 0xE0040 (64 bytes);
  // RSDT at 0xE0080 (36 + 2 entries * 4 = 44 bytes); FADT at the next 16-byte boundary 0xE00B0
  // (116 bytes); MADT at 0xE0130; DSDT after it.
  uint32_t rsdt = rd32(ram, rsdp + 16);
  EXPECT_EQ(rsdt, 0xE0080u);
  EXPECT_EQ(checkTable(ram, rsdt, "RSDT"), 44u);
  uint32_t fadt = rd32(ram, rsdt + 36), madt = rd32(ram, rsdt + 40);
  EXPECT_EQ(fadt, 0xE00B0u);
  EXPECT_EQ(madt, 0xE0130u);

  EXPECT_EQ(checkTable(ram, fadt, "FACP"), 116u);  // the ACPI 1.0 FADT's size
  EXPECT_EQ(*ram.at(fadt + 8), 1);                 // revision 1
  uint32_t facs = rd32(ram, fadt + 36), dsdt = rd32(ram, fadt + 40);
  EXPECT_EQ(facs, 0xE0040u);
  EXPECT_EQ(facs % 64, 0u);                 // ACPI 1.0b 5.2.9: the FACS is 64-byte aligned
  EXPECT_EQ(rd16(ram, fadt + 46), 9u);      // SCI_INT: IRQ 9
  EXPECT_EQ(rd32(ram, fadt + 48), 0u);      // SMI_CMD: none, ACPI always enabled
  EXPECT_EQ(rd32(ram, fadt + 56), 0x600u);  // PM1a_EVT_BLK
  EXPECT_EQ(rd32(ram, fadt + 64), 0x604u);  // PM1a_CNT_BLK: DebugPorts' soft-off register
  EXPECT_EQ(*ram.at(fadt + 88), 4);         // PM1_EVT_LEN
  EXPECT_EQ(*ram.at(fadt + 89), 2);         // PM1_CNT_LEN
  EXPECT_EQ(*ram.at(fadt + 108), 0x32);     // CENTURY: the CMOS register
  EXPECT_EQ(rd32(ram, fadt + 112), 0x35u);  // WBINVD | PROC_C1 | PWR_BUTTON | SLP_BUTTON

  EXPECT_EQ(std::memcmp(ram.at(facs, 4), "FACS", 4), 0);
  EXPECT_EQ(rd32(ram, facs + 4), 64u);
  EXPECT_EQ(rd32(ram, facs + 12), 0u);  // no waking vector yet

  // DSDT: header + the 13 bytes of Name(\_S5, Package(4){0,0,0,0}) = 49.
  EXPECT_EQ(checkTable(ram, dsdt, "DSDT"), 49u);
  const uint8_t s5[] = {0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0};
  EXPECT_EQ(std::memcmp(ram.at(dsdt + 36, sizeof s5), s5, sizeof s5), 0);

  // MADT: header, local APIC address, flags, then 8 (processor) + 12 (I/O APIC) + 10 (override)
  // + 6 (NMI) bytes of entries = 44 + 36 = 80.
  EXPECT_EQ(checkTable(ram, madt, "APIC"), 80u);
  EXPECT_EQ(rd32(ram, madt + 36), 0xFEE00000u);  // LocalApic::kBase
  EXPECT_EQ(rd32(ram, madt + 40), 1u);           // PCAT_COMPAT: the 8259s are there
  uint32_t e = madt + 44;
  // Processor local APIC: UID 0, APIC ID 0 (the LAPIC's ID register, as the MP table says),
  // enabled.
  EXPECT_EQ(*ram.at(e), 0);
  EXPECT_EQ(*ram.at(e + 1), 8);
  EXPECT_EQ(*ram.at(e + 2), 0);
  EXPECT_EQ(*ram.at(e + 3), 0);
  EXPECT_EQ(rd32(ram, e + 4), 1u);
  e += 8;
  // I/O APIC: ID 1 at 0xFEC00000 (IoApic::kBase, the MP table's entry), GSIs from 0.
  EXPECT_EQ(*ram.at(e), 1);
  EXPECT_EQ(*ram.at(e + 1), 12);
  EXPECT_EQ(*ram.at(e + 2), 1);
  EXPECT_EQ(rd32(ram, e + 4), 0xFEC00000u);
  EXPECT_EQ(rd32(ram, e + 8), 0u);
  e += 12;
  // Interrupt source override: ISA IRQ 0 on GSI 2 (isaToIoApicPin in interrupts.cpp), flags 0.
  EXPECT_EQ(*ram.at(e), 2);
  EXPECT_EQ(*ram.at(e + 1), 10);
  EXPECT_EQ(*ram.at(e + 2), 0);
  EXPECT_EQ(*ram.at(e + 3), 0);
  EXPECT_EQ(rd32(ram, e + 4), 2u);
  EXPECT_EQ(rd16(ram, e + 8), 0u);
  e += 10;
  // Local APIC NMI: every processor (UID 0xFF), LINT1, as the MP table's local entry.
  EXPECT_EQ(*ram.at(e), 4);
  EXPECT_EQ(*ram.at(e + 1), 6);
  EXPECT_EQ(*ram.at(e + 2), 0xFF);
  EXPECT_EQ(*ram.at(e + 5), 1);
  EXPECT_EQ(e + 6, madt + 80);
  EXPECT_EQ(dsdt, 0xE0180u);  // the MADT's 80 bytes end at 0xE0180, a 16-byte boundary

  // The tables lie in a range the E820 map reserves: entry 2 is 0xE0000-0xFFFFF.
  auto map = memoryMap(kRam);
  ASSERT_EQ(map.size(), 6u);
  EXPECT_EQ(map[2].base, 0xE0000u);
  EXPECT_EQ(map[2].length, 0x20000u);
  EXPECT_EQ(map[2].type, 2u);
  // The MP tables are still found (they are in the EBDA and at 0xFE200, untouched).
  std::string err;
  EXPECT_TRUE(findMpTable(ram, err).has_value()) << err;
}

TEST(Acpi, OneProcessorEntryPerCpu) {
  Ram ram(kRam);
  AcpiLayout layout;
  layout.cpus = 3;
  AcpiAddresses at = writeAcpiTables(ram, layout);
  // Two more processor entries of 8 bytes: 80 + 16 = 96.
  EXPECT_EQ(checkTable(ram, at.madt, "APIC"), 96u);
  for (uint32_t cpu = 0; cpu < 3; ++cpu) {
    uint32_t e = at.madt + 44 + cpu * 8;
    EXPECT_EQ(*ram.at(e), 0);
    EXPECT_EQ(*ram.at(e + 2), cpu);
    EXPECT_EQ(*ram.at(e + 3), cpu);
  }
}

// A flat a.out-kludge kernel: `size` bytes loaded at `load`, header at offset 0, bss to `bssEnd`
// (0: none), entry just past the header.
std::string kludge(const std::string& name, uint32_t load, uint32_t size, uint32_t bssEnd = 0) {
  std::vector<uint8_t> f(size, 0xF4);
  uint32_t flags = 0x10000;
  put32(f, 0, 0x1BADB002);
  put32(f, 4, flags);
  put32(f, 8, static_cast<uint32_t>(-(0x1BADB002 + flags)));
  put32(f, 12, load);
  put32(f, 16, load);
  put32(f, 20, 0);
  put32(f, 24, bssEnd);
  put32(f, 28, load + 32);
  return writeTemp(name, f);
}

TEST(Multiboot, LoadsBelow64KbLikeQemu) {
  Ram ram(kRam);
  installFirmware(ram, nullptr, nullptr);
  BootState s;
  std::string err;
  // 256 bytes at 0x8000: below the information block 0x9000, which stays where it was.
  std::string small = kludge("low_small.bin", 0x8000, 0x100);
  ASSERT_TRUE(loadMultiboot(ram, {small, "", {}}, s, err)) << err;
  EXPECT_EQ(s.eip, 0x8020u);
  EXPECT_EQ(s.ebx, kMultibootInfo);
  EXPECT_EQ(*ram.at(0x80FF), 0xF4);
  // 0x8000-0x8FFF loaded, bss to 0xA800: over 0x9000, so the information block moves to the
  // next page after the image, 0xB000.
  std::string big = kludge("low_big.bin", 0x8000, 0x1000, 0xA800);
  ASSERT_TRUE(loadMultiboot(ram, {big, "x", {}}, s, err)) << err;
  EXPECT_EQ(s.ebx, 0xB000u);
  EXPECT_EQ(*ram.at(0xA7FF), 0);                    // bss zeroed
  EXPECT_EQ(ram.read32(s.ebx + 16), 0xB000u + 88);  // the command line follows the structure
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ram.at(0xB000 + 88, 1))), big + " x");
}

TEST(Multiboot, RefusesTheFirmwaresAreasNamingThem) {
  Ram ram(kRam);
  BootState s;
  std::string err;
  struct Case {
    uint32_t load;
    const char* what;
  } cases[] = {
      {0x400, "the interrupt vector table and BIOS data area 0x0-0x4ff"},
      {0x9FB00, "the EBDA and its MP floating pointer 0x9fc00-0x9ffff"},
      {0xB8000, "video memory 0xa0000-0xbffff"},
      {0xC8000, "the option ROM area 0xc0000-0xdffff"},
      {0xE0000, "the ACPI tables 0xe0000-0xeffff"},
      {0xFE000, "the BIOS ROM and its MP table 0xf0000-0xfffff"},
  };
  for (const Case& c : cases) {
    std::string k = kludge("over.bin", c.load, 0x200);
    EXPECT_FALSE(loadMultiboot(ram, {k, "", {}}, s, err));
    char at[16];
    std::snprintf(at, sizeof at, "0x%x", c.load);
    EXPECT_EQ(err, "kernel " + k + " image at " + at + " overlaps " + c.what);
  }
  // Just below the EBDA is fine: 0x9FA00 + 0x200 = 0x9FC00.
  std::string fits = kludge("fits.bin", 0x9FA00, 0x200);
  EXPECT_TRUE(loadMultiboot(ram, {fits, "", {}}, s, err)) << err;
  EXPECT_EQ(s.ebx, kMultibootInfo);
}

}  // namespace

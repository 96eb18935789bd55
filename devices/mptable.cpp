// MP spec 1.4 structures (chapter 4):
//   Floating pointer, 16 bytes: "_MP_", physical address of the configuration table (4),
//     length in 16-byte units (1), spec revision (1: 4 = 1.4), checksum (1), feature bytes 1-5
//     (byte 1 = 0: a configuration table is present; byte 2 bit 7 = IMCR present).
//   Configuration table header, 44 bytes: "PCMP", base table length (2), revision (1), checksum
//     (1), OEM ID (8), product ID (12), OEM table pointer (4), OEM table size (2), entry count
//     (2), local APIC address (4), extended table length (2), extended checksum (1), reserved.
//   Entries: processor (type 0, 20 bytes), bus (1, 8), I/O APIC (2, 8), I/O interrupt
//     assignment (3, 8), local interrupt assignment (4, 8).
// Interrupt assignments follow the PC/AT default of the spec's chapter 5 (and QEMU's table):
// ISA IRQ 0 on I/O APIC pin 2, every other ISA IRQ but 2 on its own pin; ExtINT on LINT0, NMI
// on LINT1 (virtual wire mode, so IMCRP is clear).
#include "devices/mptable.h"

#include <cstring>

#include "devices/le_bytes.h"

namespace devices {

uint8_t checksum8(const uint8_t* p, uint32_t len) {
  uint8_t sum = 0;
  for (uint32_t i = 0; i < len; ++i) sum = static_cast<uint8_t>(sum + p[i]);
  return sum;
}

namespace {
using Writer = LeBytes;

uint16_t get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | p[1] << 8);
}
uint32_t get32(const uint8_t* p) {
  return get16(p) | static_cast<uint32_t>(get16(p + 2)) << 16;
}
}  // namespace

uint32_t writeMpTables(Ram& ram, const MpTableLayout& layout) {
  Writer e;  // entries
  uint16_t count = 0;
  // Processors: local APIC ID, version 0x14, flags EN (and BP for the first), signature family 3
  // (a 386), no features.
  for (unsigned cpu = 0; cpu < layout.cpus; ++cpu) {
    e.u8(0);
    e.u8(static_cast<uint8_t>(cpu));
    e.u8(0x14);
    e.u8(cpu == 0 ? 0x03 : 0x01);
    e.u32(0x00000300);
    e.u32(0);
    e.u32(0);
    e.u32(0);
    ++count;
  }
  e.u8(1);  // bus 0: ISA
  e.u8(0);
  e.text("ISA", 6);
  ++count;
  e.u8(2);  // I/O APIC: ID, version 0x11, enabled, address
  e.u8(layout.ioapicId);
  e.u8(0x11);
  e.u8(0x01);
  e.u32(layout.ioapicAddress);
  ++count;
  for (uint8_t irq = 0; irq < 16; ++irq) {
    if (irq == 2) continue;  // the cascade
    e.u8(3);
    e.u8(0);   // INT (vectored)
    e.u16(0);  // polarity and trigger conform to the bus: ISA is edge, active high
    e.u8(0);   // source bus 0
    e.u8(irq);
    e.u8(layout.ioapicId);
    e.u8(irq == 0 ? 2 : irq);
    ++count;
  }
  for (uint8_t lint = 0; lint < 2; ++lint) {
    e.u8(4);
    e.u8(lint == 0 ? 3 : 1);  // ExtINT on LINT0, NMI on LINT1
    e.u16(0);
    e.u8(0);
    e.u8(0);
    e.u8(0xFF);  // every local APIC
    e.u8(lint);
    ++count;
  }

  Writer h;
  h.text("PCMP", 4);
  h.u16(static_cast<uint16_t>(44 + e.bytes.size()));
  h.u8(4);  // revision 1.4
  h.u8(0);  // checksum, below
  h.text("XRAY86", 8);
  h.text("PC", 12);
  h.u32(0);
  h.u16(0);
  h.u16(count);
  h.u32(layout.lapicAddress);
  h.u16(0);
  h.u8(0);
  h.u8(0);
  h.bytes.insert(h.bytes.end(), e.bytes.begin(), e.bytes.end());
  h.bytes[7] =
      static_cast<uint8_t>(-checksum8(h.bytes.data(), static_cast<uint32_t>(h.bytes.size())));
  ram.copyIn(layout.configTable, h.bytes.data(), static_cast<uint32_t>(h.bytes.size()));

  for (uint32_t at : layout.floatingPointers) {
    Writer f;
    f.text("_MP_", 4);
    f.u32(layout.configTable);
    f.u8(1);  // 16 bytes
    f.u8(4);  // revision 1.4
    f.u8(0);  // checksum, below
    for (int i = 0; i < 5; ++i) f.u8(0);
    f.bytes[10] = static_cast<uint8_t>(-checksum8(f.bytes.data(), 16));
    ram.copyIn(at, f.bytes.data(), 16);
  }
  return static_cast<uint32_t>(h.bytes.size());
}

namespace {
// Search [base, base+len) on 16-byte boundaries for a valid floating pointer.
uint32_t searchFloating(Ram& ram, uint32_t base, uint32_t len) {
  for (uint32_t a = base; a + 16 <= base + len; a += 16) {
    const uint8_t* p = ram.at(a, 16);
    if (p && std::memcmp(p, "_MP_", 4) == 0 && checksum8(p, 16) == 0) return a;
  }
  return 0;
}
}  // namespace

std::optional<MpParsed> findMpTable(Ram& ram, std::string& error) {
  uint32_t ebda = (ram.read32(0x40E) & 0xFFFF) << 4;
  uint32_t baseKb = ram.read32(0x413) & 0xFFFF;
  uint32_t fp = ebda ? searchFloating(ram, ebda, 1024) : 0;
  if (!fp) fp = searchFloating(ram, baseKb * 1024 - 1024, 1024);
  if (!fp) fp = searchFloating(ram, 0xF0000, 0x10000);
  if (!fp) {
    error = "no MP floating pointer";
    return std::nullopt;
  }
  MpParsed out;
  out.floatingPointer = fp;
  const uint8_t* f = ram.at(fp, 16);
  out.configTable = get32(f + 4);
  out.specRevision = f[9];
  out.features2 = f[12];
  const uint8_t* c = ram.at(out.configTable, 44);
  if (!c || std::memcmp(c, "PCMP", 4) != 0) {
    error = "MP configuration table signature missing";
    return std::nullopt;
  }
  uint16_t len = get16(c + 4);
  c = ram.at(out.configTable, len);
  if (!c || checksum8(c, len) != 0 || (c[6] != 1 && c[6] != 4)) {
    error = "MP configuration table checksum or revision is wrong";
    return std::nullopt;
  }
  out.lapicAddress = get32(c + 36);
  const uint8_t* p = c + 44;
  const uint8_t* end = c + len;
  for (uint16_t n = get16(c + 34); n > 0 && p < end; --n) {
    switch (p[0]) {
      case 0:
        out.processorApicIds.push_back(p[1]);
        out.processorFlags.push_back(p[3]);
        p += 20;
        break;
      case 1:
        out.buses.emplace_back(reinterpret_cast<const char*>(p + 2), 6);
        p += 8;
        break;
      case 2:
        out.ioapicId = p[1];
        out.ioapicAddress = get32(p + 4);
        p += 8;
        break;
      case 3:
      case 4:
        (p[0] == 3 ? out.ioInterrupts : out.localInterrupts)
            .push_back({p[1], p[4], p[5], p[6], p[7]});
        p += 8;
        break;
      default:
        error = "MP configuration table has an unknown entry type";
        return std::nullopt;
    }
  }
  return out;
}

}  // namespace devices

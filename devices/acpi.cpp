// ACPI 1.0 tables (ACPI specification 1.0b; the field offsets below are the spec's):
//   System description header, 36 bytes: Signature (4), Length (4), Revision (1), Checksum (1),
//     OEMID (6), OEM Table ID (8), OEM Revision (4), Creator ID (4), Creator Revision (4).
//   RSDP: "RSD PTR " (8), Checksum (1, over these 20 bytes), OEMID (6), Revision (1: 0 for
//     ACPI 1.0), RsdtAddress (4).
//   FADT field offsets: FIRMWARE_CTRL 36, DSDT 40, INT_MODEL 44, SCI_INT 46, SMI_CMD 48,
//     ACPI_ENABLE 52, ACPI_DISABLE 53, PM1a_EVT_BLK 56, PM1b_EVT_BLK 60, PM1a_CNT_BLK 64,
//     PM1b_CNT_BLK 68, PM2_CNT_BLK 72, PM_TMR_BLK 76, GPE0_BLK 80, GPE1_BLK 84, PM1_EVT_LEN 88,
//     PM1_CNT_LEN 89, PM2_CNT_LEN 90, PM_TMR_LEN 91, GPE0_BLK_LEN 92, GPE1_BLK_LEN 93, ...,
//     Flags 112; 116 bytes.
//   FACS: "FACS", Length 64, Hardware Signature, Firmware Waking Vector, Global Lock, Flags.
//   MADT: header, Local APIC Address (4), Flags (4, bit 0 PCAT_COMPAT), then entries: type 0
//     processor local APIC (8 bytes: UID, APIC ID, flags bit 0 enabled), type 1 I/O APIC (12:
//     ID, reserved, address, GSI base), type 2 interrupt source override (10: bus 0 = ISA,
//     source IRQ, GSI, flags 0 = conforms to the bus), type 4 local APIC NMI (6: UID 0xFF = all,
//     flags, LINT#).
//   DSDT AML: NameOp 0x08, the root prefix '\', the name "_S5_", PackageOp 0x12, PkgLength 6
//     (itself, NumElements and four one-byte ZeroOps), NumElements 4, ZeroOp 0x00 four times.
#include "devices/acpi.h"

#include <cstring>
#include <string>
#include <vector>

#include "devices/le_bytes.h"
#include "devices/mptable.h"

namespace devices {

namespace {
struct Table : LeBytes {
  // The 36-byte header; the length and checksum are filled in by finish().
  void header(const char* signature, uint8_t revision) {
    text(signature);
    u32(0);
    u8(revision);
    u8(0);
    text("XRAY86");    // OEMID
    text("XRAY86PC");  // OEM Table ID
    u32(1);            // OEM Revision
    text("XR86");      // Creator ID
    u32(1);            // Creator Revision
  }
  void finish() {
    put32(4, static_cast<uint32_t>(bytes.size()));
    bytes[9] = 0;
    bytes[9] = static_cast<uint8_t>(-checksum8(bytes.data(), static_cast<uint32_t>(bytes.size())));
  }
};

uint32_t alignUp(uint32_t v, uint32_t a) {
  return (v + a - 1) & ~(a - 1);
}
}  // namespace

AcpiAddresses writeAcpiTables(Ram& ram, const AcpiLayout& layout) {
  AcpiAddresses at{};
  at.rsdp = layout.base;
  at.facs = alignUp(at.rsdp + 20, 64);
  at.rsdt = at.facs + 64;
  at.fadt = alignUp(at.rsdt + 36 + 2 * 4, 16);
  at.madt = alignUp(at.fadt + 116, 16);

  Table madt;
  madt.header("APIC", 1);
  madt.u32(layout.lapicAddress);
  madt.u32(1);  // PCAT_COMPAT: 8259s present
  for (unsigned cpu = 0; cpu < layout.cpus; ++cpu) {
    madt.u8(0);
    madt.u8(8);
    madt.u8(static_cast<uint8_t>(cpu));  // ACPI processor UID
    madt.u8(static_cast<uint8_t>(cpu));  // local APIC ID
    madt.u32(1);                         // enabled
  }
  madt.u8(1);
  madt.u8(12);
  madt.u8(layout.ioapicId);
  madt.u8(0);
  madt.u32(layout.ioapicAddress);
  madt.u32(0);  // GSI base
  madt.u8(2);
  madt.u8(10);
  madt.u8(0);   // ISA
  madt.u8(0);   // IRQ 0
  madt.u32(2);  // GSI 2
  madt.u16(0);  // conforms to the bus: edge, active high
  madt.u8(4);
  madt.u8(6);
  madt.u8(0xFF);  // every processor
  madt.u16(0);
  madt.u8(1);  // LINT1
  madt.finish();

  at.dsdt = alignUp(at.madt + static_cast<uint32_t>(madt.bytes.size()), 16);
  Table dsdt;
  dsdt.header("DSDT", 1);
  const uint8_t s5[] = {0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
  dsdt.bytes.insert(dsdt.bytes.end(), s5, s5 + sizeof s5);
  dsdt.finish();
  at.end = at.dsdt + static_cast<uint32_t>(dsdt.bytes.size());

  Table facs;
  facs.text("FACS");
  facs.u32(64);
  facs.u32(0);  // hardware signature
  facs.u32(0);  // firmware waking vector
  facs.u32(0);  // global lock
  facs.u32(0);  // flags
  facs.zeros(64 - facs.bytes.size());

  Table fadt;
  fadt.header("FACP", 1);
  fadt.u32(at.facs);
  fadt.u32(at.dsdt);
  fadt.u8(0);       // INT_MODEL (1.0): dual PIC
  fadt.u8(0);       // reserved (Preferred_PM_Profile in 2.0)
  fadt.u16(9);      // SCI_INT: ISA IRQ 9, as on a PIIX4
  fadt.u32(0);      // SMI_CMD 0: no SMM handover, ACPI is always enabled
  fadt.u8(0);       // ACPI_ENABLE
  fadt.u8(0);       // ACPI_DISABLE
  fadt.u8(0);       // S4BIOS_REQ
  fadt.u8(0);       // reserved
  fadt.u32(0x600);  // PM1a_EVT_BLK
  fadt.u32(0);      // PM1b_EVT_BLK
  fadt.u32(0x604);  // PM1a_CNT_BLK
  fadt.u32(0);      // PM1b_CNT_BLK
  fadt.u32(0);      // PM2_CNT_BLK
  fadt.u32(0);      // PM_TMR_BLK: no PM timer
  fadt.u32(0);      // GPE0_BLK
  fadt.u32(0);      // GPE1_BLK
  fadt.u8(4);       // PM1_EVT_LEN
  fadt.u8(2);       // PM1_CNT_LEN
  fadt.u8(0);       // PM2_CNT_LEN
  fadt.u8(0);       // PM_TMR_LEN
  fadt.u8(0);       // GPE0_BLK_LEN
  fadt.u8(0);       // GPE1_BLK_LEN
  fadt.u8(0);       // GPE1_BASE
  fadt.u8(0);       // reserved
  fadt.u16(0);      // P_LVL2_LAT
  fadt.u16(0);      // P_LVL3_LAT
  fadt.u16(0);      // FLUSH_SIZE
  fadt.u16(0);      // FLUSH_STRIDE
  fadt.u8(0);       // DUTY_OFFSET
  fadt.u8(0);       // DUTY_WIDTH
  fadt.u8(0);       // DAY_ALRM
  fadt.u8(0);       // MON_ALRM
  fadt.u8(0x32);    // CENTURY: the CMOS century register
  fadt.zeros(3);    // reserved
  // Flags: WBINVD (0), PROC_C1 (2), PWR_BUTTON (4) and SLP_BUTTON (5): no fixed buttons.
  fadt.u32(1u << 0 | 1u << 2 | 1u << 4 | 1u << 5);
  fadt.finish();

  Table rsdt;
  rsdt.header("RSDT", 1);
  rsdt.u32(at.fadt);
  rsdt.u32(at.madt);
  rsdt.finish();

  Table rsdp;
  rsdp.text("RSD PTR ");
  rsdp.u8(0);
  rsdp.text("XRAY86");
  rsdp.u8(0);  // revision 0: ACPI 1.0, no XSDT
  rsdp.u32(at.rsdt);
  rsdp.bytes[8] = static_cast<uint8_t>(-checksum8(rsdp.bytes.data(), 20));

  ram.fill(layout.base, 0, at.end - layout.base);
  for (const auto& [addr, t] :
       {std::pair{at.rsdp, &rsdp}, std::pair{at.facs, &facs}, std::pair{at.rsdt, &rsdt},
        std::pair{at.fadt, &fadt}, std::pair{at.madt, &madt}, std::pair{at.dsdt, &dsdt}})
    ram.copyIn(addr, t->bytes.data(), static_cast<uint32_t>(t->bytes.size()));
  return at;
}

}  // namespace devices

// Minimal ACPI 1.0 tables, written by the firmware beside the MP tables, for kernels and test
// suites that look for ACPI rather than (or as well as) the MP tables:
//   RSDP (revision 0, 20 bytes) at a 16-byte boundary in 0xE0000-0xFFFFF, where an OS scans;
//   RSDT listing the FADT and the MADT;
//   FADT (revision 1, 116 bytes): PM1a event block 0x600 (4 bytes), PM1a control block 0x604
//     (2 bytes, the soft-off register DebugPorts models), no SMI command port (ACPI is always
//     on), SCI on IRQ 9, the FACS and the DSDT;
//   FACS (64 bytes, 64-byte aligned) with a zero waking vector;
//   DSDT whose only object is Name(\_S5, Package(4){0, 0, 0, 0}): S5 is sleep type 0, the
//     value the PM1a control register takes as soft-off;
//   MADT: the local APIC address, PC-AT compatible (8259s present), one processor local APIC
//     per CPU (UID = APIC ID = CPU number, enabled), the I/O APIC with GSI base 0, the
//     interrupt source override ISA IRQ 0 -> GSI 2 (the router's and the MP table's wiring),
//     and NMI on LINT1 of every processor.
// Every table's bytes sum to 0 (its checksum), the RSDP's first 20 bytes too.
//
// acpi.cpp defines: writeAcpiTables.
#pragma once

#include <cstdint>

#include "devices/ram.h"

namespace devices {

constexpr uint32_t kAcpiBase = 0xE0000;  // the RSDP; the tables follow it
constexpr uint32_t kAcpiSize = 0x10000;  // the 64 KB the E820 map reserves for them

struct AcpiLayout {
  uint32_t base = kAcpiBase;
  uint8_t cpus = 1;  // local APIC IDs 0 .. cpus-1
  uint8_t ioapicId = 1;
  uint32_t lapicAddress = 0xFEE00000;
  uint32_t ioapicAddress = 0xFEC00000;
};

// Where each table went, for tests and the documentation.
struct AcpiAddresses {
  uint32_t rsdp, facs, rsdt, fadt, madt, dsdt, end;
};
AcpiAddresses writeAcpiTables(Ram& ram, const AcpiLayout& layout);

}  // namespace devices

// Intel MultiProcessor Specification 1.4 tables: the floating pointer and the configuration
// table with the processors (local APIC IDs 0 .. cpus-1, 0 the bootstrap one), an ISA bus, the
// I/O APIC and its interrupt assignments.
//
// mptable.cpp defines: writeMpTables, findMpTable, checksum8.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "devices/ram.h"

namespace devices {

struct MpTableLayout {
  uint32_t floatingPointers[2];  // where the 16-byte floating pointers go (EBDA, BIOS area)
  uint32_t configTable;          // where the configuration table goes
  uint8_t cpus = 1;              // processors, local APIC IDs 0 .. cpus-1
  uint8_t ioapicId = 1;
  uint32_t lapicAddress = 0xFEE00000;
  uint32_t ioapicAddress = 0xFEC00000;
};

// Writes the tables; returns the configuration table's length in bytes.
uint32_t writeMpTables(Ram& ram, const MpTableLayout& layout);

// What a kernel finds (the parse xv6's mp.c does, in its search order: the first KB of the EBDA,
// the last KB of base memory, then 0xF0000-0xFFFFF), for tests and diagnostics.
struct MpParsed {
  uint32_t floatingPointer = 0;
  uint32_t configTable = 0;
  uint8_t specRevision = 0;
  uint8_t features2 = 0;
  uint32_t lapicAddress = 0;
  std::vector<uint8_t> processorApicIds;
  std::vector<uint8_t> processorFlags;
  std::vector<std::string> buses;
  uint8_t ioapicId = 0;
  uint32_t ioapicAddress = 0;
  struct Irq {
    uint8_t type, sourceBus, sourceIrq, destApic, destPin;
  };
  std::vector<Irq> ioInterrupts;     // entry type 3
  std::vector<Irq> localInterrupts;  // entry type 4 (destApic = 0xFF: all, destPin = LINTn)
};
std::optional<MpParsed> findMpTable(Ram& ram, std::string& error);

uint8_t checksum8(const uint8_t* p, uint32_t len);  // the byte sum, 0 for a valid table

}  // namespace devices

// What a PC BIOS leaves behind, written directly into RAM and the chips before the first
// instruction: the built-in real-mode ROM, the interrupt vector table, the BIOS data area, the
// EBDA, the MP tables and the E820 map; and the boot paths (raw disk sector, multiboot v1,
// a user ROM at the reset vector), each producing the CPU state to start from.
//
// firmware.cpp defines: BootState, E820Entry, memoryMap, builtinBios, installFirmware,
//   programChipsAsBios, loadBootSector, loadUserBios, readFile.
// multiboot.cpp defines: MultibootOptions, loadMultiboot (declared here too).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "devices/ata.h"
#include "devices/bus.h"
#include "devices/lapic.h"
#include "devices/ram.h"

namespace devices {

// Memory layout the firmware uses (all below 1 MB).
constexpr uint32_t kEbdaSegment = 0x9FC0;  // 1 KB EBDA at the top of 639 KB of base memory
constexpr uint32_t kEbda = kEbdaSegment << 4;
constexpr uint32_t kBaseMemoryKb = 639;
constexpr uint32_t kBiosBase = 0xF0000;  // the 64 KB ROM
constexpr uint32_t kBiosData = 0xFE000;  // F000:E000, the block the ROM's services read
constexpr uint32_t kBiosMpFloating = 0xFE200;
constexpr uint32_t kBiosMpConfig = 0xFE300;
constexpr uint32_t kBiosIvtTable = 0xFFE00;    // F000:FE00, "xIVT" and the handler list
constexpr uint32_t kMaxRamBytes = 0xC0000000;  // 3 GB: RAM ends below the device windows

// How the CPU starts.
struct BootState {
  enum class Mode {
    kResetVector,  // F000:FFF0 as after RESET (a user ROM)
    kReal,         // real mode at cs:eip, segments as given
    kProtected32,  // flat 32-bit protected mode, paging off, interrupts off (multiboot)
  };
  Mode mode = Mode::kResetVector;
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0, esi = 0, edi = 0, ebp = 0, esp = 0, eip = 0;
  uint32_t eflags = 0x2;
  uint16_t cs = 0, ds = 0, es = 0, ss = 0;
  bool a20 = false;  // the gate's state at start
};

struct E820Entry {
  uint64_t base, length;
  uint32_t type;  // 1 usable, 2 reserved
};
// The map the firmware reports (INT 15h E820, multiboot mmap) for `ramBytes` of RAM.
std::vector<E820Entry> memoryMap(uint32_t ramBytes);

// The built-in 64 KB ROM image (devices/bios/bios.S).
std::span<const uint8_t> builtinBios();

// Writes the ROM at 0xF0000, the IVT from the ROM's handler table, the BDA, the EBDA, the MP
// tables, the ACPI tables at 0xE0000 (acpi.h) and the ROM's data block. `disks` are the ATA master
// and slave (either may be null).
void installFirmware(Ram& ram, Disk* master, Disk* slave, unsigned cpus = 1);
// Programs the chips the way POST leaves them: 8259s at vectors 0x08/0x70 with IRQ 0-2
// unmasked, the 8254's channel 0 at 18.2 Hz, the local APIC in virtual wire mode.
void programChipsAsBios(PortBus& ports, LocalApic& lapic);

// Raw disk boot: sector 0 of `disk` at 0x7C00, DL = 0x80, real mode at 0000:7C00.
bool loadBootSector(Disk& disk, Ram& ram, BootState& state, std::string& error);

// A user ROM image: copied below 1 MB (its last 128 KB at most) and returned whole for the
// window at the top of the 4 GB space. Sizes from 64 KB to 1 MB, a multiple of 64 KB.
bool loadUserBios(const std::string& path, Ram& ram, std::vector<uint8_t>& rom, std::string& error);

// The whole file, or false with a one-line error naming `what` ("kernel", "module").
bool readFile(const std::string& path, const std::string& what, std::vector<uint8_t>& out,
              std::string& error);

struct MultibootOptions {
  std::string kernel;
  std::string cmdline;               // the kernel's command line (after its file name)
  std::vector<std::string> modules;  // "FILE [ARGS]": the file to load, the whole string its line
  // Files held in memory (a front end's built-in images), found by name before the file system.
  std::map<std::string, std::span<const uint8_t>> files;
};
// Multiboot v1: loads the kernel (ELF32 segments at their physical addresses, or the a.out
// kludge addresses when header flag 16 is set), the modules and the information structure.
bool loadMultiboot(Ram& ram, const MultibootOptions& options, BootState& state, std::string& error);

// Where loadMultiboot puts the information structure and its strings and tables.
constexpr uint32_t kMultibootInfo = 0x9000;
constexpr uint32_t kMultibootInfoEnd = 0x10000;

}  // namespace devices

// The built-in firmware's host side and the raw-disk and user-ROM boot paths.
#include "devices/firmware.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "devices/acpi.h"
#include "devices/mptable.h"

extern "C" const uint8_t xray86_bios_rom[];
extern "C" const uint8_t xray86_bios_rom_end[];

namespace devices {

std::span<const uint8_t> builtinBios() {
  return {xray86_bios_rom, static_cast<size_t>(xray86_bios_rom_end - xray86_bios_rom)};
}

std::vector<E820Entry> memoryMap(uint32_t ramBytes) {
  std::vector<E820Entry> map = {
      {0, kEbda, 1},                         // conventional memory
      {kEbda, 0xA0000 - kEbda, 2},           // the EBDA (MP tables)
      {kAcpiBase, 0x100000 - kAcpiBase, 2},  // the ACPI tables and the BIOS ROM
  };
  if (ramBytes > 0x100000) map.push_back({0x100000, ramBytes - 0x100000ull, 1});
  map.push_back({0xFEC00000, 0x1000, 2});  // I/O APIC
  map.push_back({0xFEE00000, 0x1000, 2});  // local APIC
  return map;
}

void installFirmware(Ram& ram, Disk* master, Disk* slave, unsigned cpus) {
  std::span<const uint8_t> rom = builtinBios();
  ram.copyIn(kBiosBase, rom.data(), static_cast<uint32_t>(rom.size()));

  // IVT: every vector to the ROM's default IRET, then the ones the ROM's table names.
  const uint8_t* t = ram.at(kBiosIvtTable, 8);
  uint16_t entries = static_cast<uint16_t>(t[4] | t[5] << 8);
  uint16_t fallback = static_cast<uint16_t>(t[6] | t[7] << 8);
  for (uint32_t v = 0; v < 256; ++v) ram.write32(v * 4, 0xF0000000u | fallback);
  for (uint16_t i = 0; i < entries; ++i) {
    const uint8_t* e = ram.at(kBiosIvtTable + 8 + i * 4u, 4);
    ram.write32(e[0] * 4u, 0xF0000000u | static_cast<uint16_t>(e[2] | e[3] << 8));
  }

  // BIOS data area (segment 0x40).
  ram.fill(0x400, 0, 0x100);
  ram.write16(0x400, 0x3F8);  // COM1
  ram.write16(0x402, 0x2F8);  // COM2 (absent: reads as 0xFF, as a probe finds)
  ram.write16(0x40E, static_cast<uint16_t>(kEbdaSegment));
  // Equipment word: bits 5-4 = 10 (80x25 colour), bits 11-9 = 1 serial port.
  ram.write16(0x410, 0x0220);
  ram.write16(0x413, kBaseMemoryKb);
  ram.write16(0x41A, 0x1E);  // empty keyboard ring buffer (head = tail)
  ram.write16(0x41C, 0x1E);
  ram.write8(0x449, 0x03);  // video mode 3
  ram.write16(0x44A, 80);   // columns
  ram.write16(0x44C, 0x1000);
  ram.write16(0x463, 0x3D4);  // CRTC base port
  uint8_t disks = static_cast<uint8_t>((master ? 1 : 0) + (master && slave ? 1 : 0));
  ram.write8(0x475, disks);
  ram.write8(0x484, 24);  // rows - 1

  // EBDA: its size in KB first, then the MP floating pointer; the config table in the ROM.
  ram.fill(kEbda, 0, 0x400);
  ram.write8(kEbda, 1);
  MpTableLayout mp{};
  mp.floatingPointers[0] = kEbda + 0x10;
  mp.floatingPointers[1] = kBiosMpFloating;
  mp.configTable = kBiosMpConfig;
  mp.cpus = static_cast<uint8_t>(cpus);
  writeMpTables(ram, mp);
  // ACPI beside them, in the 64 KB below the ROM (acpi.h).
  AcpiLayout acpi{};
  acpi.cpus = static_cast<uint8_t>(cpus);
  writeAcpiTables(ram, acpi);

  // The ROM's data block (see bios.S): E820, extended memory sizes, disk geometry.
  std::vector<E820Entry> map = memoryMap(ram.size());
  ram.fill(kBiosData, 0, 0x100);
  ram.write16(kBiosData, static_cast<uint16_t>(map.size()));
  for (size_t i = 0; i < map.size(); ++i) {
    uint32_t at = kBiosData + 0x10 + static_cast<uint32_t>(i) * 20;
    ram.write32(at, static_cast<uint32_t>(map[i].base));
    ram.write32(at + 4, static_cast<uint32_t>(map[i].base >> 32));
    ram.write32(at + 8, static_cast<uint32_t>(map[i].length));
    ram.write32(at + 12, static_cast<uint32_t>(map[i].length >> 32));
    ram.write32(at + 16, map[i].type);
  }
  uint32_t extKb = ram.size() > 0x100000 ? (ram.size() - 0x100000) / 1024 : 0;
  ram.write16(kBiosData + 0xC0, static_cast<uint16_t>(extKb > 0xFC00 ? 0xFC00 : extKb));
  ram.write16(kBiosData + 0xC2, static_cast<uint16_t>(extKb > 0x3C00 ? 0x3C00 : extKb));
  uint32_t above16 = ram.size() > 0x1000000 ? (ram.size() - 0x1000000) / 65536 : 0;
  ram.write16(kBiosData + 0xC4, static_cast<uint16_t>(above16 > 0xFFFF ? 0xFFFF : above16));
  ram.write8(kBiosData + 0xC6, disks);
  Disk* d[2] = {master, master ? slave : nullptr};
  for (int i = 0; i < 2; ++i) {
    if (!d[i]) continue;
    ram.write16(kBiosData + 0xC8 + 2 * i, static_cast<uint16_t>(d[i]->cylinders()));
    ram.write32(kBiosData + 0xD0 + 4 * i, d[i]->sectors());
  }
}

void programChipsAsBios(PortBus& ports, LocalApic& lapic) {
  // 8259s: ICW1 edge + ICW4, ICW2 bases 0x08 and 0x70, ICW3 cascade on IR2, ICW4 8086 mode.
  const uint8_t init[][2] = {{0x20, 0x11}, {0x21, 0x08}, {0x21, 0x04}, {0x21, 0x01},
                             {0xA0, 0x11}, {0xA1, 0x70}, {0xA1, 0x02}, {0xA1, 0x01},
                             {0x21, 0xF8}, {0xA1, 0xFF}};  // IRQ 0, 1, 2 open
  for (const auto& w : init) ports.write(w[0], w[1], 1);
  // 8254 channel 0: mode 3, count 0 (65536): 1193182 / 65536 = 18.2 Hz.
  ports.write(0x43, 0x36, 1);
  ports.write(0x40, 0x00, 1);
  ports.write(0x40, 0x00, 1);
  lapic.firmwareDefaults();
}

bool readFile(const std::string& path, const std::string& what, std::vector<uint8_t>& out,
              std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    error = "cannot open " + what + " " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error = what + " " + path + " is not a regular file";
    return false;
  }
  if (st.st_size > (1ll << 31)) {
    ::close(fd);
    error = what + " " + path + " is larger than 2 GB";
    return false;
  }
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n <= 0) {
      ::close(fd);
      error =
          "cannot read " + what + " " + path + ": " + (n < 0 ? std::strerror(errno) : "short read");
      return false;
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return true;
}

bool loadBootSector(Disk& disk, Ram& ram, BootState& state, std::string& error) {
  uint8_t sector[512];
  if (!disk.read(0, sector)) {
    error = "cannot read sector 0 of the boot disk";
    return false;
  }
  // The BIOS boots a sector only if it ends in the signature 55 AA (bytes 510-511).
  if (sector[510] != 0x55 || sector[511] != 0xAA) {
    error = "the boot disk's sector 0 has no boot signature 55 AA at bytes 510-511";
    return false;
  }
  ram.copyIn(0x7C00, sector, 512);
  state = BootState{};
  state.mode = BootState::Mode::kReal;
  state.cs = state.ds = state.es = state.ss = 0;
  state.eip = 0x7C00;
  state.esp = 0x7C00;
  state.edx = 0x80;
  state.eflags = 0x202;  // interrupts on, as the BIOS's INT 19h leaves them
  state.a20 = false;
  return true;
}

bool loadUserBios(const std::string& path, Ram& ram, std::vector<uint8_t>& rom,
                  std::string& error) {
  if (!readFile(path, "BIOS image", rom, error)) return false;
  if (rom.size() < 0x10000 || rom.size() > 0x100000 || rom.size() % 0x10000 != 0) {
    error = "BIOS image " + path + " is " + std::to_string(rom.size()) +
            " bytes; expected a multiple of 64 KB from 64 KB to 1 MB";
    return false;
  }
  // Below 1 MB the chipset shows the ROM's last 128 KB at 0xE0000-0xFFFFF.
  size_t low = rom.size() < 0x20000 ? rom.size() : 0x20000;
  ram.copyIn(static_cast<uint32_t>(0x100000 - low), rom.data() + rom.size() - low,
             static_cast<uint32_t>(low));
  return true;
}

}  // namespace devices

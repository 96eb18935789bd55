// Whole-machine boots of the images in this folder: raw disk through the built-in BIOS,
// protected mode with A20 and ATA PIO, multiboot information, the APIC timer's exact count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "emu/machine/machine.h"

using emu::Machine;
using emu::MachineConfig;
using Kind = Machine::Outcome::Kind;

namespace {
const std::string kImages = BOOT_IMAGES;
const std::string kSources = BOOT_SOURCES;
constexpr uint64_t kInsns = 5'000'000;
constexpr uint64_t kCycles = ~uint64_t{0};

std::unique_ptr<Machine> make(MachineConfig config, devices::StringSink& out) {
  config.console = &out;
  if (!config.input) config.input = "";  // never the terminal in tests
  std::string error;
  auto m = Machine::create(config, error);
  EXPECT_NE(m, nullptr) << error;
  return m;
}
}  // namespace

TEST(Boot, BootSectorPrintsThroughInt10AndExits) {
  devices::StringSink out;
  MachineConfig c;
  c.disks = {kImages + "/boot_hello.img"};
  auto m = make(c, out);
  ASSERT_TRUE(m);
  auto r = m->run(kInsns, kCycles);
  EXPECT_EQ(r.kind, Kind::kGuestExit) << r.message;
  EXPECT_EQ(r.status, (0x21 << 1) | 1);
  EXPECT_EQ(out.text, "Hello from INT 10h\r\n");     // mirrored to the debug console
  EXPECT_EQ(m->cga().row(0), "Hello from INT 10h");  // and on the CGA screen
  EXPECT_EQ(m->cga().cursor(), 80);                  // CR LF: start of row 1
}

TEST(Boot, BiosServicesForBootSectors) {
  devices::StringSink out;
  MachineConfig c;
  c.disks = {kImages + "/boot_bios.img"};
  c.rtc = 1709210096;  // 2024-02-29 12:34:56 UTC
  c.input = "x";       // what INT 16h reads, through COM1
  auto m = make(c, out);
  ASSERT_TRUE(m);
  auto r = m->run(kInsns, kCycles);
  EXPECT_EQ(r.kind, Kind::kGuestExit) << r.message;
  EXPECT_EQ(r.status, (0x30 << 1) | 1) << "failed check " << ((r.status - 1) >> 1);
}

TEST(Boot, Int16ReadsScriptedKeyboard) {
  devices::StringSink out;
  MachineConfig c;
  c.disks = {kImages + "/boot_bios.img"};
  c.rtc = 1709210096;
  c.keys = "x";  // scan codes 0x2D, 0xAD through the 8042; COM1 gets nothing
  auto m = make(c, out);
  ASSERT_TRUE(m);
  auto r = m->run(kInsns, kCycles);
  EXPECT_EQ(r.status, (0x30 << 1) | 1) << "failed check " << ((r.status - 1) >> 1);
}

TEST(Boot, ProtectedModeThroughA20GateAndIdePio) {
  devices::StringSink out;
  MachineConfig c;
  c.disks = {kImages + "/boot_pmode.img"};
  auto m = make(c, out);
  ASSERT_TRUE(m);
  auto r = m->run(kInsns, kCycles);
  EXPECT_EQ(r.kind, Kind::kGuestExit) << r.message;
  EXPECT_EQ(r.status, (0x10 << 1) | 1) << "failed check " << ((r.status - 1) >> 1);
  EXPECT_EQ(out.text, "protected mode, A20 open, sector 1 read\n");
  EXPECT_TRUE(m->a20());
}

TEST(Boot, MultibootKernelChecksItsInformation) {
  devices::StringSink out;
  MachineConfig c;
  c.kernel = kImages + "/mb_kernel.elf";
  c.cmdline = "xray86-test 42";
  c.modules = {kSources + "/module.txt"};
  auto m = make(c, out);
  ASSERT_TRUE(m);
  auto r = m->run(kInsns, kCycles);
  EXPECT_EQ(r.kind, Kind::kGuestExit) << r.message;
  EXPECT_EQ(r.status, (0x2A << 1) | 1) << "failed check " << ((r.status - 1) >> 1);
  EXPECT_EQ(out.text, "multiboot information checked\n");
}

// fwcfg_acpi.S, linked at 0x8000: fw_cfg's signature, CPU count (1) and RAM size (the default
// 256 MB), then the ACPI tables found by a scan of 0xE0000-0xFFFFF with every checksum checked
// and the MADT's processor, I/O APIC and IRQ 0 override read (the numbered checks in the file).
TEST(Boot, LowMultibootKernelReadsFwCfgAndAcpi) {
  devices::StringSink out;
  MachineConfig c;
  c.kernel = kImages + "/fwcfg_acpi.elf";
  auto m = make(c, out);
  ASSERT_TRUE(m);
  auto r = m->run(kInsns, kCycles);
  EXPECT_EQ(r.kind, Kind::kGuestExit) << r.message;
  EXPECT_EQ(r.status, (0x2A << 1) | 1) << "failed check " << ((r.status - 1) >> 1);
  EXPECT_EQ(out.text, "fw_cfg and ACPI checked\n");
}

TEST(Boot, ApicTimerCountsExactlyTenPeriods) {
  devices::StringSink out;
  MachineConfig c;
  c.kernel = kImages + "/apic_timer.elf";
  auto m = make(c, out);
  ASSERT_TRUE(m);
  auto r = m->run(kInsns, kCycles);
  EXPECT_EQ(r.kind, Kind::kGuestExit) << r.message;
  // 10 interrupts in 10.5 periods (derivation in apic_timer.S): status (10 << 1) | 1.
  EXPECT_EQ(r.status, 21);
  EXPECT_EQ(m->lapic().timerInterrupts(), 10u);
}

TEST(Boot, UserRomStartsAtTheResetVector) {
  devices::StringSink out;
  MachineConfig c;
  c.bios = kImages + "/rom.bin";
  auto m = make(c, out);
  ASSERT_TRUE(m);
  auto r = m->run(kInsns, kCycles);
  EXPECT_EQ(r.kind, Kind::kGuestExit) << r.message;
  EXPECT_EQ(r.status, (0x55 << 1) | 1);
  EXPECT_EQ(out.text, "reset vector reached the user ROM\n");
}

// The board's NMI goes through the local APIC's LINT1 (virtual wire mode): a user ROM finds the
// APIC as reset leaves it, LINT1 masked, so the NMI is lost until LINT1 is programmed as NMI (as
// the built-in firmware does). Port 0x70 bit 7 masks it before that: on the PC/AT the NMI mask
// shares the CMOS index port.
TEST(Boot, NmiReachesTheCpuThroughLint1UnlessPort70MasksIt) {
  devices::StringSink out;
  MachineConfig c;
  c.bios = kImages + "/rom.bin";
  auto m = make(c, out);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->raiseNmi());  // LVT LINT1 masked after reset (SDM vol. 3A 10.4.7.1)
  EXPECT_FALSE(m->cpu().nmiPending());
  m->lapic().mmioWrite(0x0F0, 0x1FF, 4);  // SVR: enabled
  m->lapic().mmioWrite(0x360, 0x400, 4);  // LVT LINT1: NMI
  m->ioWrite(0x70, 0x8F, 1);
  EXPECT_FALSE(m->raiseNmi());
  EXPECT_FALSE(m->cpu().nmiPending());
  m->ioWrite(0x70, 0x0F, 1);
  EXPECT_TRUE(m->raiseNmi());
  EXPECT_TRUE(m->cpu().nmiPending());
  EXPECT_EQ(m->lapic().nmis(), 1u);
}

// The built-in firmware leaves LINT1 programmed as NMI (docs/platform.md), so the board's NMI
// reaches a multiboot kernel's CPU.
TEST(Boot, FirmwareLeavesLint1ProgrammedAsNmi) {
  devices::StringSink out;
  MachineConfig c;
  c.kernel = kImages + "/mb_kernel.elf";
  auto m = make(c, out);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->raiseNmi());
  EXPECT_TRUE(m->cpu().nmiPending());
}

TEST(Boot, TimerProgrammedMidSliceInterruptsOnTime) {
  devices::StringSink out;
  MachineConfig c;
  c.kernel = kImages + "/pit_hlt.elf";
  auto m = make(c, out);
  ASSERT_TRUE(m);
  auto r = m->run(kInsns, kCycles);
  EXPECT_EQ(r.kind, Kind::kGuestExit) << r.message;
  // 20 PIT periods of 1000 ticks: elapsed / 27000 = 20; the first interrupt within 27,600 to
  // 28,500 cycles, not at the end of the 33,000-cycle slice (derivation in pit_hlt.S).
  EXPECT_EQ(r.status, (20 << 1) | 1);
  EXPECT_EQ(m->ram().read32(0x500) / 5000, 5u) << m->ram().read32(0x500);
  EXPECT_EQ(m->pit().irqCount(), 20u);
}

TEST(Boot, SameImageSameRun) {
  devices::StringSink out1, out2;
  MachineConfig c;
  c.kernel = kImages + "/apic_timer.elf";
  auto a = make(c, out1);
  auto b = make(c, out2);
  ASSERT_TRUE(a && b);
  a->run(kInsns, kCycles);
  b->run(kInsns, kCycles);
  EXPECT_EQ(a->cpu().cycles(), b->cpu().cycles());
  EXPECT_EQ(a->cpu().instructions(), b->cpu().instructions());
}

TEST(Boot, BadImagesStopBeforeTheMachineStarts) {
  std::string error;
  MachineConfig c;
  c.disks = {"/nonexistent.img"};
  EXPECT_EQ(Machine::create(c, error), nullptr);
  EXPECT_EQ(error, "cannot open disk image /nonexistent.img: No such file or directory");
  MachineConfig k;
  k.kernel = kImages + "/boot_hello.img";  // a boot sector is not a multiboot kernel
  EXPECT_EQ(Machine::create(k, error), nullptr);
  EXPECT_EQ(error, "kernel " + k.kernel + " has no multiboot header in its first 8 KB");
  MachineConfig none;
  EXPECT_EQ(Machine::create(none, error), nullptr);
  EXPECT_EQ(error, "nothing to boot: give --kernel ELF, --disk IMAGE or --bios ROM");
}

// The TLB geometry is checked once, by mmu::TlbGeometry::validate: --tlb's parser and
// Machine::create (for a geometry given in code, as the API does) both report its reason as their
// one-line error, before anything is built.
TEST(Boot, BadTlbGeometryIsAOneLineError) {
  std::string error;
  mmu::TlbGeometry g{8, 4, true};
  EXPECT_TRUE(emu::parseTlb("16x2", g, error));
  EXPECT_EQ(g.sets, 16u);
  EXPECT_EQ(g.ways, 2u);
  EXPECT_TRUE(g.split) << "--split-tlb is its own option";
  EXPECT_FALSE(emu::parseTlb("3x4", g, error));
  EXPECT_EQ(error, "--tlb 3x4: sets must be a power of two from 1 to 4096");
  EXPECT_FALSE(emu::parseTlb("8x65", g, error));
  EXPECT_EQ(error, "--tlb 8x65: ways must be 1 to 64");
  EXPECT_FALSE(emu::parseTlb("8by4", g, error));
  EXPECT_EQ(error, "--tlb 8by4: expected SETSxWAYS, e.g. 8x4");
  EXPECT_EQ(g.sets, 16u) << "a rejected geometry changes nothing";

  MachineConfig c;
  c.kernel = kImages + "/mb_kernel.elf";
  c.tlb = {6, 4, false};
  EXPECT_EQ(Machine::create(c, error), nullptr);
  EXPECT_EQ(error, "--tlb 6x4: sets must be a power of two from 1 to 4096");
  c.tlb = {8, 0, false};
  EXPECT_EQ(Machine::create(c, error), nullptr);
  EXPECT_EQ(error, "--tlb 8x0: ways must be 1 to 64");
}

TEST(Boot, UnassignedMemoryReadsAllOnesAndIsCounted) {
  devices::StringSink out;
  MachineConfig c;
  c.memMb = 16;
  c.kernel = kImages + "/apic_timer.elf";
  auto m = make(c, out);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->read(0x20000000, 4), 0xFFFFFFFFu);
  m->write(0x20000000, 0, 4);
  EXPECT_EQ(m->unassignedMemory(), 2u);
  EXPECT_EQ(m->firstUnassignedMemory(), 0x20000000u);
  EXPECT_EQ(m->read(0xA0000, 1), 0xFFu);  // the VGA graphics window: nothing there
}

TEST(Boot, A20OffMasksAddressBit20) {
  devices::StringSink out;
  MachineConfig c;
  c.kernel = kImages + "/apic_timer.elf";
  auto m = make(c, out);
  ASSERT_TRUE(m);
  m->write(0x000500, 0x11, 1);
  m->write(0x100500, 0x22, 1);  // multiboot entry: A20 on, separate bytes
  EXPECT_EQ(m->read(0x000500, 1), 0x11u);
  m->setA20(false);
  EXPECT_EQ(m->read(0x100500, 1), 0x11u);  // bit 20 dropped
  EXPECT_EQ(m->frame(0x100500), m->frame(0x000500));
}

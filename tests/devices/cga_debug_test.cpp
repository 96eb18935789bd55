// CGA text memory and CRTC cursor, and the debug/exit ports.
#include <gtest/gtest.h>

#include "devices/cga.h"
#include "devices/debugport.h"

using namespace devices;

TEST(Cga, CursorRegistersReadBackAsXv6UsesThem) {
  Clock clock;
  Cga cga(clock);
  // xv6 cgaputc: outb(CRTPORT, 14); pos = inb(CRTPORT+1) << 8; outb(CRTPORT, 15); pos |= ...
  cga.ioWrite(0x3D4, 14, 1);
  cga.ioWrite(0x3D5, 0x01, 1);
  cga.ioWrite(0x3D4, 15, 1);
  cga.ioWrite(0x3D5, 0x40, 1);
  EXPECT_EQ(cga.cursor(), 0x140);
  cga.ioWrite(0x3D4, 14, 1);
  EXPECT_EQ(cga.ioRead(0x3D5, 1), 0x01u);
  cga.ioWrite(0x3D4, 0, 1);
  EXPECT_EQ(cga.ioRead(0x3D5, 1), 0u);  // timing registers are write-only
}

TEST(Cga, ScreenTextFromMemory) {
  Clock clock;
  Cga cga(clock);
  const char* s = "hi";
  for (int i = 0; s[i]; ++i) cga.memory()[160 + 2 * i] = static_cast<uint8_t>(s[i]);
  EXPECT_EQ(cga.row(0), "");
  EXPECT_EQ(cga.row(1), "hi");
  EXPECT_EQ(cga.screen(), "\nhi");
}

TEST(Cga, StatusRegisterShowsVerticalRetrace) {
  Clock clock;
  Cga cga(clock);
  // Line 224 of 262 at 60 frames/s begins at cycle ceil(224 * 33e6 / 15720) = 470230.
  clock.set(470229);
  EXPECT_EQ(cga.ioRead(0x3DA, 1) & 0x08u, 0u);
  clock.set(470230);
  EXPECT_EQ(cga.ioRead(0x3DA, 1) & 0x08u, 0x08u);
}

TEST(DebugPorts, ConsoleAndQemuExit) {
  StringSink out;
  DebugPorts d(&out);
  PortBus bus;
  d.attach(bus);
  bus.write(0xE9, 'o', 1);
  bus.write(0xE9, 'k', 1);
  EXPECT_EQ(out.text, "ok");
  EXPECT_EQ(bus.read(0xE9, 1), 0xE9u);
  EXPECT_FALSE(d.exitStatus());
  bus.write(0xF4, 0x10, 4);  // outl: the whole value reaches the device
  EXPECT_EQ(d.exitStatus(), (0x10 << 1) | 1);
}

TEST(DebugPorts, BochsShutdownString) {
  DebugPorts d(nullptr);
  for (char c : std::string("xxShutdown")) d.ioWrite(0x8900, static_cast<uint8_t>(c), 1);
  EXPECT_EQ(d.exitStatus(), 0);
}

// QEMU's poweroff: SLP_EN (bit 13) with sleep type 0 in PM1a_CNT, which QEMU's PIIX4 has at
// port 0x604 (SeaBIOS puts the PM base at 0x600, PM1a_CNT is at +4): the guest's status 0.
TEST(DebugPorts, AcpiSoftOffAtPort604) {
  PortBus bus;
  DebugPorts d(nullptr);
  d.attach(bus);
  bus.write(0x604, 0x0001, 2);  // SCI_EN alone: no sleep, read back as written
  EXPECT_FALSE(d.exitStatus());
  EXPECT_EQ(bus.read(0x604, 2), 0x0001u);
  bus.write(0x604, 0x2000 | (5u << 10), 2);  // SLP_EN with sleep type 5: not soft-off here
  EXPECT_FALSE(d.exitStatus());
  EXPECT_EQ(bus.read(0x604, 2), 5u << 10);  // SLP_EN is write-only: it reads 0
  bus.write(0x604, 0x2000, 2);              // outw(0x604, 0x2000): power off
  EXPECT_EQ(d.exitStatus(), 0);
  EXPECT_EQ(d.exitReason(), "guest powered off (ACPI, port 0x604)");
  bus.write(0xF4, 3, 1);  // the first request wins
  EXPECT_EQ(d.exitStatus(), 0);
}

// The same register written a byte at a time: the high byte's SLP_EN powers off.
TEST(DebugPorts, AcpiSoftOffByBytes) {
  PortBus bus;
  DebugPorts d(nullptr);
  d.attach(bus);
  bus.write(0x604, 0x00, 1);
  EXPECT_FALSE(d.exitStatus());
  bus.write(0x605, 0x20, 1);
  EXPECT_EQ(d.exitStatus(), 0);
}

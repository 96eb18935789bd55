// 8042 keyboard controller: status, A20 through the output port and port 0x92, reset, the
// keyboard's replies and scripted scan codes (set 1).
#include "devices/i8042.h"

#include <gtest/gtest.h>

#include "fake_irq.h"

using namespace devices;

TEST(Kbc8042, A20ThroughOutputPortAsXv6BootsectorDoes) {
  FakeIrq irq;
  Kbc8042 kbc(irq);
  std::vector<bool> a20;
  kbc.onA20 = [&](bool on) { a20.push_back(on); };
  EXPECT_FALSE(kbc.a20());
  EXPECT_EQ(kbc.ioRead(0x64, 1) & 0x02u, 0u);  // input buffer empty: xv6's seta20.1 loop ends
  kbc.ioWrite(0x64, 0xD1, 1);
  EXPECT_EQ(kbc.ioRead(0x64, 1) & 0x08u, 0x08u);  // last write was a command
  kbc.ioWrite(0x60, 0xDF, 1);
  EXPECT_TRUE(kbc.a20());
  ASSERT_EQ(a20.size(), 1u);
  EXPECT_TRUE(a20[0]);
  kbc.ioWrite(0x64, 0xD0, 1);  // read output port
  EXPECT_EQ(kbc.ioRead(0x60, 1), 0xDFu);
}

TEST(Kbc8042, FastA20AndResetOnPort92) {
  FakeIrq irq;
  Kbc8042 kbc(irq);
  int resets = 0;
  kbc.onReset = [&] { ++resets; };
  kbc.ioWrite(0x92, 0x02, 1);
  EXPECT_TRUE(kbc.a20());
  EXPECT_EQ(kbc.ioRead(0x92, 1), 0x02u);
  kbc.ioWrite(0x92, 0x03, 1);
  EXPECT_EQ(resets, 1);
  kbc.ioWrite(0x64, 0xFE, 1);  // pulse reset line
  EXPECT_EQ(resets, 2);
  kbc.ioWrite(0x64, 0xDD, 1);
  EXPECT_FALSE(kbc.a20());
}

TEST(Kbc8042, SelfTestAndCommandByte) {
  FakeIrq irq;
  Kbc8042 kbc(irq);
  kbc.ioWrite(0x64, 0xAA, 1);
  EXPECT_EQ(kbc.ioRead(0x64, 1) & 0x01u, 0x01u);
  EXPECT_EQ(kbc.ioRead(0x60, 1), 0x55u);
  kbc.ioWrite(0x64, 0x60, 1);
  kbc.ioWrite(0x60, 0x44, 1);  // IRQ off
  kbc.ioWrite(0x64, 0x20, 1);
  EXPECT_EQ(kbc.ioRead(0x60, 1), 0x44u);
}

TEST(Kbc8042, ScriptedKeysRaiseIrq1PerByte) {
  FakeIrq irq;
  Kbc8042 kbc(irq);
  kbc.type("aB");
  EXPECT_TRUE(irq.level[1]);
  // 'a' = 0x1E make, 0x9E break; 'B' = shift (0x2A), 0x30, 0xB0, 0xAA.
  std::vector<uint32_t> codes;
  while (kbc.ioRead(0x64, 1) & 1) codes.push_back(kbc.ioRead(0x60, 1));
  EXPECT_EQ(codes, (std::vector<uint32_t>{0x1E, 0x9E, 0x2A, 0x30, 0xB0, 0xAA}));
  EXPECT_EQ(irq.rises[1], 6);
  EXPECT_FALSE(irq.level[1]);
}

TEST(Kbc8042, KeyboardResetReplies) {
  FakeIrq irq;
  Kbc8042 kbc(irq);
  kbc.ioWrite(0x60, 0xFF, 1);
  EXPECT_EQ(kbc.ioRead(0x60, 1), 0xFAu);
  EXPECT_EQ(kbc.ioRead(0x60, 1), 0xAAu);
  kbc.ioWrite(0x60, 0xED, 1);  // set LEDs: ACK, then ACK for the parameter
  EXPECT_EQ(kbc.ioRead(0x60, 1), 0xFAu);
  kbc.ioWrite(0x60, 0x07, 1);
  EXPECT_EQ(kbc.ioRead(0x60, 1), 0xFAu);
  EXPECT_EQ(kbc.ioRead(0x64, 1) & 1u, 0u);
}

// MC146818 RTC and CMOS: a fixed epoch advanced by the cycle counter at 33 MHz.
#include "devices/cmos.h"

#include <gtest/gtest.h>

using namespace devices;

namespace {
uint8_t rd(Cmos& c, uint8_t index) {
  c.ioWrite(0x70, index, 1);
  return static_cast<uint8_t>(c.ioRead(0x71, 1));
}
void wr(Cmos& c, uint8_t index, uint8_t v) {
  c.ioWrite(0x70, index, 1);
  c.ioWrite(0x71, v, 1);
}
}  // namespace

TEST(Cmos, CivilDates) {
  // 946684800 = 2000-01-01 00:00:00 UTC, a Saturday (weekday 7).
  CivilTime t = civilFromEpoch(946684800);
  EXPECT_EQ(t.year, 2000);
  EXPECT_EQ(t.month, 1);
  EXPECT_EQ(t.day, 1);
  EXPECT_EQ(t.weekday, 7);
  // 951782400 = 2000-02-29 (a leap day), 1709210096 = 2024-02-29 12:34:56.
  EXPECT_EQ(civilFromEpoch(951782400).day, 29);
  t = civilFromEpoch(1709210096);
  EXPECT_EQ(t.year, 2024);
  EXPECT_EQ(t.month, 2);
  EXPECT_EQ(t.day, 29);
  EXPECT_EQ(t.hour, 12);
  EXPECT_EQ(t.minute, 34);
  EXPECT_EQ(t.second, 56);
}

TEST(Cmos, BcdTimeAdvancesWithCycles) {
  Clock clock;
  Cmos c(clock, 1709210096, 256u << 20);
  EXPECT_EQ(rd(c, 0x00), 0x56);
  EXPECT_EQ(rd(c, 0x02), 0x34);
  EXPECT_EQ(rd(c, 0x04), 0x12);
  EXPECT_EQ(rd(c, 0x07), 0x29);
  EXPECT_EQ(rd(c, 0x08), 0x02);
  EXPECT_EQ(rd(c, 0x09), 0x24);
  EXPECT_EQ(rd(c, 0x32), 0x20);
  EXPECT_EQ(rd(c, 0x06), 0x05);  // Thursday
  clock.set(4 * kCpuHz);         // four seconds at 33 MHz
  EXPECT_EQ(rd(c, 0x00), 0x00);
  EXPECT_EQ(rd(c, 0x02), 0x35);
}

TEST(Cmos, BinaryAnd12HourModes) {
  Clock clock;
  Cmos c(clock, 1709210096, 256u << 20);
  wr(c, 0x0B, 0x04);  // binary, 12-hour
  EXPECT_EQ(rd(c, 0x00), 56);
  EXPECT_EQ(rd(c, 0x04), 0x80 | 12);  // 12 PM
}

TEST(Cmos, WritesSetTheClock) {
  Clock clock;
  Cmos c(clock, 946684800, 256u << 20);
  wr(c, 0x04, 0x23);  // 23:00 BCD
  EXPECT_EQ(c.seconds(), 946684800 + 23 * 3600);
  EXPECT_EQ(rd(c, 0x04), 0x23);
}

TEST(Cmos, UpdateInProgressInTheLast244Microseconds) {
  Clock clock;
  Cmos c(clock, 0, 256u << 20);
  clock.set(kCpuHz - 8052 - 1);  // 244 us = 8052 cycles at 33 MHz
  EXPECT_EQ(rd(c, 0x0A), 0x26);
  clock.set(kCpuHz - 8052);
  EXPECT_EQ(rd(c, 0x0A), 0xA6);
  EXPECT_EQ(rd(c, 0x0D), 0x80);
}

TEST(Cmos, MemorySizesAndShutdownByte) {
  Clock clock;
  Cmos c(clock, 0, 256u << 20);
  EXPECT_EQ(rd(c, 0x15) | rd(c, 0x16) << 8, 640);
  EXPECT_EQ(rd(c, 0x17) | rd(c, 0x18) << 8, 65535);            // (256 MB - 1 MB) / 1 KB capped
  EXPECT_EQ(rd(c, 0x34) | rd(c, 0x35) << 8, (256 - 16) * 16);  // 64 KB units above 16 MB
  wr(c, 0x0F, 0x0A);
  EXPECT_EQ(rd(c, 0x0F), 0x0A);
  c.ioWrite(0x70, 0x80, 1);  // bit 7: NMI off
  EXPECT_TRUE(c.nmiDisabled());
}

// 8254 behaviour from the datasheet, timed from the cycle counter: the PIT runs at
// 1,193,182 Hz and the CPU at 33 MHz, so PIT tick T is complete at cycle
// ceil(T * 33,000,000 / 1,193,182); the cycle numbers below are that formula.
// A count written at tick 0 is loaded at tick 1 (the first CLK after the write).
#include "devices/i8254.h"

#include <gtest/gtest.h>

#include "fake_irq.h"

using namespace devices;

namespace {
struct Fixture {
  Clock clock;
  FakeIrq irq;
  Pit8254 pit{clock, irq};
  void program(unsigned channel, uint8_t control, uint16_t count) {
    pit.ioWrite(0x43, control, 1);
    pit.ioWrite(static_cast<uint16_t>(0x40 + channel), count & 0xFF, 1);
    pit.ioWrite(static_cast<uint16_t>(0x40 + channel), count >> 8, 1);
  }
  uint16_t latch(unsigned channel) {
    pit.ioWrite(0x43, static_cast<uint8_t>(channel << 6), 1);  // counter latch command
    uint16_t lo = static_cast<uint16_t>(pit.ioRead(static_cast<uint16_t>(0x40 + channel), 1));
    return static_cast<uint16_t>(lo | pit.ioRead(static_cast<uint16_t>(0x40 + channel), 1) << 8);
  }
};
}  // namespace

TEST(Pit8254, Mode2RateGeneratorInterruptsEveryNTicks) {
  Fixture f;
  f.program(0, 0x34, 1000);  // channel 0, LSB then MSB, mode 2, binary
  // Loaded at tick 1; OUT rises (IRQ0) at ticks 1001, 2001, ...: cycles 27685, 55342.
  EXPECT_EQ(f.pit.deadline(), 27685u);
  f.clock.set(27684);
  f.pit.tick();
  EXPECT_EQ(f.irq.rises[0], 0);
  f.clock.set(27685);
  f.pit.tick();
  EXPECT_EQ(f.irq.rises[0], 1);
  EXPECT_EQ(f.pit.deadline(), 55342u);
  f.clock.set(55342);
  f.pit.tick();
  EXPECT_EQ(f.irq.rises[0], 2);
}

TEST(Pit8254, LatchedCountDecrementsOncePerTick) {
  Fixture f;
  f.program(0, 0x34, 1000);
  f.clock.set(6942);  // tick 251: 250 ticks after the load
  EXPECT_EQ(f.latch(0), 750);
  // A latched value holds until read even as time passes.
  f.pit.ioWrite(0x43, 0x00, 1);
  f.clock.set(27685);
  EXPECT_EQ(f.pit.ioRead(0x40, 1), 750u & 0xFF);
  EXPECT_EQ(f.pit.ioRead(0x40, 1), 750u >> 8);
}

TEST(Pit8254, Mode2OutGoesLowForOneTickAtCountOne) {
  Fixture f;
  f.program(0, 0x34, 10);
  f.clock.set(305);  // tick 11, e = 10: the counter reloaded to 10, OUT high again
  EXPECT_TRUE(f.pit.out(0));
  f.clock.set(ticksToCycles(10, kPitHz));  // e = 9: counter 1, OUT low
  EXPECT_EQ(f.pit.count(0), 1);
  EXPECT_FALSE(f.pit.out(0));
}

TEST(Pit8254, Mode3SquareWaveHalfPeriods) {
  Fixture f;
  f.program(0, 0x36, 100);                 // mode 3
  f.clock.set(ticksToCycles(11, kPitHz));  // e = 10: first half, counter 100 - 2*10
  EXPECT_TRUE(f.pit.out(0));
  EXPECT_EQ(f.pit.count(0), 80);
  f.clock.set(1688);  // tick 61, e = 60: second half (50..99), counter 100 - 2*10
  EXPECT_FALSE(f.pit.out(0));
  EXPECT_EQ(f.pit.count(0), 80);
  EXPECT_EQ(f.pit.deadline(), ticksToCycles(101, kPitHz));
}

TEST(Pit8254, Mode0InterruptsOnceOnTerminalCount) {
  Fixture f;
  f.program(0, 0x30, 500);  // mode 0
  EXPECT_FALSE(f.pit.out(0));
  EXPECT_EQ(f.pit.deadline(), 13857u);  // tick 501
  f.clock.set(13857);
  f.pit.tick();
  EXPECT_EQ(f.irq.rises[0], 1);
  EXPECT_TRUE(f.pit.out(0));
  EXPECT_EQ(f.pit.deadline(), kNever);  // one-shot
  f.clock.set(ticksToCycles(600, kPitHz));
  EXPECT_EQ(f.pit.count(0), static_cast<uint16_t>(500 - 599));  // wraps past 0
}

TEST(Pit8254, ReadBackStatusReportsOutNullCountAndMode) {
  Fixture f;
  f.pit.ioWrite(0x43, 0x34, 1);
  // Read-back (11), status only (bit 5 set: no count latch), channel 0 (bit 1).
  f.pit.ioWrite(0x43, 0xE2, 1);
  // OUT high in mode 2 (bit 7), null count (bit 6), RW=11, mode 010, binary: 0xF4.
  EXPECT_EQ(f.pit.ioRead(0x40, 1), 0xF4u);
  f.pit.ioWrite(0x40, 0x10, 1);
  f.pit.ioWrite(0x40, 0x00, 1);
  f.pit.ioWrite(0x43, 0xE2, 1);
  EXPECT_EQ(f.pit.ioRead(0x40, 1), 0xB4u);  // count loaded: null count clear
}

TEST(Pit8254, ReadBackLatchesCountOfSeveralChannels) {
  Fixture f;
  f.program(0, 0x34, 1000);
  f.program(1, 0x74, 2000);
  f.clock.set(6942);             // tick 251
  f.pit.ioWrite(0x43, 0xD6, 1);  // read-back, count only (bit 4 set), channels 0 and 1
  f.clock.set(27685);
  EXPECT_EQ(f.pit.ioRead(0x40, 1) | f.pit.ioRead(0x40, 1) << 8, 750u);
  EXPECT_EQ(f.pit.ioRead(0x41, 1) | f.pit.ioRead(0x41, 1) << 8, 1750u);
}

TEST(Pit8254, LsbOnlyAccessMode) {
  Fixture f;
  f.pit.ioWrite(0x43, 0x14, 1);  // channel 0, LSB only, mode 2
  f.pit.ioWrite(0x40, 50, 1);
  f.clock.set(ticksToCycles(21, kPitHz));  // e = 20
  f.pit.ioWrite(0x43, 0x00, 1);
  EXPECT_EQ(f.pit.ioRead(0x40, 1), 30u);
}

TEST(Pit8254, Port61GatesChannel2AndShowsItsOutput) {
  Fixture f;
  f.program(2, 0xB6, 100);  // channel 2, mode 3: the speaker tone
  f.clock.set(ticksToCycles(60, kPitHz));
  EXPECT_EQ(f.pit.count(2), 100);  // gate low: not counting
  f.pit.ioWrite(0x61, 0x03, 1);    // gate on, speaker data on: loads at the next tick
  EXPECT_EQ(f.pit.ioRead(0x61, 1) & 0x23u, 0x23u);  // bits 0-1 read back, OUT2 high
  f.clock.set(ticksToCycles(60 + 1 + 50, kPitHz));  // second half of the square wave
  EXPECT_EQ(f.pit.ioRead(0x61, 1) & 0x20u, 0u);
}

TEST(Pit8254, RefreshBitToggles) {
  Fixture f;
  // Bit 4 toggles every 1/66288 s: 33e6/66288 = 497.8 cycles.
  f.clock.set(0);
  uint32_t a = f.pit.ioRead(0x61, 1) & 0x10;
  f.clock.set(498);
  uint32_t b = f.pit.ioRead(0x61, 1) & 0x10;
  EXPECT_NE(a, b);
}

// The port table, MMIO windows and lazy RAM.
#include "devices/bus.h"

#include <gtest/gtest.h>

#include "devices/clock.h"
#include "devices/ram.h"

using namespace devices;

namespace {
struct Recorder : PortDevice {
  unsigned w = 1;
  std::vector<std::tuple<uint16_t, uint32_t, unsigned>> writes;
  uint32_t ioRead(uint16_t port, unsigned) override { return port & 0xFF; }
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override {
    writes.emplace_back(port, value, size);
  }
  unsigned width(uint16_t) const override { return w; }
};
struct Window : MmioDevice {
  uint32_t last = 0;
  uint32_t mmioRead(uint32_t offset, unsigned) override { return offset; }
  void mmioWrite(uint32_t offset, uint32_t value, unsigned) override { last = offset ^ value; }
};
}  // namespace

TEST(PortBus, UnassignedPortsReadAllOnesAndAreCounted) {
  PortBus bus;
  EXPECT_EQ(bus.read(0x1234, 1), 0xFFu);
  EXPECT_EQ(bus.read(0x1234, 2), 0xFFFFu);
  EXPECT_EQ(bus.read(0x1234, 4), 0xFFFFFFFFu);
  bus.write(0x1234, 5, 1);
  EXPECT_EQ(bus.unassignedReads(), 1u + 2u + 4u);  // wide reads split into byte reads
  EXPECT_EQ(bus.unassignedWrites(), 1u);
  EXPECT_EQ(bus.firstUnassigned(), 0x1234);
}

TEST(PortBus, WideAccessToByteDeviceSplitsIntoConsecutivePorts) {
  PortBus bus;
  Recorder r;
  bus.map(0x40, 2, &r);
  // 0x40 and 0x41 answer their low address byte; 0x42, 0x43 are unassigned (0xFF).
  EXPECT_EQ(bus.read(0x40, 4), 0xFFFF4140u);
  bus.write(0x40, 0xBBAA, 2);
  ASSERT_EQ(r.writes.size(), 2u);
  EXPECT_EQ(r.writes[0], std::make_tuple(uint16_t{0x40}, uint32_t{0xAA}, 1u));
  EXPECT_EQ(r.writes[1], std::make_tuple(uint16_t{0x41}, uint32_t{0xBB}, 1u));
}

TEST(PortBus, WideDevicesSeeTheWholeAccess) {
  PortBus bus;
  Recorder r;
  r.w = 4;
  bus.map(0x1F0, 1, &r);
  bus.write(0x1F0, 0x12345678, 4);
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_EQ(r.writes[0], std::make_tuple(uint16_t{0x1F0}, uint32_t{0x12345678}, 4u));
}

TEST(PortBus, OverlappingMapIsAWiringError) {
  PortBus bus;
  Recorder a, b;
  bus.map(0x60, 1, &a);
  EXPECT_THROW(bus.map(0x60, 1, &b), std::logic_error);
}

TEST(MmioMap, FindsWindowAndOffset) {
  MmioMap map;
  Window w;
  map.map(0xFEC00000, 0x1000, &w);
  uint32_t off = 0;
  EXPECT_EQ(map.find(0xFEC00010, off), &w);
  EXPECT_EQ(off, 0x10u);
  EXPECT_EQ(map.find(0xFEC01000, off), nullptr);
  EXPECT_EQ(map.find(0xFEBFFFFF, off), nullptr);
  EXPECT_THROW(map.map(0xFEC00800, 0x1000, &w), std::logic_error);
}

TEST(Ram, IsLazyAndBoundsChecked) {
  Ram ram(256u << 20);
  // 256 MB reserved, nothing touched: only a few pages at most are resident.
  EXPECT_LT(ram.residentBytes(), 1u << 20);
  ram.write32(0x0FFFFFFC, 0xDEADBEEF);
  EXPECT_EQ(ram.read32(0x0FFFFFFC), 0xDEADBEEFu);
  EXPECT_EQ(ram.at(0x0FFFFFFD, 4), nullptr);  // would cross the end
  EXPECT_EQ(ram.at(0x10000000, 1), nullptr);
  EXPECT_EQ(ram.read32(0x10000000), 0xFFFFFFFFu);
  // One word touched: at most the 2 MB huge page that holds it (the host may back RAM with
  // transparent huge pages, devices/ram.cpp), plus the few pages of the first check.
  EXPECT_LT(ram.residentBytes(), (2u << 20) + (1u << 20));
}

TEST(Ram, StartsOnAHugePageBoundary) {
  // devices/ram.cpp aligns RAM to 2 MB so that the host can map it with 2 MB pages.
  Ram ram(64u << 20);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(ram.at(0)) % (2u << 20), 0u);
  ram.write32(0x03FFFFFC, 0x12345678);
  EXPECT_EQ(ram.read32(0x03FFFFFC), 0x12345678u);
}

TEST(Clock, TickConversionsAreInverse) {
  // 33 MHz CPU, 1.193182 MHz PIT: 65536 PIT ticks = 65536 * 33e6 / 1193182 = 1812538.2 cycles,
  // so the 65536th tick is complete at cycle 1812539 and not at 1812538.
  EXPECT_EQ(ticksToCycles(65536, 1'193'182), 1812539u);
  EXPECT_EQ(cyclesToTicks(1812539, 1'193'182), 65536u);
  EXPECT_EQ(cyclesToTicks(1812538, 1'193'182), 65535u);
}

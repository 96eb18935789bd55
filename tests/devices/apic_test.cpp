// Local APIC and I/O APIC as xv6's lapic.c and ioapic.c program them, plus the routing of ISA
// IRQs between the 8259 pair and the APICs.
#include <gtest/gtest.h>

#include "devices/apic_bus.h"
#include "devices/interrupts.h"

using namespace devices;

namespace {
struct Fixture {
  Clock clock;
  LocalApic lapic{clock};
  IoApic ioapic{lapic, 1};
  PicPair pic;
  InterruptRouter router{pic, ioapic, lapic};
  void lw(uint32_t reg, uint32_t v) { lapic.mmioWrite(reg, v, 4); }
  uint32_t lr(uint32_t reg) { return lapic.mmioRead(reg, 4); }
  void iw(uint32_t reg, uint32_t v) {
    ioapic.mmioWrite(0x00, reg, 4);
    ioapic.mmioWrite(0x10, v, 4);
  }
  uint32_t ir(uint32_t reg) {
    ioapic.mmioWrite(0x00, reg, 4);
    return ioapic.mmioRead(0x10, 4);
  }
};
}  // namespace

TEST(LocalApic, ResetValuesAndVersion) {
  Fixture f;
  EXPECT_EQ(f.lr(0x020), 0u);           // ID 0, as the MP table's processor entry says
  EXPECT_EQ(f.lr(0x030), 0x00040014u);  // version 0x14, max LVT 4 (xv6 then masks PCINT)
  EXPECT_EQ(f.lr(0x0F0), 0xFFu);        // SVR: spurious vector 0xFF, software-disabled
  EXPECT_EQ(f.lr(0x320), 0x10000u);     // LVT timer masked
  EXPECT_EQ(f.lr(0x0E0), 0xFFFFFFFFu);  // DFR flat model
}

TEST(LocalApic, PeriodicTimerFromCycles) {
  Fixture f;
  f.lw(0x0F0, 0x100 | 63);                     // enable, spurious 63
  f.lw(0x3E0, 0x0B);                           // divide by 1
  f.lw(0x320, 0x20000 | 32);                   // periodic, vector 32
  f.lw(0x380, 10'000'000);                     // xv6's TICR
  EXPECT_EQ(f.lapic.deadline(), 10'000'000u);  // one count per cycle at divide-by-1
  f.clock.set(2'500'000);
  EXPECT_EQ(f.lr(0x390), 7'500'000u);
  f.clock.set(10'000'000);
  f.lapic.tick();
  EXPECT_EQ(f.lapic.pendingVector(), 32);
  EXPECT_TRUE(f.router.intr());
  EXPECT_EQ(f.router.acknowledge(), 32);
  EXPECT_EQ(f.lr(0x100 + 0x10), 1u);  // ISR bit 32 (register 1, bit 0)
  f.lw(0x0B0, 0);                     // EOI
  EXPECT_EQ(f.lr(0x110), 0u);
  EXPECT_EQ(f.lapic.deadline(), 20'000'000u);
  EXPECT_EQ(f.lr(0x390), 10'000'000u);  // reloaded
}

TEST(LocalApic, OneShotWithDivider) {
  Fixture f;
  f.lw(0x0F0, 0x1FF);
  f.lw(0x3E0, 0x03);  // divide by 16
  f.lw(0x320, 40);    // one-shot
  f.lw(0x380, 1000);  // 16,000 cycles
  EXPECT_EQ(f.lapic.deadline(), 16'000u);
  f.clock.set(1600);
  EXPECT_EQ(f.lr(0x390), 900u);
  f.clock.set(16'000);
  f.lapic.tick();
  EXPECT_EQ(f.lapic.pendingVector(), 40);
  EXPECT_EQ(f.lapic.deadline(), kNever);
  EXPECT_EQ(f.lr(0x390), 0u);
}

TEST(LocalApic, MaskedTimerCountsWithoutInterrupting) {
  Fixture f;
  f.lw(0x0F0, 0x1FF);
  f.lw(0x3E0, 0x0B);
  f.lw(0x320, 0x30000 | 32);  // periodic, masked
  f.lw(0x380, 100);
  f.clock.set(100);
  f.lapic.tick();
  EXPECT_EQ(f.lapic.pendingVector(), -1);
  EXPECT_EQ(f.lapic.timerInterrupts(), 1u);
}

TEST(LocalApic, TaskPriorityBlocksLowerClasses) {
  Fixture f;
  f.lw(0x0F0, 0x1FF);
  f.lapic.accept(0x45, false);
  f.lw(0x080, 0x50);  // TPR class 5 blocks class 4
  EXPECT_EQ(f.lapic.pendingVector(), -1);
  EXPECT_EQ(f.lapic.acknowledge(), 0xFF);  // spurious vector from SVR
  f.lw(0x080, 0x30);
  EXPECT_EQ(f.lapic.pendingVector(), 0x45);
  EXPECT_EQ(f.lr(0x0A0), 0x30u);  // PPR = TPR
  f.lapic.acknowledge();
  EXPECT_EQ(f.lr(0x0A0), 0x40u);  // PPR = in-service class
  f.lapic.accept(0x41, false);    // same class as in service: waits
  EXPECT_EQ(f.lapic.pendingVector(), -1);
}

TEST(LocalApic, IcrInitAndSelfIpi) {
  Fixture f;
  f.lw(0x0F0, 0x1FF);
  f.lw(0x310, 0);
  f.lw(0x300, 0x00088500);                 // xv6: INIT, level, de-assert, all including self
  EXPECT_EQ(f.lr(0x300) & 0x1000u, 0u);    // delivery status idle: xv6's spin ends
  EXPECT_EQ(f.lapic.pendingVector(), -1);  // INIT is not a vector
  f.lw(0x300, 0x00040000 | 0x50);          // fixed, shorthand self
  EXPECT_EQ(f.lapic.pendingVector(), 0x50);
}

TEST(LocalApic, SoftwareDisableMasksLvts) {
  Fixture f;
  f.lw(0x0F0, 0x1FF);
  f.lw(0x350, 0x700);
  EXPECT_EQ(f.lr(0x350), 0x700u);
  f.lw(0x0F0, 0x0FF);
  EXPECT_EQ(f.lr(0x350), 0x10700u);
  f.lw(0x350, 0x700);  // cannot be unmasked while disabled
  EXPECT_EQ(f.lr(0x350), 0x10700u);
}

// ICR delivery mode NMI (100b, SDM vol. 3A 10.6.1): the vector is ignored and nothing enters IRR;
// the NMI goes to the processor's NMI input. An APIC answers NMI messages also while software-
// disabled (SDM 10.4.7.2). One processor: only an NMI to itself is delivered.
TEST(LocalApic, IcrNmiReachesTheNmiInput) {
  Fixture f;
  unsigned nmis = 0;
  f.lapic.onNmi = [&] { ++nmis; };
  f.lw(0x310, 0);
  f.lw(0x300, 0x00040400 | 0x50);  // NMI, shorthand self, vector field 0x50 (ignored)
  EXPECT_EQ(nmis, 1u);             // SVR 0xFF after reset: software-disabled, still taken
  EXPECT_EQ(f.lapic.pendingVector(), -1);
  f.lw(0x0F0, 0x1FF);
  f.lw(0x310, 0);
  f.lw(0x300, 0x00000400);  // NMI, physical destination 0: this APIC
  EXPECT_EQ(nmis, 2u);
  f.lw(0x310, 0x05000000);
  f.lw(0x300, 0x00000400);  // destination 5: no such processor
  f.lw(0x300, 0x000C0400);  // all excluding self
  EXPECT_EQ(nmis, 2u);
  EXPECT_EQ(f.lapic.nmis(), 2u);
}

// LINT1 (where the board's NMI arrives in virtual wire mode) delivers as its LVT entry says:
// masked after reset and while software-disabled, NMI (mode 100b) or a fixed vector.
TEST(LocalApic, Lint1DeliversAsItsLvtEntrySays) {
  Fixture f;
  unsigned nmis = 0;
  f.lapic.onNmi = [&] { ++nmis; };
  EXPECT_FALSE(f.lapic.lint1());  // LVT LINT1 0x10000 after reset (SDM 10.4.7.1)
  f.lapic.firmwareDefaults();     // the BIOS: LINT1 = NMI
  EXPECT_TRUE(f.lapic.lint1());
  EXPECT_EQ(nmis, 1u);
  EXPECT_EQ(f.lapic.pendingVector(), -1);
  f.lw(0x360, 0x10400);  // masked
  EXPECT_FALSE(f.lapic.lint1());
  f.lw(0x360, 0x0045);  // fixed, vector 0x45
  EXPECT_TRUE(f.lapic.lint1());
  EXPECT_EQ(f.lapic.pendingVector(), 0x45);
  EXPECT_EQ(nmis, 1u);
  f.lw(0x360, 0x400);
  f.lw(0x0F0, 0x0FF);  // software disable masks LINT1
  EXPECT_FALSE(f.lapic.lint1());
  EXPECT_EQ(nmis, 1u);
}

// Several processors: an NMI IPI reaches the processors its destination names, by ID or by
// shorthand; an I/O APIC entry with delivery mode NMI sends one on the pin's edge.
TEST(ApicBus, NmiIpisAndIoApicNmisReachTheirDestinations) {
  Clock clock;
  LocalApic bsp{clock};
  ApicBus bus{clock, bsp, 3};
  unsigned nmis[3] = {0, 0, 0};
  for (unsigned k = 0; k < 3; ++k) bus.apic(k).onNmi = [&nmis, k] { ++nmis[k]; };
  bus.select(0);
  bus.mmioWrite(0x310, 0x02000000, 4);  // APIC ID 2
  bus.mmioWrite(0x300, 0x00000400, 4);  // NMI, physical
  EXPECT_EQ(nmis[0], 0u);
  EXPECT_EQ(nmis[1], 0u);
  EXPECT_EQ(nmis[2], 1u);
  bus.select(1);
  bus.mmioWrite(0x300, 0x000C0400, 4);  // all excluding self (processor 1)
  EXPECT_EQ(nmis[0], 1u);
  EXPECT_EQ(nmis[1], 0u);
  EXPECT_EQ(nmis[2], 2u);
  EXPECT_EQ(bus.apic(0).pendingVector(), -1);  // no vector enters IRR
  IoApic ioapic{bsp, 1};
  ioapic.route = [&](uint8_t dest, bool logical, unsigned mode, uint8_t vector, bool level) {
    bus.route(dest, logical, mode, vector, level);
  };
  ioapic.mmioWrite(0x00, 0x10 + 2 * 3, 4);
  ioapic.mmioWrite(0x10, 0x400, 4);  // pin 3: NMI, physical, edge
  ioapic.mmioWrite(0x00, 0x11 + 2 * 3, 4);
  ioapic.mmioWrite(0x10, 0x01000000, 4);  // destination APIC ID 1
  ioapic.setInput(3, true);
  EXPECT_EQ(nmis[1], 1u);
  ioapic.setInput(3, true);  // still high: no new edge
  EXPECT_EQ(nmis[1], 1u);
  EXPECT_EQ(nmis[0], 1u);
  EXPECT_EQ(nmis[2], 2u);
}

TEST(IoApic, IdVersionAndMaskedReset) {
  Fixture f;
  EXPECT_EQ(f.ir(0x00), 0x01000000u);
  EXPECT_EQ(f.ir(0x01), 0x00170011u);  // 24 entries (max index 23), version 0x11
  for (unsigned pin = 0; pin < 24; ++pin) EXPECT_EQ(f.ir(0x10 + 2 * pin), 0x10000u);
}

TEST(IoApic, XvRoutingDeliversIsaIrqsToTheLocalApic) {
  Fixture f;
  f.lw(0x0F0, 0x1FF);
  // ioapicenable(IRQ_COM1, 0): vector 32 + 4, edge, active high, destination CPU 0.
  f.iw(0x10 + 2 * 4, 36);
  f.iw(0x11 + 2 * 4, 0);
  f.router.setIrq(4, true);
  EXPECT_EQ(f.lapic.pendingVector(), 36);
  EXPECT_EQ(f.router.acknowledge(), 36);
  f.lw(0x0B0, 0);
  f.router.setIrq(4, true);  // still high: edge-triggered, no new interrupt
  EXPECT_EQ(f.lapic.pendingVector(), -1);
  // A masked pin drops its edges.
  f.router.setIrq(1, true);
  EXPECT_EQ(f.lapic.pendingVector(), -1);
}

TEST(IoApic, Irq0ArrivesOnPin2) {
  Fixture f;
  f.lw(0x0F0, 0x1FF);
  f.iw(0x10 + 2 * 2, 0x30);
  f.router.setIrq(0, true);
  EXPECT_EQ(f.lapic.pendingVector(), 0x30);
}

TEST(IoApic, LevelTriggeredUsesRemoteIrrUntilEoi) {
  Fixture f;
  f.lw(0x0F0, 0x1FF);
  f.iw(0x10 + 2 * 10, 0x8000 | 0x60);  // level, vector 0x60
  f.ioapic.setInput(10, true);
  EXPECT_EQ(f.ir(0x10 + 2 * 10) & 0x4000u, 0x4000u);  // remote IRR
  EXPECT_EQ(f.router.acknowledge(), 0x60);
  EXPECT_EQ(f.lr(0x180 + 0x30) & 1u, 1u);  // TMR bit 0x60 (register 3, bit 0)
  f.lw(0x0B0, 0);  // EOI reaches the I/O APIC; the line is still high: sent again
  EXPECT_EQ(f.lapic.pendingVector(), 0x60);
  f.ioapic.setInput(10, false);
  f.router.acknowledge();
  f.lw(0x0B0, 0);
  EXPECT_EQ(f.ir(0x10 + 2 * 10) & 0x4000u, 0u);
}

TEST(InterruptRouter, PicReachesIntrOnlyThroughUnmaskedExtIntLint0) {
  Fixture f;
  f.pic.ioWrite(0x20, 0x11, 1);
  f.pic.ioWrite(0x21, 0x08, 1);
  f.pic.ioWrite(0x21, 0x04, 1);
  f.pic.ioWrite(0x21, 0x01, 1);
  f.router.setIrq(1, true);
  EXPECT_FALSE(f.router.intr());  // LINT0 masked at reset
  f.lapic.firmwareDefaults();     // the BIOS sets virtual wire mode: LINT0 = ExtINT
  EXPECT_TRUE(f.router.intr());
  EXPECT_EQ(f.router.acknowledge(), 0x09);
  f.lw(0x350, 0x10000);  // xv6: lapicw(LINT0, MASKED)
  f.pic.ioWrite(0x20, 0x20, 1);
  f.router.setIrq(1, false);
  f.router.setIrq(1, true);
  EXPECT_FALSE(f.router.intr());
}

TEST(InterruptRouter, ImcrReadsBack) {
  Fixture f;
  PortBus bus;
  f.router.attach(bus);
  bus.write(0x22, 0x70, 1);
  bus.write(0x23, 0x01, 1);
  EXPECT_EQ(bus.read(0x23, 1), 0x01u);
}

// 8259A behaviour from the datasheet: initialization, masking, priority, EOI, cascade,
// IRR/ISR reads, spurious IRQ7/15, auto-EOI, poll, rotation.
#include "devices/i8259.h"

#include <gtest/gtest.h>

using namespace devices;

namespace {
// The PC BIOS initialization: ICW1 0x11 (edge, cascade, ICW4), ICW2 base, ICW3 (master: slave
// on IR2; slave: ID 2), ICW4 0x01 (8086 mode).
void initPair(PicPair& p, uint8_t masterBase = 0x20, uint8_t slaveBase = 0x28) {
  p.ioWrite(0x20, 0x11, 1);
  p.ioWrite(0x21, masterBase, 1);
  p.ioWrite(0x21, 0x04, 1);
  p.ioWrite(0x21, 0x01, 1);
  p.ioWrite(0xA0, 0x11, 1);
  p.ioWrite(0xA1, slaveBase, 1);
  p.ioWrite(0xA1, 0x02, 1);
  p.ioWrite(0xA1, 0x01, 1);
}
}  // namespace

TEST(Pic8259, VectorIsIcw2BasePlusInput) {
  PicPair p;
  initPair(p);
  p.setIrq(1, true);
  EXPECT_TRUE(p.intOutput());
  EXPECT_EQ(p.acknowledge(), 0x21);
  EXPECT_EQ(p.master().isr(), 0x02);
  EXPECT_EQ(p.master().irr(), 0x00);  // edge mode: the request latch clears at INTA
}

TEST(Pic8259, MaskedInputsDoNotInterruptButStayInIrr) {
  PicPair p;
  initPair(p);
  p.ioWrite(0x21, 0xFF, 1);  // OCW1: mask all
  EXPECT_EQ(p.ioRead(0x21, 1), 0xFFu);
  p.setIrq(4, true);
  EXPECT_FALSE(p.intOutput());
  EXPECT_EQ(p.master().irr(), 0x10);
  p.ioWrite(0x21, 0xEF, 1);  // unmask IR4
  EXPECT_TRUE(p.intOutput());
}

TEST(Pic8259, EdgeModeLatchesOnlyRisingEdges) {
  PicPair p;
  initPair(p);
  p.setIrq(3, true);
  EXPECT_EQ(p.acknowledge(), 0x23);
  p.ioWrite(0x20, 0x20, 1);  // EOI
  p.setIrq(3, true);         // still high: no new edge
  EXPECT_FALSE(p.intOutput());
  p.setIrq(3, false);
  p.setIrq(3, true);
  EXPECT_TRUE(p.intOutput());
}

TEST(Pic8259, FixedPriorityAndInServiceBlocking) {
  PicPair p;
  initPair(p);
  p.setIrq(5, true);
  EXPECT_EQ(p.acknowledge(), 0x25);
  p.setIrq(6, true);  // lower priority than IR5 in service: waits
  EXPECT_FALSE(p.intOutput());
  p.setIrq(0, true);  // higher priority: nests
  EXPECT_EQ(p.acknowledge(), 0x20);
  EXPECT_EQ(p.master().isr(), 0x21);
  p.ioWrite(0x20, 0x20, 1);  // non-specific EOI retires the highest: IR0
  EXPECT_EQ(p.master().isr(), 0x20);
  EXPECT_FALSE(p.intOutput());
  p.ioWrite(0x20, 0x65, 1);  // specific EOI for IR5 (OCW2 011 00 101)
  EXPECT_EQ(p.master().isr(), 0x00);
  EXPECT_EQ(p.acknowledge(), 0x26);
}

TEST(Pic8259, Ocw3SelectsIrrOrIsrForReads) {
  PicPair p;
  initPair(p);
  p.setIrq(7, true);  // IR7
  p.setIrq(6, true);
  EXPECT_EQ(p.ioRead(0x20, 1), 0xC0u);  // IRR after init
  p.acknowledge();                      // IR6 goes in service
  p.ioWrite(0x20, 0x0B, 1);             // OCW3: read ISR
  EXPECT_EQ(p.ioRead(0x20, 1), 0x40u);
  p.ioWrite(0x20, 0x0A, 1);  // OCW3: read IRR
  EXPECT_EQ(p.ioRead(0x20, 1), 0x80u);
}

TEST(Pic8259, SlaveInterruptsCascadeThroughMasterIr2) {
  PicPair p;
  initPair(p, 0x08, 0x70);
  p.setIrq(14, true);
  EXPECT_TRUE(p.intOutput());
  EXPECT_EQ(p.acknowledge(), 0x76);  // slave base 0x70 + 6
  EXPECT_EQ(p.master().isr(), 0x04);
  EXPECT_EQ(p.slave().isr(), 0x40);
  p.setIrq(15, true);  // lower priority on the slave: waits for the slave's EOI
  EXPECT_FALSE(p.intOutput());
  p.ioWrite(0xA0, 0x20, 1);
  p.ioWrite(0x20, 0x20, 1);
  EXPECT_TRUE(p.intOutput());
  EXPECT_EQ(p.acknowledge(), 0x77);
}

TEST(Pic8259, VanishedRequestGivesSpuriousIrq7And15) {
  PicPair p;
  initPair(p);
  EXPECT_EQ(p.acknowledge(), 0x27);   // nothing pending: the master's IR7 vector
  EXPECT_EQ(p.master().isr(), 0x00);  // and no in-service bit (datasheet: spurious IR7)
  // A slave request that drops before INTA: the master acknowledges the cascade, the slave
  // answers with its IR7 vector (IRQ15).
  p.setIrq(12, true);
  EXPECT_TRUE(p.intOutput());
  p.slave().write(true, 0xFF);        // the slave's request goes away behind the master's back
  EXPECT_EQ(p.acknowledge(), 0x2F);   // slave base 0x28 + 7
  EXPECT_EQ(p.master().isr(), 0x04);  // the master did put its cascade input in service
}

TEST(Pic8259, SpuriousMasterVectorUsesIcw2) {
  PicPair p;
  initPair(p, 0x08, 0x70);
  p.setIrq(7, true);
  p.ioWrite(0x21, 0x80, 1);          // masked between INT and INTA
  EXPECT_EQ(p.acknowledge(), 0x0F);  // master base 0x08 + 7
}

TEST(Pic8259, AutoEoiLeavesNothingInService) {
  PicPair p;
  p.ioWrite(0x20, 0x13, 1);  // ICW1: edge, single, ICW4
  p.ioWrite(0x21, 0x40, 1);  // ICW2
  p.ioWrite(0x21, 0x03, 1);  // ICW4: AEOI, 8086
  p.setIrq(1, true);
  EXPECT_EQ(p.acknowledge(), 0x41);
  EXPECT_EQ(p.master().isr(), 0x00);
}

TEST(Pic8259, LevelModeFollowsTheLine) {
  PicPair p;
  p.ioWrite(0x20, 0x1B, 1);  // ICW1: LTIM (level), single, ICW4
  p.ioWrite(0x21, 0x50, 1);
  p.ioWrite(0x21, 0x01, 1);
  p.setIrq(3, true);
  EXPECT_EQ(p.acknowledge(), 0x53);
  p.ioWrite(0x20, 0x20, 1);
  EXPECT_TRUE(p.intOutput());  // still asserted: requests again after EOI
  p.setIrq(3, false);
  EXPECT_FALSE(p.intOutput());
}

TEST(Pic8259, PollCommandActsAsAcknowledge) {
  PicPair p;
  initPair(p);
  p.setIrq(5, true);
  p.ioWrite(0x20, 0x0C, 1);             // OCW3 with P=1
  EXPECT_EQ(p.ioRead(0x20, 1), 0x85u);  // bit 7: interrupt, bits 2-0: level 5
  EXPECT_EQ(p.master().isr(), 0x20);
  p.ioWrite(0x20, 0x0C, 1);
  EXPECT_EQ(p.ioRead(0x20, 1), 0x00u);
}

TEST(Pic8259, SetPriorityRotatesTheOrder) {
  PicPair p;
  initPair(p);
  p.ioWrite(0x20, 0xC4, 1);  // OCW2 110 00 100: IR4 lowest, so IR5 highest
  p.setIrq(1, true);
  p.setIrq(6, true);
  EXPECT_EQ(p.acknowledge(), 0x26);
}

TEST(Pic8259, Icw1ClearsMaskAndState) {
  PicPair p;
  initPair(p);
  p.ioWrite(0x21, 0xAA, 1);
  initPair(p);
  EXPECT_EQ(p.ioRead(0x21, 1), 0x00u);
}

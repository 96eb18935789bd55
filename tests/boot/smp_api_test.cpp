// The C++ API on several processors (docs/api.md, docs/smp.md): which processor each event
// happened on, each processor's registers and TLB. tests/boot/smp_ipi.S is the guest: processor 0
// changes the PTE of page 0x405000 from frame 0x104000 to 0x105000 and flushes only its own TLB;
// processor 1, which read the page through frame 0x104000 before, reads it again through its
// stale entry (a missing shootdown), then flushes and reads frame 0x105000. Every number below is
// what `xray86 run --kernel smp_ipi.elf --smp 2 --trace missing-flush,cr3 --trace-format jsonl`
// prints for the same run.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "xray86/xray86.h"

namespace {

xray86::Options twoCpus() {
  xray86::Options o;
  o.kernel = std::string(BOOT_IMAGES) + "/smp_ipi.elf";
  o.cpus = 2;
  return o;
}

// The TLB entry of `linear` in `entries`, or nullptr.
const xray86::TlbEntry* find(const std::vector<xray86::TlbEntry>& entries, uint32_t linear) {
  auto it = std::find_if(entries.begin(), entries.end(),
                         [&](const xray86::TlbEntry& e) { return e.linear == linear; });
  return it == entries.end() ? nullptr : &*it;
}

TEST(SmpApi, EventsSayWhichProcessor) {
  xray86::Machine m(twoCpus());
  xray86::Stop s = m.run();
  EXPECT_EQ(s.status, 33);  // every check passed: 0x10 through port 0xF4, (0x10 << 1) | 1
  EXPECT_EQ(m.cpuCount(), 2u);
  // One missing flush: processor 1's read of 0x405000 at ap_ipi+0x65 (eip 0x1003bd) through the
  // entry that processor 0's store at start+0x240 (eip 0x10024c) made stale.
  std::vector<xray86::Event> missing = m.events("kind=missing-flush");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].cpu, 1);
  EXPECT_EQ(missing[0].writerCpu, 0);
  EXPECT_EQ(missing[0].address, 0x405000u);
  EXPECT_EQ(missing[0].eip, 0x1003bdu);
  EXPECT_EQ(missing[0].writeEip, 0x10024cu);
  EXPECT_EQ(m.counters().missingFlushes, 1u);
  // CR3 loads: processor 1's reset value at INIT and its own load, processor 0's one load.
  EXPECT_EQ(m.count("kind=cr3 and cpu=1"), 2u);
  EXPECT_EQ(m.count("kind=cr3 and cpu=0"), 1u);
  EXPECT_EQ(m.registers(0).cr3, 0x102000u);
  EXPECT_EQ(m.registers(1).cr3, 0x102000u);
  EXPECT_THROW(m.registers(2), xray86::Error);
  EXPECT_THROW(m.tlbOf(2), xray86::Error);
}

TEST(SmpApi, EachProcessorHasItsOwnTlb) {
  xray86::Machine m(twoCpus());
  // Stopped at the missing shootdown.
  xray86::Stop s = m.runUntil(xray86::EventKind::kMissingFlush);
  ASSERT_EQ(s.kind, xray86::StopKind::kEvent);
  EXPECT_EQ(m.currentCpu(), 1u);
  const xray86::TlbEntry* on0 = find(m.tlbOf(0), 0x405000);
  const xray86::TlbEntry* on1 = find(m.tlbOf(1), 0x405000);
  ASSERT_NE(on0, nullptr);
  ASSERT_NE(on1, nullptr);
  // Processor 1 reads through its entry for the old frame; in this seed's interleaving
  // processor 0 has stored the new PTE but not yet run its INVLPG, so it holds the old frame too.
  EXPECT_EQ(on0->physical, 0x104000u);
  EXPECT_EQ(on1->physical, 0x104000u);
  // tlb() and registers() are the processor that ran last.
  ASSERT_NE(find(m.tlb(), 0x405000), nullptr);
  EXPECT_EQ(find(m.tlb(), 0x405000)->physical, 0x104000u);
  EXPECT_EQ(m.registers().eip, m.registers(1).eip);
  // At the end each has flushed its own entry and read the new frame.
  m.run();
  ASSERT_NE(find(m.tlbOf(0), 0x405000), nullptr);
  ASSERT_NE(find(m.tlbOf(1), 0x405000), nullptr);
  EXPECT_EQ(find(m.tlbOf(0), 0x405000)->physical, 0x105000u);
  EXPECT_EQ(find(m.tlbOf(1), 0x405000)->physical, 0x105000u);
}

TEST(SmpApi, OptionsFromArgs) {
  xray86::Options o = xray86::Options::fromArgs(
      {"--kernel", "k.elf", "--smp", "3", "--smp-quantum", "7", "--schedule-seed", "42"});
  EXPECT_EQ(o.cpus, 3u);
  EXPECT_EQ(o.smpQuantum, 7u);
  EXPECT_EQ(o.scheduleSeed, 42u);
  xray86::Options bad = twoCpus();
  bad.cpus = 9;
  std::string error;
  EXPECT_EQ(xray86::Machine::create(bad, error), nullptr);
  EXPECT_EQ(error, "cpus 9: expected 1 to 8");
}

}  // namespace

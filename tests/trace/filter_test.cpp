// The --trace-filter language (emu/trace/filter.h) on hand-made records: every field, kind word
// and class, the fields an event lacks, symbols, Filter::kinds, and one-line errors that name the
// column. The API's xray86::Filter is this language (tests/guest/api_test.cpp cross-checks a
// count against `xray86 run --trace-filter`).
#include "emu/trace/filter.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "emu/trace/symbols.h"

namespace {

using trace::Kind;
using trace::Record;

constexpr uint32_t bit(Kind k) {
  return 1u << static_cast<unsigned>(k);
}

// A page fault: user write to a present page (error code P | W | U = 7, Intel SDM vol. 3A 4.7),
// CR2 0x1234, at EIP 0x100, CPL 3, CR3 0x5000 with low flag bits 0x018 (ignored by `cr3`).
Record fault(uint32_t errorCode = 7, uint32_t cr2 = 0x1234, uint32_t repeat = 1) {
  Record r;
  r.kind = Kind::kPageFault;
  r.ctx.cycle = 1000;
  r.ctx.instructions = 90;
  r.ctx.eip = 0x100;
  r.ctx.cpl = 3;
  r.ctx.cr3 = 0x5018;
  r.address = cr2;
  r.errorCode = errorCode;
  r.repeat = repeat;
  return r;
}

Record resolution(trace::Resolution how, uint32_t errorCode = 7) {
  Record r = fault(errorCode);
  r.kind = Kind::kResolve;
  r.repeat = 0;
  r.resolution = how;
  return r;
}

Record ofKind(Kind k) {
  Record r;
  r.kind = k;
  r.ctx.eip = 0x80101000;
  r.address = 0x2000;
  return r;
}

Record call(Kind k, uint8_t vector, uint32_t eax) {
  Record r = ofKind(k);
  r.vector = vector;
  r.eax = eax;
  return r;
}

class FilterTest : public ::testing::Test {
 protected:
  // Parses `text` (failing the test on an error) and tests `r`.
  bool match(const std::string& text, const Record& r) {
    std::string error;
    std::unique_ptr<trace::Filter> f = trace::Filter::parse(text, symbols_, error);
    EXPECT_NE(f, nullptr) << text << ": " << error;
    return f && f->matches(r);
  }
  // The parser's error for `text` (and that it is one line).
  std::string error(const std::string& text) {
    std::string e;
    EXPECT_EQ(trace::Filter::parse(text, symbols_, e), nullptr) << text;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    return e;
  }
  uint32_t kinds(const std::string& text) {
    std::string e;
    auto f = trace::Filter::parse(text, symbols_, e);
    EXPECT_NE(f, nullptr) << e;
    return f ? f->kinds() : 0;
  }
  trace::SymbolTable symbols_;
};

TEST_F(FilterTest, KindWordsSelectAFaultItsResolutionOrBoth) {
  Record pf = fault(), res = resolution(trace::Resolution::kCopied);
  // pf (as --trace pf): the fault and its resolution; fault and resolve: one each.
  EXPECT_TRUE(match("kind=pf", pf));
  EXPECT_TRUE(match("kind=pf", res));
  EXPECT_TRUE(match("kind=fault", pf));
  EXPECT_FALSE(match("kind=fault", res));
  EXPECT_FALSE(match("kind=resolve", pf));
  EXPECT_TRUE(match("kind=resolve", res));
  // sys: a call and its return; syscall and sysret: one each.
  Record sys = call(Kind::kSyscall, 0x40, 1), ret = call(Kind::kSysReturn, 0x40, 1);
  EXPECT_TRUE(match("kind=sys", sys));
  EXPECT_TRUE(match("kind=sys", ret));
  EXPECT_TRUE(match("kind=syscall", sys));
  EXPECT_FALSE(match("kind=syscall", ret));
  EXPECT_TRUE(match("kind=sysret", ret));
  EXPECT_TRUE(match("kind=tlb,stale", ofKind(Kind::kStaleTlbUse)));
  EXPECT_FALSE(match("kind!=tlb,stale", ofKind(Kind::kStaleTlbUse)));
  EXPECT_TRUE(match("kind=all", ofKind(Kind::kHalt)));
}

TEST_F(FilterTest, ErrorCodeClassesAsTheTracePrintsThem) {
  Record cow = fault(7);  // protection|write|user
  for (const char* yes : {"protection", "write", "user"}) EXPECT_TRUE(match(yes, cow)) << yes;
  for (const char* no : {"not-present", "read", "kernel", "reserved"})
    EXPECT_FALSE(match(no, cow)) << no;
  // 0xA = RSVD | W, P and U clear: not-present|write|kernel|reserved.
  Record rsvd = fault(0xA);
  for (const char* yes : {"not-present", "write", "kernel", "reserved"})
    EXPECT_TRUE(match(yes, rsvd)) << yes;
  for (const char* no : {"protection", "read", "user"}) EXPECT_FALSE(match(no, rsvd)) << no;
  // 0 = not-present|read|kernel.
  EXPECT_TRUE(match("not-present and read and kernel", fault(0)));
  // A resolution carries its fault's error code; no other record has a class.
  EXPECT_TRUE(match("protection and write and user", resolution(trace::Resolution::kCopied)));
  EXPECT_FALSE(match("write", ofKind(Kind::kTlbFlush)));
  EXPECT_FALSE(match("kernel", ofKind(Kind::kException)));
  EXPECT_TRUE(match("not write", ofKind(Kind::kTlbFlush)));  // the negation of a test it lacks
  // The example of docs/trace.md: CR2 in [0x1000, 0x9000).
  const char* example = "kind=pf and protection and write and user and cr2 in 0x1000..0x9000";
  EXPECT_TRUE(match(example, fault(7, 0x1000)));
  EXPECT_TRUE(match(example, fault(7, 0x8fff)));
  EXPECT_FALSE(match(example, fault(7, 0x9000)));  // half-open
  EXPECT_FALSE(match(example, fault(5, 0x2000)));  // a read
  EXPECT_FALSE(match(example, fault(3, 0x2000)));  // the kernel's
}

TEST_F(FilterTest, ResolutionWordsOnlyOnResolutions) {
  using R = trace::Resolution;
  const std::pair<R, const char*> words[] = {
      {R::kCopied, "copied"}, {R::kMadeWritable, "made-writable"},
      {R::kMapped, "mapped"}, {R::kUnchanged, "unchanged"},
      {R::kKilled, "killed"}, {R::kUnresolved, "unresolved"}};
  for (auto [how, word] : words) {
    for (auto [other, otherWord] : words) {
      EXPECT_EQ(match(otherWord, resolution(how)), how == other) << word << " vs " << otherWord;
    }
    EXPECT_FALSE(match(word, fault())) << word;  // a fault has no resolution yet
  }
}

TEST_F(FilterTest, VectorEaxAndRepeatExistOnlyWhereTheEventHasThem) {
  Record exc = call(Kind::kException, 13, 0), irq = call(Kind::kInterrupt, 0x20, 0);
  Record sys = call(Kind::kSyscall, 0x40, 2), ret = call(Kind::kSysReturn, 0x40, 2);
  EXPECT_TRUE(match("vector=13", exc));
  EXPECT_TRUE(match("vector=0x20", irq));
  EXPECT_TRUE(match("vector=64 and eax=2", sys));
  EXPECT_TRUE(match("kind=sysret and eax=2", ret));
  EXPECT_FALSE(match("eax=2", exc));         // only calls have a call number
  EXPECT_FALSE(match("vector=0", fault()));  // a #PF record has no vector field
  EXPECT_FALSE(match("vector>=0", ofKind(Kind::kTlbFlush)));
  EXPECT_TRUE(match("repeat=1", fault()));
  EXPECT_TRUE(match("repeat>2", fault(7, 0x1234, 3)));
  EXPECT_FALSE(match("repeat>=0", resolution(trace::Resolution::kCopied)));
}

TEST_F(FilterTest, ContextFieldsAndAddresses) {
  Record pf = fault();
  EXPECT_TRUE(match("cr3=0x5000", pf));  // CR3 & ~0xFFF: the flag bits 0x018 do not count
  EXPECT_TRUE(match("cr3=0x5fff", pf));  // the number is masked the same way
  EXPECT_TRUE(match("cpl=3 and eip=0x100 and cycle=1000 and insns=90", pf));
  EXPECT_TRUE(match(
      "cycle in 1000..1001 and cycle >= 1000 and cycle < 1001 and cycle > 999 and cycle <= 1000",
      pf));
  EXPECT_TRUE(match("addr=0x1234 && cr2=0x1234 || cpl=0", pf));
  EXPECT_FALSE(match("cr2=0x2000", ofKind(Kind::kTlbMiss)));  // cr2: faults and resolutions only
  EXPECT_TRUE(match("addr=0x2000", ofKind(Kind::kTlbMiss)));
  EXPECT_FALSE(match("addr=0x2000", ofKind(Kind::kSysReturn)));
  EXPECT_FALSE(match("addr=0x2000", ofKind(Kind::kHalt)));
  EXPECT_TRUE(match("!(cpl=0) and not (cpl=1 or cpl=2)", pf));
}

// The process fields: asid (the address space's lifetime), pid (the kernel's), parent (the asid
// forked from); each false where the record has none.
TEST_F(FilterTest, ProcessFields) {
  Record pf = fault();
  pf.asid = 7;
  pf.pid = 5;
  pf.parent = 3;
  EXPECT_TRUE(match("asid=7 and pid=5 and parent=3", pf));
  EXPECT_TRUE(match("asid 7 and pid 5 and parent 3", pf));  // a number right after: equal
  EXPECT_TRUE(match("child of 3", pf));
  EXPECT_FALSE(match("child of 7", pf));
  EXPECT_TRUE(match("asid in 5..8 and pid >= 5 and not pid 6", pf));
  Record none = fault();  // no address space yet, no pid, no parent
  EXPECT_FALSE(match("asid=0", none));
  EXPECT_FALSE(match("pid=0 or pid!=0", none));
  EXPECT_FALSE(match("child of 0", none));
  EXPECT_TRUE(match("not pid 5", none));
  EXPECT_EQ(error("child 3"),
            "--trace-filter: column 7: expected 'of' after 'child' (child of ASID)");
  EXPECT_EQ(error("child of x"),
            "--trace-filter: column 10: expected an asid (a number) after 'child of'");
}

TEST_F(FilterTest, SymbolsNameEipRanges) {
  std::string e;
  ASSERT_TRUE(symbols_.loadFile(PAGING_ELF, e)) << e;
  auto s = symbols_.find("test_cow_copy");
  ASSERT_TRUE(s);
  Record r = ofKind(Kind::kTlbFlush);
  r.ctx.eip = s->start;
  EXPECT_TRUE(match("eip in test_cow_copy", r));
  EXPECT_TRUE(match("eip = test_cow_copy", r));
  r.ctx.eip = s->end;  // the range is [start, end)
  EXPECT_FALSE(match("eip in test_cow_copy", r));
  EXPECT_EQ(error("eip in no_such_symbol"),
            "--trace-filter: column 8: no symbol 'no_such_symbol' (load one with --symbols)");
}

TEST_F(FilterTest, KindsAreWhatACallerMustRecord) {
  const uint32_t all = (1u << trace::kKindCount) - 1;
  EXPECT_EQ(kinds("kind=fault and write"), bit(Kind::kPageFault));
  EXPECT_EQ(kinds("kind=pf"), bit(Kind::kPageFault) | bit(Kind::kResolve));
  EXPECT_EQ(kinds("kind=miss and cpl=3"), bit(Kind::kTlbMiss));
  EXPECT_EQ(kinds("not kind=miss"), all & ~bit(Kind::kTlbMiss));
  EXPECT_EQ(kinds("kind=miss or cpl=3"), all);  // other kinds may match cpl=3
  EXPECT_EQ(kinds("cpl=3"), all);
  EXPECT_EQ(kinds("kind=tlb and not kind=tlb"), 0u);
}

TEST_F(FilterTest, ErrorsAreOneLineAndNameTheColumn) {
  // Columns count from 1: "kind=pf and " is 12 characters, so the next word starts at 13.
  EXPECT_EQ(
      error("kind=pf and wrte"),
      "--trace-filter: column 13: unknown field 'wrte' (kind, cr3, asid, pid, parent, eip, "
      "cr2, addr, cpl, cycle, insns, vector, eax, repeat, writer, cpu; or not-present, protection, "
      "read, write, kernel, user, reserved, copied, "
      "made-writable, "
      "mapped, unchanged, killed, unresolved)");
  EXPECT_EQ(error("kind=fautl"),
            "--trace-filter: column 6: unknown kind 'fautl' (pf, tlb, miss, cr3, exc, int, sys, "
            "io, insn, stale, "
            "missing-flush, halt, all, fault, resolve, syscall, sysret)");
  EXPECT_EQ(error("vector=zz"), "--trace-filter: column 8: expected a number (decimal or 0x hex)");
  // "cr2 in 0x1000" is 13 characters: the missing '..' is at the end, column 14.
  EXPECT_EQ(error("cr2 in 0x1000"), "--trace-filter: column 14: expected '..' in a range");
  EXPECT_EQ(error("(protection"), "--trace-filter: column 12: expected ')'");
  EXPECT_EQ(error("protection write"), "--trace-filter: column 12: unexpected 'write'");
  EXPECT_EQ(error("user < 3").rfind("--trace-filter: column 6: unexpected '<'", 0), 0u);
  EXPECT_EQ(error("").rfind("--trace-filter: column 1: expected a field", 0), 0u);
  // The filter-only kind words are not --trace kinds.
  uint32_t bits = 0;
  std::string e;
  EXPECT_FALSE(trace::parseKindList("pf,fault", bits, e));
  EXPECT_EQ(e,
            "--trace: unknown kind 'fault' (pf, tlb, miss, cr3, exc, int, sys, io, insn, stale, "
            "missing-flush, halt, all)");
  EXPECT_TRUE(trace::parseKindList("pf,sys", bits, e));
  EXPECT_EQ(bits, bit(Kind::kPageFault) | bit(Kind::kResolve) | bit(Kind::kSyscall) |
                      bit(Kind::kSysReturn));
}

}  // namespace

// System instructions on our CPU and on Unicorn from the same protected-mode tables (system.h):
// zero mismatches over options().systemCount instructions under test.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/diff/options.h"
#include "tests/diff/system.h"

namespace emu::diff {
namespace {

TEST(UnicornDiff, SystemInstructions) {
  const Options& o = options();
  SystemHarness h(o.seed);
  ASSERT_TRUE(h.calibrated())
      << "Unicorn's saved context did not reveal its error code and segment caches";
  Totals t = h.run(o.systemCount);
  std::printf(
      "system: seed %llu, %llu sequences, %llu instructions under test (%llu with setups), "
      "%llu ended in an exception, %llu mismatches\n",
      static_cast<unsigned long long>(o.seed), static_cast<unsigned long long>(t.sequences),
      static_cast<unsigned long long>(t.generated), static_cast<unsigned long long>(t.executed),
      static_cast<unsigned long long>(t.exceptions), static_cast<unsigned long long>(t.mismatches));
  std::printf("system: exceptions by vector:");
  for (int v = 0; v < 32; ++v)
    if (h.vectorCounts()[v])
      std::printf(" #%d %llu", v, static_cast<unsigned long long>(h.vectorCounts()[v]));
  std::printf("\n");
  EXPECT_GE(t.generated, o.systemCount);
  EXPECT_EQ(t.mismatches, 0u);
}

}  // namespace
}  // namespace emu::diff

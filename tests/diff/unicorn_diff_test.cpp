// Random instruction sequences on our CPU and on Unicorn, 32-bit protected mode (flat segments)
// and 16-bit real mode: zero mismatches over options().count instructions per mode.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/diff/harness.h"
#include "tests/diff/options.h"

namespace emu::diff {
namespace {

void runMode(bool code32) {
  const Options& o = options();
  DiffHarness h(code32, o.seed);
  Totals t = h.run(o.count);
  std::printf(
      "%d-bit: seed %llu, %llu sequences, %llu instructions under test (%llu with setups), "
      "%llu ended in an exception, %llu mismatches\n",
      code32 ? 32 : 16, static_cast<unsigned long long>(o.seed),
      static_cast<unsigned long long>(t.sequences), static_cast<unsigned long long>(t.generated),
      static_cast<unsigned long long>(t.executed), static_cast<unsigned long long>(t.exceptions),
      static_cast<unsigned long long>(t.mismatches));
  EXPECT_GE(t.generated, o.count);
  EXPECT_EQ(t.mismatches, 0u);
}

TEST(UnicornDiff, ProtectedMode32) {
  runMode(true);
}
TEST(UnicornDiff, RealMode16) {
  runMode(false);
}

}  // namespace
}  // namespace emu::diff

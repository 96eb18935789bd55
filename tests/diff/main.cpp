// diff_tests' main: Google Test's options, plus the differential run's seed and length.
//   --seed=N / XRAY86_DIFF_SEED=N     the generator's seed (default 1, what CI runs)
//   --count=N / XRAY86_DIFF_COUNT=N   instructions per mode (default 100000)
//   --system-count=N / XRAY86_DIFF_SYSTEM_COUNT=N   system instructions (default 50000)
// The command line wins over the environment.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/diff/options.h"

namespace emu::diff {

Options& options() {
  static Options o;
  return o;
}

namespace {
bool parseNumber(const char* text, uint64_t& out) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(text, &end, 0);
  if (end == text || *end != '\0') return false;
  out = v;
  return true;
}
}  // namespace

}  // namespace emu::diff

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  emu::diff::Options& o = emu::diff::options();
  struct Setting {
    const char* flag;
    const char* env;
    uint64_t* value;
  } settings[] = {{"--seed=", "XRAY86_DIFF_SEED", &o.seed},
                  {"--count=", "XRAY86_DIFF_COUNT", &o.count},
                  {"--system-count=", "XRAY86_DIFF_SYSTEM_COUNT", &o.systemCount}};
  for (const Setting& s : settings) {
    if (const char* e = std::getenv(s.env)) {
      if (!emu::diff::parseNumber(e, *s.value)) {
        std::fprintf(stderr, "diff_tests: %s=%s is not a number\n", s.env, e);
        return 2;
      }
    }
  }
  for (int k = 1; k < argc; ++k) {
    bool known = false;
    for (const Setting& s : settings) {
      size_t n = std::strlen(s.flag);
      if (std::strncmp(argv[k], s.flag, n) == 0) {
        if (!emu::diff::parseNumber(argv[k] + n, *s.value)) {
          std::fprintf(stderr, "diff_tests: %s is not a number\n", argv[k]);
          return 2;
        }
        known = true;
      }
    }
    if (!known) {
      std::fprintf(stderr, "diff_tests: unknown option %s (see --help)\n", argv[k]);
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}

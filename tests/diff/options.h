// The differential run's settings (main.cpp parses them from the command line and environment).
#pragma once

#include <cstdint>

namespace emu::diff {

struct Options {
  uint64_t seed = 1;             // CI's fixed seed
  uint64_t count = 100000;       // generated instructions per mode
  uint64_t systemCount = 50000;  // system instructions under test (system_diff_test.cpp)
};

Options& options();

}  // namespace emu::diff

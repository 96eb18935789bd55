// The whole PC running random code: the input is the code of a multiboot kernel (the a.out
// kludge, loaded at 1 MB), entered in flat 32-bit protected mode with IF=0 as multiboot leaves
// it, on a 2 MB machine with every device; it runs for at most 20,000 instructions or 2,000,000
// cycles (61 ms of guest time at the nominal 33 MHz), whichever comes first. Checks: ASan, UBSan,
// and no hang (libFuzzer's -timeout): every way the guest can end (exit port, reset, triple
// fault, a halt nothing wakes) must come back.
#include <cstdint>

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMaxCode = 64 * 1024;
  std::vector<uint8_t> kernel =
      fuzz::kludgeKernel(std::span<const uint8_t>(data, size > kMaxCode ? kMaxCode : size));
  fuzz::NullSink sink;
  std::unique_ptr<emu::Machine> m = fuzz::bootKernel(kernel, sink);
  m->run(20000, 2000000);
  return 0;
}

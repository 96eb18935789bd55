// The multiboot loader (devices/multiboot.cpp): ELF32 program headers and the a.out kludge's
// addresses, checked against the file and RAM. The input is the kernel file; it is also loaded as
// a module, with arguments, so module placement and the information structure run too. Checks,
// besides ASan and UBSan: a refusal comes with a one-line error.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "devices/firmware.h"
#include "devices/ram.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  devices::Ram ram(4u << 20);
  devices::MultibootOptions options;
  options.kernel = "fuzz-kernel";
  options.cmdline = "console=serial";
  options.files[options.kernel] = std::span<const uint8_t>(data, size);
  options.modules.push_back("fuzz-kernel module arguments");
  devices::BootState state;
  std::string error;
  if (!devices::loadMultiboot(ram, options, state, error) &&
      (error.empty() || error.find('\n') != std::string::npos)) {
    std::fprintf(stderr, "multiboot_fuzz: refused without a one-line error: [%s]\n", error.c_str());
    std::abort();
  }
  return 0;
}

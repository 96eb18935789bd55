// The raw disk boot path: the input is a disk image (padded to whole 512-byte sectors, at most 64
// sectors, with the boot signature 55 AA forced into sector 0) in a memory file the machine opens
// read-write like any --disk; the built-in BIOS boots its sector 0 at 0000:7C00, and the code
// runs for at most 20,000 instructions or 2,000,000 cycles, with the BIOS's disk services and the
// ATA controller to read and write the other sectors. Checks: ASan, UBSan, and no hang (libFuzzer's
// -timeout).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static int fd = [] {
    int f = memfd_create("xray86-fuzz-disk", 0);
    if (f < 0) {
      std::perror("boot_sector_fuzz: memfd_create");
      std::abort();
    }
    return f;
  }();
  constexpr size_t kMaxSectors = 64;
  size_t bytes = size > kMaxSectors * 512 ? kMaxSectors * 512 : size;
  std::vector<uint8_t> image((bytes + 511) / 512 * 512, 0);
  if (image.empty()) image.resize(512);
  std::copy(data, data + bytes, image.begin());
  image[510] = 0x55;
  image[511] = 0xAA;
  if (ftruncate(fd, 0) != 0 ||
      pwrite(fd, image.data(), image.size(), 0) != static_cast<ssize_t>(image.size())) {
    std::perror("boot_sector_fuzz: writing the disk image");
    std::abort();
  }
  fuzz::NullSink sink;
  emu::MachineConfig config;
  config.memMb = 2;
  config.disks.push_back("/proc/self/fd/" + std::to_string(fd));
  config.console = &sink;
  std::string error;
  std::unique_ptr<emu::Machine> m = emu::Machine::create(config, error);
  if (!m) {
    std::fprintf(stderr, "boot_sector_fuzz: the disk did not boot: %s\n", error.c_str());
    std::abort();
  }
  m->run(20000, 2000000);
  return 0;
}

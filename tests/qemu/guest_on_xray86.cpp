// guest_on_xray86: boot the guest on xray86's Machine the way the QEMU tests
// boot it on qemu-system-i386, so that guest_qemu_test.sh can check both alike.
//
//   guest_on_xray86 [--smp N] KERNEL ARCHIVE CMDLINE < INPUT    (multiboot, like QEMU's -kernel)
//   guest_on_xray86 [--smp N] --disk IMAGE < INPUT              (the raw disk, through the BIOS)
//
// --smp N: N processors (docs/smp.md), in turns drawn from schedule seed 0.
//
// Standard input is typed into COM1; COM1's output goes to standard output.
// Exits with the Machine's exit status, which for a guest that powers off
// through port 0xF4 is QEMU's isa-debug-exit code, ((status << 1) | 1) & 0xFF.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "emu/machine/machine.h"

int main(int argc, char** argv) {
  emu::MachineConfig config;
  if (argc >= 3 && std::string(argv[1]) == "--smp") {
    config.cpus = static_cast<unsigned>(std::atoi(argv[2]));
    if (config.cpus < 1 || config.cpus > emu::kMaxCpus) {
      std::fprintf(stderr, "guest_on_xray86: --smp %s: expected 1 to %u\n", argv[2], emu::kMaxCpus);
      return 2;
    }
    argc -= 2;
    argv += 2;
  }
  if (argc == 3 && std::string(argv[1]) == "--disk") {
    config.disks = {argv[2]};
    config.snapshot = true;  // the image stays untouched
  } else if (argc == 4) {
    config.kernel = argv[1];
    config.modules = {argv[2]};
    config.cmdline = argv[3];
  } else {
    std::fprintf(stderr,
                 "usage: guest_on_xray86 [--smp N] KERNEL ARCHIVE CMDLINE < INPUT\n"
                 "       guest_on_xray86 [--smp N] --disk IMAGE < INPUT\n");
    return 2;
  }
  config.input = std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::string error;
  auto machine = emu::Machine::create(config, error);
  if (!machine) {
    std::fprintf(stderr, "guest_on_xray86: %s\n", error.c_str());
    return 2;
  }
  // Generous limits: cowtest needs well under a billion instructions; the
  // ctest timeout stops a guest that hangs in its idle loop.
  constexpr uint64_t kMaxInstructions = 20'000'000'000;
  auto outcome = machine->run(kMaxInstructions, ~uint64_t{0});
  std::fflush(stdout);
  if (outcome.kind != emu::Machine::Outcome::Kind::kGuestExit)
    std::fprintf(stderr, "guest_on_xray86: %s\n", outcome.message.c_str());
  return outcome.status;
}

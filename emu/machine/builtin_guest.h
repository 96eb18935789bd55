// The built-in teaching kernel (guest/) and its initial archive, embedded in the xray86 binary so
// that `xray86 run` with no image boots it.
//
// builtin_guest.cpp defines: builtinGuest, kBuiltinKernelName, kBuiltinArchiveName,
//   builtinDemoScript, checkBuiltinCmdline.
// builtin_guest.S holds the bytes (.incbin of the files the guest build made).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace emu {

struct BuiltinGuest {
  std::span<const uint8_t> kernel;   // guest/kernel.elf: multiboot ELF32 with symbols
  std::span<const uint8_t> archive;  // guest/archive.img: the user programs (multiboot module)
};
const BuiltinGuest& builtinGuest();

// The names the embedded files go by: in the kernel's multiboot command line and module line,
// in error messages, and as keys for in-memory files (MachineConfig::files).
extern const char* const kBuiltinKernelName;
extern const char* const kBuiltinArchiveName;

// What `xray86 run` types into the shell when no --input is given: the COW demonstration.
const char* builtinDemoScript();

// Checks a --cmdline for the built-in kernel against the options its own parser accepts
// (guest/kernel/options.c, read at build time by emu/machine/kernel_options.cmake; docs/lab.md):
// false with a one-line `error` that lists the valid words. The kernel itself only warns of an
// unknown word and runs its default, which a student would take for the variant asked for; here
// it is refused before the machine starts.
bool checkBuiltinCmdline(const std::string& cmdline, std::string& error);

}  // namespace emu

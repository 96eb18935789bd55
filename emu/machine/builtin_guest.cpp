// The built-in guest: spans over the bytes builtin_guest.S embeds.
#include "emu/machine/builtin_guest.h"

#include <algorithm>
#include <utility>

extern "C" {
extern const uint8_t xray86_builtin_kernel[], xray86_builtin_kernel_end[];
extern const uint8_t xray86_builtin_archive[], xray86_builtin_archive_end[];
}

namespace emu {

const char* const kBuiltinKernelName = "(built-in)/kernel.elf";
const char* const kBuiltinArchiveName = "(built-in)/archive.img";

const BuiltinGuest& builtinGuest() {
  static const BuiltinGuest guest{
      {xray86_builtin_kernel,
       static_cast<size_t>(xray86_builtin_kernel_end - xray86_builtin_kernel)},
      {xray86_builtin_archive,
       static_cast<size_t>(xray86_builtin_archive_end - xray86_builtin_archive)}};
  return guest;
}

// cowtest runs the lab's checks (each line ok/FAIL with its numbers); free prints
// getNumFreePages() before and after forkstorm (8 rounds of fork, write 4 heap pages, exit), so
// the student sees every frame come back. `exit` ends the shell, and under run=sh the kernel
// powers off with the shell's status (guest/kernel/proc.c).
const char* builtinDemoScript() {
  return "cowtest\nfree\nforkstorm 8 4\nfree\nexit\n";
}

namespace {
// The kernel's options and their values (guest/kernel/options.c); mem= takes a number.
constexpr std::pair<const char*, const char*> kVariants[] = {
    {"fork", "cow eager"},        {"cow_trap", "on off"},   {"cow_fault", "cow naive"},
    {"cow_mark", "writable all"}, {"cow_fix", "on keepro"}, {"cow_flush", "lcr3 invlpg none"},
};

std::string validWords() {
  std::string s;
  for (auto [key, values] : kVariants) {
    std::string v = values;
    for (size_t i; (i = v.find(' ')) != std::string::npos;) v[i] = '|';
    s += std::string(key) + "=" + v + ", ";
  }
  return s + "mem=MB, run=PROGRAM ARGS";
}
}  // namespace

bool checkBuiltinCmdline(const std::string& cmdline, std::string& error) {
  size_t at = 0;
  while (at < cmdline.size()) {
    size_t start = cmdline.find_first_not_of(' ', at);
    if (start == std::string::npos) break;
    if (cmdline.compare(start, 4, "run=") == 0) break;  // the rest is the program's
    size_t end = std::min(cmdline.find(' ', start), cmdline.size());
    std::string word = cmdline.substr(start, end - start);
    at = end;
    size_t eq = word.find('=');
    std::string key = word.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : word.substr(eq + 1);
    bool ok = false;
    if (key == "mem") {
      ok = !value.empty() && value.size() <= 5 &&
           value.find_first_not_of("0123456789") == std::string::npos && std::stoi(value) > 0;
    }
    for (auto [k, values] : kVariants) {
      if (key != k || value.empty() || value.find(' ') != std::string::npos) continue;
      std::string list = std::string(" ") + values + " ";
      ok = list.find(" " + value + " ") != std::string::npos;
    }
    if (!ok) {
      error = "--cmdline: the built-in kernel has no option " + word + "; it knows " +
              validWords() + " (docs/lab.md)";
      return false;
    }
  }
  return true;
}

}  // namespace emu

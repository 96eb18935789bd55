// The built-in guest: spans over the bytes builtin_guest.S embeds.
#include "emu/machine/builtin_guest.h"

#include <algorithm>

#include "emu/machine/kernel_options.h"  // generated from guest/kernel/options.c

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
using kernel_options::kOptions;
using kernel_options::kRestOfLine;

// "fork=cow|eager, ..., mem=N, run=PROGRAM ARGS": every word the kernel's parser accepts.
std::string validWords() {
  std::string s;
  for (const kernel_options::Option& o : kOptions) {
    std::string v = *o.values ? o.values : "N";
    std::replace(v.begin(), v.end(), ' ', '|');
    s += std::string(o.key) + "=" + v + ", ";
  }
  for (const char* key : kRestOfLine) s += std::string(key) + "=PROGRAM ARGS, ";
  return s.substr(0, s.size() - 2);
}

// Where a key that takes the rest of the line starts at `at`: the rest is the program's.
bool restOfLine(const std::string& cmdline, size_t at) {
  for (const char* key : kRestOfLine) {
    std::string k = std::string(key) + "=";
    if (cmdline.compare(at, k.size(), k) == 0) return true;
  }
  return false;
}

bool accepted(const std::string& key, const std::string& value) {
  for (const kernel_options::Option& o : kOptions) {
    if (key != o.key || value.empty()) continue;
    if (!*o.values) {  // a number: the kernel reads up to 5 digits, and 0 is not one
      return value.size() <= 5 && value.find_first_not_of("0123456789") == std::string::npos &&
             std::stoi(value) > 0;
    }
    std::string list = std::string(" ") + o.values + " ";
    if (list.find(" " + value + " ") != std::string::npos) return true;
  }
  return false;
}
}  // namespace

bool checkBuiltinCmdline(const std::string& cmdline, std::string& error) {
  size_t at = 0;
  while (at < cmdline.size()) {
    size_t start = cmdline.find_first_not_of(' ', at);
    if (start == std::string::npos) break;
    if (restOfLine(cmdline, start)) break;
    size_t end = std::min(cmdline.find(' ', start), cmdline.size());
    std::string word = cmdline.substr(start, end - start);
    at = end;
    size_t eq = word.find('=');
    std::string key = word.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : word.substr(eq + 1);
    if (!accepted(key, value)) {
      error = "--cmdline: the built-in kernel has no option " + word + "; it knows " +
              validWords() + " (docs/lab.md)";
      return false;
    }
  }
  return true;
}

}  // namespace emu

// QEMU's options and misspelt ones.
#include "emu/cli/usage_hints.h"

#include <algorithm>
#include <utility>

namespace cli {

namespace {

// QEMU's options a student of the lab types from habit (the lab's Makefile runs QEMU), and what
// xray86 run says instead.
constexpr std::pair<const char*, const char*> kQemu[] = {
    {"-kernel", "use --kernel FILE"},
    {"-append", "use --cmdline TEXT"},
    {"-initrd", "use --module FILE"},
    {"-hda", "use --disk FILE"},
    {"-hdb", "use --disk-slave FILE"},
    {"-drive", "use --disk FILE (the master) and --disk-slave FILE"},
    {"-bios", "use --bios ROM"},
    {"-m", "use --mem MB"},
    {"-d", "use --trace LIST (-d int is --trace exc,int; page faults alone: --trace pf)"},
    {"-D", "use --trace-out FILE"},
    {"-gdb", "use --gdb PORT (-gdb tcp::1234 is --gdb 1234)"},
    {"-nographic",
     "not needed: the console is on standard output, and no window opens unless "
     "--view"},
    {"-display", "use --display text (the CGA screen in the terminal) or --view (a window)"},
    {"-serial", "not needed: COM1 is standard output (or --console-file FILE)"},
    {"-smp", "use --smp N (-smp 2 is --smp 2; docs/smp.md)"},
    {"-cpu", "xray86 emulates one CPU, an 80386 with a 486's INVLPG"},
    {"-machine", "xray86 emulates one machine, a PC"},
    {"-M", "xray86 emulates one machine, a PC"},
    {"-no-reboot", "not needed: a guest reset ends the run"},
    {"-icount", "not needed: guest time is the cycle counter, the same on every run"},
    {"-device", "not needed: the exit port 0xF4 (isa-debug-exit) is built in"},
};

size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The option of `run` nearest to `name` ("--trace-filer"), if near enough to be a typo.
std::optional<std::string> nearest(const CLI::App& run, const std::string& name) {
  std::optional<std::string> best;
  size_t bestDistance = std::max<size_t>(2, name.size() / 4) + 1;
  for (const CLI::Option* o : run.get_options()) {
    for (const std::string& l : o->get_lnames()) {
      size_t d = distance(name, "--" + l);
      if (d < bestDistance) {
        bestDistance = d;
        best = "--" + l;
      }
    }
  }
  return best;
}

}  // namespace

std::optional<std::string> usageHint(const CLI::App& run, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (a.size() < 2 || a[0] != '-') continue;
    std::string name = a.substr(0, a.find('='));
    const CLI::Option* known = run.get_option_no_throw(name);
    if (known != nullptr) {
      // Skip the value of an option that takes one: it may begin with '-'.
      if (known->get_type_size() != 0 && name == a) ++i;
      continue;
    }
    for (auto [qemu, answer] : kQemu) {
      if (a == qemu) return a + " is QEMU's: " + answer;
    }
    if (name == "-h" || name == "--help") continue;
    if (name.size() == 2 && name[1] != '-') continue;  // -x: the parser's own message
    std::string asLong = name[1] == '-' ? name : "-" + name;
    if (run.get_option_no_throw(asLong) != nullptr) {
      return "unknown option " + name + "; did you mean " + asLong + "?";
    }
    if (std::optional<std::string> n = nearest(run, asLong)) {
      return "unknown option " + name + "; did you mean " + *n + "?";
    }
    return "unknown option " + name + " (xray86 run --help lists them)";
  }
  return std::nullopt;
}

}  // namespace cli

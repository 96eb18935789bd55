// `xray86 run --view` (the window) and `--view-png FILE --view-at WHEN` (headless pictures).
// SDL is initialised only here, and only when one of these options is given.
//
// view_cli.cpp defines: ViewCli, addViewOptions, runView.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "emu/cli/machine_cli.h"
#include "emu/trace/trace_cli.h"
#include "emu/view/model.h"

namespace view {

struct ViewCli {
  bool window = false;              // --view
  std::vector<std::string> png;     // --view-png FILE (repeatable; pairs with --view-at)
  std::vector<std::string> at;      // --view-at WHEN
  std::string keys;                 // --view-keys: scripted key presses for the window
  std::string size = "1280x800";    // --view-size WxH
  unsigned cowBit = kDefaultCowBit;  // --cow-bit
  bool enabled() const { return window || !png.empty() || !at.empty(); }
};

// Adds --view, --view-png, --view-at, --view-keys, --view-size and --cow-bit to `run`.
void addViewOptions(CLI::App& run, ViewCli& cli);

// Runs the PC machine of `pc` under the view, with the trace options of `traceCli` (--symbols
// name addresses and programs in the view too); the exit status is runMachineCli's.
int runView(emu::MachineCli& pc, const ViewCli& cli, const trace::TraceCli& traceCli);

}  // namespace view

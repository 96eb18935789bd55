// `xray86 run --view` (the window) and `--view-png FILE --view-at WHEN` (headless pictures).
// SDL is initialised only here, and only when one of these options is given.
//
// view_cli.cpp defines: ViewCli, addViewOptions, checkViewOptions, runView.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emu/run/run.h"

namespace view {

struct ViewCli {
  bool window = false;            // --view
  std::vector<std::string> png;   // --view-png FILE (repeatable; pairs with --view-at)
  std::vector<std::string> at;    // --view-at WHEN
  std::string keys;               // --view-keys: scripted key presses for the window
  std::string size = "1280x800";  // --view-size WxH
  bool enabled() const { return window || !png.empty() || !at.empty(); }
};

// Adds --view, --view-png, --view-at, --view-keys and --view-size to `run`.
void addViewOptions(CLI::App& run, ViewCli& cli);

// Checks the view's options before anything runs (size, pictures paired with moments, the
// moments' grammar); false and a one-line `error`.
bool checkViewOptions(const ViewCli& cli, std::string& error);

// Runs `run` under the view: the pictures at their moments and then to the end, or the window
// until it closes. How it ended (the run's end, or kRequested "view closed" when the window
// closed first); nullopt and a one-line `error` for a bad option, moment, window or file.
std::optional<run::Stop> runView(run::Run& run, const ViewCli& cli, bool quiet, std::string& error);

}  // namespace view

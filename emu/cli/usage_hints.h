// Answers for options `xray86 run` does not have, before the option parser turns them down with
// "arguments were not expected": QEMU's options get the xray86 form ("-append: use --cmdline"),
// misspelt ones the nearest real option ("did you mean --trace-filter?").
//
// usage_hints.cpp defines: usageHint.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace cli {

// The one-line answer for the first such option in `args` (the words after "run"), or nullopt.
std::optional<std::string> usageHint(const CLI::App& run, const std::vector<std::string>& args);

}  // namespace cli

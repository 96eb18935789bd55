// `xray86 run --explore K`: the same run under K schedules of several processors (docs/smp.md,
// "Exploring seeds"). Each seed is a whole run of the same image, options and input, its console
// kept in memory; the runs are grouped by how they ended (exit status, console, the flush
// checker's and the stale-TLB detector's counts), and each group is printed with the command
// line that replays one of its seeds.
//
// explore.cpp defines: ExploreRun, Outcome, groupOutcomes, formatExplore, replayCommand,
// exploreRuns.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "emu/run/run.h"

namespace cli {

// What one seed's run did.
struct ExploreRun {
  uint64_t seed = 0;
  int status = 0;       // the exit status `xray86 run` would give it
  std::string message;  // the run's last line ("guest powered off ...")
  std::string console;  // COM1 and port 0xE9, as the guest printed them
  uint64_t missingFlushes = 0, shootdowns = 0, staleUses = 0;  // part of the outcome
  uint64_t instructions = 0, pageFaults = 0, flushes = 0;      // shown, not compared
};

// Runs that ended the same way: the same status, console and checker counts.
struct Outcome {
  std::vector<const ExploreRun*> runs;  // in seed order; runs[0] is the one to replay
};

// Groups `runs` by outcome, in the order each outcome first appears.
std::vector<Outcome> groupOutcomes(const std::vector<ExploreRun>& runs);

// The report: one paragraph per outcome, the replay line of its first seed
// (`replay(seed)`), and how its console differs from the first outcome's.
std::string formatExplore(const std::vector<ExploreRun>& runs, const std::vector<Outcome>& outcomes,
                          const std::string& header,
                          const std::function<std::string(uint64_t)>& replay);

// `program args...` without --explore and --schedule-seed (either spelling, "--x V" or
// "--x=V"), then `extra`, then --schedule-seed SEED, each word quoted for a POSIX shell.
std::string replayCommand(const std::string& program, const std::vector<std::string>& args,
                          const std::vector<std::string>& extra, uint64_t seed);

// 64-bit FNV-1a of `text` (the console's hash in the report).
uint64_t fnv1a(const std::string& text);

}  // namespace cli

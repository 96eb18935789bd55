// `xray86 run --explore K`: grouping the seeds' runs and writing the report.
#include "emu/cli/explore.h"

#include <fmt/core.h>

#include <algorithm>
#include <string_view>

namespace cli {

namespace {

bool sameOutcome(const ExploreRun& a, const ExploreRun& b) {
  return a.status == b.status && a.console == b.console && a.missingFlushes == b.missingFlushes &&
         a.shootdowns == b.shootdowns && a.staleUses == b.staleUses;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

// A console line as the report shows it: printable ASCII, anything else as \xHH, at most 100
// characters.
std::string shown(const std::string& line) {
  std::string out;
  for (char ch : line) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F) {
      out += ch;
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (out.size() > 100) out = out.substr(0, 97) + "...";
  return out;
}

// "min" or "min-max" of one field over the runs of an outcome.
template <typename Field>
std::string range(const Outcome& o, Field field) {
  uint64_t lo = ~uint64_t{0}, hi = 0;
  for (const ExploreRun* r : o.runs) {
    lo = std::min(lo, field(*r));
    hi = std::max(hi, field(*r));
  }
  return lo == hi ? fmt::format("{}", lo) : fmt::format("{}-{}", lo, hi);
}

std::string quote(const std::string& word) {
  bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_./:=,+-@%").find(c) != std::string_view::npos;
  });
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::vector<Outcome> groupOutcomes(const std::vector<ExploreRun>& runs) {
  std::vector<Outcome> out;
  for (const ExploreRun& r : runs) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const Outcome& o) { return sameOutcome(*o.runs[0], r); });
    if (it == out.end()) {
      out.push_back(Outcome{{&r}});
    } else {
      it->runs.push_back(&r);
    }
  }
  return out;
}

std::string formatExplore(const std::vector<ExploreRun>& runs, const std::vector<Outcome>& outcomes,
                          const std::string& header,
                          const std::function<std::string(uint64_t)>& replay) {
  std::string out =
      fmt::format("{}: {} run{}, {} outcome{}{}\n", header, runs.size(),
                  runs.size() == 1 ? "" : "s", outcomes.size(), outcomes.size() == 1 ? "" : "s",
                  outcomes.size() == 1 ? ": every seed ends the same way" : "");
  std::vector<std::string> first =
      outcomes.empty() ? std::vector<std::string>() : lines(outcomes[0].runs[0]->console);
  for (size_t k = 0; k < outcomes.size(); ++k) {
    const Outcome& o = outcomes[k];
    const ExploreRun& r = *o.runs[0];
    std::string seeds;
    for (size_t i = 0; i < o.runs.size(); ++i) {
      if (i == 12) {
        seeds += fmt::format(" and {} more", o.runs.size() - 12);
        break;
      }
      seeds += fmt::format("{}{}", i ? " " : "", o.runs[i]->seed);
    }
    std::vector<std::string> mine = lines(r.console);
    out += fmt::format("outcome {}: {} seed{} ({})\n", k + 1, o.runs.size(),
                       o.runs.size() == 1 ? "" : "s", seeds);
    out += fmt::format("  exit status {}: {}\n", r.status, r.message);
    out += fmt::format("  console: {} line{}, {} bytes, FNV-1a 0x{:016x}\n", mine.size(),
                       mine.size() == 1 ? "" : "s", r.console.size(), fnv1a(r.console));
    out += fmt::format("  missing flushes {}, missing shootdowns {}, stale TLB uses {}\n",
                       r.missingFlushes, r.shootdowns, r.staleUses);
    out += fmt::format("  instructions {}, page faults {}, TLB flushes {}\n",
                       range(o, [](const ExploreRun& x) { return x.instructions; }),
                       range(o, [](const ExploreRun& x) { return x.pageFaults; }),
                       range(o, [](const ExploreRun& x) { return x.flushes; }));
    if (k > 0) {
      const ExploreRun& base = *outcomes[0].runs[0];
      if (r.console == base.console) {
        out += "  console: the same as outcome 1's\n";
      } else {
        size_t n = 0;
        while (n < mine.size() && n < first.size() && mine[n] == first[n]) ++n;
        out += fmt::format("  console differs from outcome 1's at line {}:\n", n + 1);
        out += fmt::format("    outcome 1: {}\n",
                           n < first.size() ? shown(first[n]) : std::string("(no such line)"));
        out += fmt::format("    outcome {}: {}\n", k + 1,
                           n < mine.size() ? shown(mine[n]) : std::string("(no such line)"));
      }
    }
    out += fmt::format("  replay: {}\n", replay(r.seed));
  }
  return out;
}

std::string replayCommand(const std::string& program, const std::vector<std::string>& args,
                          const std::vector<std::string>& extra, uint64_t seed) {
  std::string out = quote(program) + " run";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool dropped = false;
    for (const char* name : {"--explore", "--schedule-seed"}) {
      std::string n = name;
      if (a == n) {
        ++i;  // and its value
        dropped = true;
      } else if (a.rfind(n + "=", 0) == 0) {
        dropped = true;
      }
    }
    if (!dropped) out += " " + quote(a);
  }
  for (const std::string& e : extra) out += " " + quote(e);
  return out + fmt::format(" --schedule-seed {}", seed);
}

}  // namespace cli

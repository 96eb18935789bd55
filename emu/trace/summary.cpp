// The run summary (--stats, and the end of a failing run).
#include "emu/trace/summary.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "emu/trace/format.h"

namespace trace {

namespace {
constexpr uint8_t kPageFaultVector = 14;
}

std::string processText(const Process& p) {
  std::string s = fmt::format("asid {}", p.asid);
  if (p.pid >= 0) s += fmt::format(" pid {}", p.pid);
  if (!p.name.empty()) s += " " + p.name;
  if (p.parent != 0) s += fmt::format(", child of asid {}", p.parent);
  if (p.execFrom != 0) s += fmt::format(", exec from asid {}", p.execFrom);
  const EventCounters& c = p.counters;
  s += fmt::format(": {} faults", c.exceptions[kPageFaultVector]);
  std::string res;
  for (unsigned r = 0; r < c.resolutions.size(); ++r) {
    if (c.resolutions[r])
      res += fmt::format("{}{} {}", res.empty() ? "" : ", ",
                         resolutionName(static_cast<Resolution>(r)), c.resolutions[r]);
  }
  if (c.repeatFaults) res += fmt::format("{}{} repeated", res.empty() ? "" : ", ", c.repeatFaults);
  if (c.staleUses) res += fmt::format("{}{} stale uses", res.empty() ? "" : ", ", c.staleUses);
  if (c.missingFlushes)
    res += fmt::format("{}{} missing flushes", res.empty() ? "" : ", ", c.missingFlushes);
  if (!res.empty()) s += " (" + res + ")";
  return s;
}

std::string formatSummary(uint64_t instructions, uint64_t cycles, const mmu::Mmu& mmu,
                          const RunCounters* c, const MachineExtras& x, double hostSeconds,
                          const GuestInfo* info, const std::vector<Process>* processes) {
  const bool smp = x.processors.size() > 1;
  mmu::MmuStats s = mmu.stats();
  std::map<uint32_t, mmu::MmuStats> bySpace = mmu.statsByAddressSpace();
  if (smp) {
    s = mmu::MmuStats{};
    bySpace.clear();
    for (const mmu::Mmu* m : x.processors) {
      s += m->stats();
      for (const auto& [cr3, st] : m->statsByAddressSpace()) bySpace[cr3] += st;
    }
  }
  std::string out = "xray86 run summary\n";
  auto line = [&](const char* what, const std::string& value) {
    out += fmt::format("  {:<22} {}\n", what, value);
  };
  line("instructions", fmt::format("{}", instructions));
  line("cycles", fmt::format("{} ({:.3f} s of guest time at 33 MHz)", cycles, cycles / 33e6));
  if (hostSeconds > 0) {
    line("host speed", fmt::format("{:.1f} million instructions per host second",
                                   instructions / hostSeconds / 1e6));
  }
  uint64_t lookups = s.tlbHits + s.tlbMisses;
  line("TLB",
       fmt::format(
           "{} hits, {} misses, hit rate {:.2f}%", s.tlbHits, s.tlbMisses,
           lookups ? 100.0 * static_cast<double>(s.tlbHits) / static_cast<double>(lookups) : 0.0));
  std::string flushes;
  for (unsigned k = 0; k < 4; ++k) {
    flushes +=
        fmt::format("{}{} {} ({} entries dropped)", k ? ", " : "",
                    flushKindText(static_cast<mmu::FlushKind>(k)), s.flushes[k], s.flushDropped[k]);
  }
  line("TLB flushes", flushes);
  std::string faults = fmt::format("{}", s.pageFaultTotal());
  for (unsigned e = 0; e < 8; ++e) {
    if (s.pageFaults[e]) faults += fmt::format(", {} {}", errorCodeText(e), s.pageFaults[e]);
  }
  if (s.reservedFaults) faults += fmt::format(" ({} with reserved bits)", s.reservedFaults);
  line("page faults", faults);
  // By address space: the eight with the most faults (ties by CR3), then how many more.
  std::vector<std::pair<uint32_t, mmu::MmuStats>> spaces;
  for (const auto& [cr3, st] : bySpace) {
    if (st.pageFaultTotal() != 0) spaces.emplace_back(cr3, st);
  }
  std::stable_sort(spaces.begin(), spaces.end(), [](const auto& a, const auto& b) {
    return a.second.pageFaultTotal() > b.second.pageFaultTotal();
  });
  for (size_t i = 0; i < spaces.size() && i < 8; ++i) {
    const mmu::MmuStats& st = spaces[i].second;
    std::string programs = info ? info->spaceName(spaces[i].first) : std::string();
    line(fmt::format("  in cr3 0x{:08x}", spaces[i].first).c_str(),
         fmt::format("{} faults, {} TLB misses, {} flushes{}", st.pageFaultTotal(), st.tlbMisses,
                     st.flushes[0] + st.flushes[1] + st.flushes[2] + st.flushes[3],
                     programs.empty() ? "" : " (" + programs + ")"));
  }
  if (spaces.size() > 8)
    line("  in other spaces", fmt::format("{} address spaces more", spaces.size() - 8));
  // One definition everywhere: the first use of a stale entry after each change, as the `stale`
  // records and the MMU count them.
  if (smp) {
    for (size_t k = 0; k < x.processors.size(); ++k) {
      const mmu::MmuStats st = x.processors[k]->stats();
      uint64_t shootdowns = 0;
      for (const auto& r : x.processors[k]->flushCheck().records())
        if (r.what.writer != r.what.holder) ++shootdowns;
      line(fmt::format("  processor {}", k).c_str(),
           fmt::format("{} instructions in {} turns, {} TLB misses, {} flushes, {} faults, "
                       "{} missing shootdowns",
                       k < x.processorInstructions.size() ? x.processorInstructions[k] : 0,
                       k < x.processorTurns.size() ? x.processorTurns[k] : 0, st.tlbMisses,
                       st.flushes[0] + st.flushes[1] + st.flushes[2] + st.flushes[3],
                       st.pageFaultTotal(), shootdowns));
    }
  }
  line("stale TLB uses", fmt::format("{}", c != nullptr ? c->staleUses : s.staleUses));
  line("missing flushes",
       fmt::format("{} ({} uses of stale translations){}", s.missingFlushes, s.missingFlushUses,
                   mmu.flushCheck().labRule() ? ", lab rule" : ""));
  if (c != nullptr) {
    line("repeat faults", fmt::format("{}", c->repeatFaults));
    std::string res;
    for (unsigned r = 0; r < c->resolutions.size(); ++r) {
      if (c->resolutions[r])
        res += fmt::format("{}{} {}", res.empty() ? "" : ", ",
                           resolutionName(static_cast<Resolution>(r)), c->resolutions[r]);
    }
    line("fault resolutions", res.empty() ? "none" : res);
    auto byVector = [](const std::array<uint64_t, 256>& counts, bool names) {
      std::string t;
      for (unsigned v = 0; v < 256; ++v) {
        if (!counts[v]) continue;
        t += fmt::format("{}{} {}", t.empty() ? "" : ", ",
                         names ? vectorName(static_cast<uint8_t>(v)) : fmt::format("0x{:02x}", v),
                         counts[v]);
      }
      return t.empty() ? std::string("none") : t;
    };
    line("exceptions", byVector(c->exceptions, true));
    line("interrupts", byVector(c->interrupts, false));
    line("software interrupts", byVector(c->softwareInts, false));
    line("system calls", fmt::format("{}", c->syscalls));
  }
  if (processes != nullptr && !processes->empty()) {
    // The address spaces with the most faults (ties by asid), then how many more.
    std::vector<const Process*> order;
    for (const Process& p : *processes) order.push_back(&p);
    std::stable_sort(order.begin(), order.end(), [](const Process* a, const Process* b) {
      return a->counters.exceptions[kPageFaultVector] > b->counters.exceptions[kPageFaultVector];
    });
    size_t shown = std::min<size_t>(order.size(), 12);
    line("processes",
         fmt::format(
             "{} address spaces{}", processes->size(),
             shown < order.size() ? fmt::format(", the {} with the most faults:", shown) : ":"));
    for (size_t i = 0; i < shown; ++i) out += "    " + processText(*order[i]) + "\n";
  }
  std::string ports = fmt::format("{}", x.unassignedPorts);
  if (x.unassignedPorts && x.firstPort >= 0) ports += fmt::format(" (first 0x{:04x})", x.firstPort);
  line("unassigned ports", ports);
  std::string mem = fmt::format("{}", x.unassignedMemory);
  if (x.unassignedMemory) mem += fmt::format(" (first 0x{:08x})", x.firstMemory);
  line("unassigned memory", mem);
  return out;
}

}  // namespace trace

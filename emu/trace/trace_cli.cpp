// `xray86 run --trace ...`: option parsing, validation (every bad option or file is a one-line
// error and status 2), the tracer's life around the run, and the run summary.
#include "emu/trace/trace_cli.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "devices/firmware.h"

namespace trace {

namespace {
// The programs of the modules: the built-in guest's archive, or an xv6-style ELF module.
void loadModulePrograms(const emu::MachineConfig& config, Programs& programs) {
  for (const std::string& module : config.modules) {
    std::string path = module.substr(0, module.find(' '));
    auto inMemory = config.files.find(path);
    std::vector<uint8_t> bytes;
    std::span<const uint8_t> image;
    std::string ignored;  // the machine reports a module it cannot read
    if (inMemory != config.files.end()) image = inMemory->second;
    else if (devices::readFile(path, "module", bytes, ignored)) image = bytes;
    if (programs.addArchive(image) == 0) programs.add(image, path);
  }
}
}  // namespace

void addTraceOptions(CLI::App& run, TraceCli& cli) {
  run.add_option("--trace", cli.kinds,
                 "Trace these events, comma-separated: pf (page faults and their resolution), tlb (flushes), miss "
                 "(TLB misses and their walks), cr3, exc, int, sys (system calls and their results), io, insn, stale, "
                 "halt, all. Example: --trace pf,tlb");
  run.add_option("--trace-out", cli.out, "Write the trace to this file instead of standard output. Example: --trace-out run.jsonl");
  run.add_option("--trace-format", cli.format,
                 "text (aligned columns, colour on a terminal), jsonl (one JSON object a line, docs/trace.md), or "
                 "perfetto (Chrome trace-event JSON for ui.perfetto.dev). Example: --trace-format perfetto")
      ->check(CLI::IsMember({"text", "jsonl", "perfetto"}));
  run.add_option("--trace-filter", cli.filter,
                 "Keep only events matching EXPR (grammar in docs/trace.md). Example: "
                 "--trace-filter 'kind=pf and cpl=3 and cr2 in 0x0..0x80000000'");
  run.add_option("--symbols", cli.symbols,
                 "ELF32 files whose symbols name addresses (the --kernel ELF is loaded automatically). Example: "
                 "--symbols build/default/guest/user/_cowtest")
      ->expected(1, -1);
  // The view (emu/view/) may have added --cow-bit already; then the caller copies its value.
  if (run.get_option_no_throw("--cow-bit") == nullptr) {
    run.add_option("--cow-bit", cli.cowBit, "The PTE bit the guest marks copy-on-write pages with (default 9: PTE_COW 0x200)")
        ->check(CLI::Range(0u, 11u));
  }
  run.add_flag("--stats", cli.stats, "Print the run summary on standard error at the end (always printed when the run fails). Example: --stats");
}

bool loadGuestNames(const emu::MachineConfig& config, const std::vector<std::string>& symbolFiles,
                    SymbolTable& symbols, Programs& programs, std::string& error) {
  if (!config.kernel.empty()) {
    std::string ignored;  // a kernel without symbols is still a kernel
    auto inMemory = config.files.find(config.kernel);
    if (inMemory != config.files.end()) symbols.loadBytes(inMemory->second, config.kernel, ignored);
    else symbols.loadFile(config.kernel, ignored);
  }
  // Each --symbols file is read once: its symbols, and the program it may be.
  for (const std::string& path : symbolFiles) {
    std::vector<uint8_t> bytes;
    if (!devices::readFile(path, "symbol file", bytes, error) || !symbols.loadBytes(bytes, path, error)) {
      error = "--symbols: " + error;
      return false;
    }
    programs.add(bytes, path);
  }
  loadModulePrograms(config, programs);
  return true;
}

void loadPrograms(const emu::MachineConfig& config, const std::vector<std::string>& symbolFiles, Programs& programs) {
  for (const std::string& path : symbolFiles) {
    std::vector<uint8_t> bytes;
    std::string ignored;  // the caller loads the symbols and reports an unreadable file
    if (devices::readFile(path, "symbol file", bytes, ignored)) programs.add(bytes, path);
  }
  loadModulePrograms(config, programs);
}

TraceSession::TraceSession(const TraceCli& cli, const emu::MachineConfig& config) : cli_(cli), config_(config) {}
TraceSession::~TraceSession() = default;

bool TraceSession::start(emu::Cpu& cpu, mmu::Mmu& mmu, mmu::PhysMemory& mem, std::string& error) {
  bool tracing = !cli_.kinds.empty();
  if (!tracing) {
    for (auto [given, name] : {std::pair{!cli_.out.empty(), "--trace-out"}, std::pair{!cli_.filter.empty(), "--trace-filter"},
                               std::pair{cli_.format != "text", "--trace-format"}}) {
      if (given) {
        error = std::string(name) + " needs --trace LIST";
        return false;
      }
    }
  }
  uint32_t kinds = 0;
  if (tracing && !parseKindList(cli_.kinds, kinds, error)) return false;
  if (!loadGuestNames(config_, cli_.symbols, symbols_, programs_, error)) return false;
  if (!cli_.filter.empty()) {
    filter_ = Filter::parse(cli_.filter, symbols_, error);
    if (!filter_) return false;
  }
  describer_ = std::make_unique<Describer>(symbols_, cli_.cowBit);
  describer_->setGuestInfo(&info_);
  if (tracing) {
    bool toStdout = cli_.out.empty() || cli_.out == "-";
    if (toStdout) {
      out_ = std::make_shared<FileOut>(stdout, false);
    } else {
      std::FILE* f = std::fopen(cli_.out.c_str(), "wb");
      if (f == nullptr) {
        error = "--trace-out " + cli_.out + ": cannot create";
        return false;
      }
      std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
      out_ = std::make_shared<FileOut>(f, true);
    }
    if (cli_.format == "jsonl") sink_ = makeJsonlSink(out_, *describer_);
    else if (cli_.format == "perfetto") sink_ = makePerfettoSink(out_, *describer_);
    else sink_ = makeTextSink(out_, *describer_, toStdout && isatty(fileno(stdout)));
  }
  tracer_ = std::make_unique<Tracer>(cpu.events(), mmu, mem, kinds, filter_.get(), sink_.get());
  tracer_->learn(&info_, &symbols_, &programs_);
  if (!tracer_->attach()) {
    error = "too many event observers";
    return false;
  }
  hostStart_ = std::chrono::steady_clock::now();
  return true;
}

void TraceSession::stop(emu::Cpu& cpu, mmu::Mmu& mmu, bool failed, const MachineExtras& extras) {
  double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - hostStart_).count();
  tracer_->finish();
  tracer_->detach();
  std::fflush(stdout);
  if (failed) {
    std::vector<Record> last = tracer_->recent();
    std::fprintf(stderr, "xray86: the last %zu events:\n%s\n", last.size(), textHeader().c_str());
    for (const Record& r : last) std::fprintf(stderr, "%s\n", formatText(r, *describer_, false).c_str());
  }
  if (cli_.stats || failed) {
    std::string s = formatSummary(cpu, mmu, &tracer_->counters(), extras, host, &info_);
    std::fwrite(s.data(), 1, s.size(), stderr);
  }
  std::fflush(stderr);
}

bool TraceSession::attach(emu::Machine& m, std::string& error) { return start(m.cpu(), m.mmu(), m, error); }

void TraceSession::finish(emu::Machine& m, const emu::Machine::Outcome& outcome) {
  using Outcome = emu::Machine::Outcome;
  // A failure is the emulator's verdict (limit, halt, triple fault, unsupported instruction),
  // not a guest's own exit status.
  bool failed = outcome.kind != Outcome::Kind::kGuestExit && outcome.kind != Outcome::Kind::kGuestReset &&
                outcome.kind != Outcome::Kind::kStopped;
  MachineExtras x;
  x.unassignedPorts = m.ports().unassignedReads() + m.ports().unassignedWrites();
  x.firstPort = m.ports().firstUnassigned();
  x.unassignedMemory = m.unassignedMemory();
  x.firstMemory = m.firstUnassignedMemory();
  stop(m.cpu(), m.mmu(), failed, x);
}

std::string formatSummary(const emu::Cpu& cpu, const mmu::Mmu& mmu, const RunCounters* c, const MachineExtras& x,
                          double hostSeconds, const GuestInfo* info) {
  mmu::MmuStats s = mmu.stats();
  std::string out = "xray86 run summary\n";
  auto line = [&](const char* what, const std::string& value) { out += fmt::format("  {:<22} {}\n", what, value); };
  line("instructions", fmt::format("{}", cpu.instructions()));
  line("cycles", fmt::format("{} ({:.3f} s of guest time at 33 MHz)", cpu.cycles(), cpu.cycles() / 33e6));
  if (hostSeconds > 0) {
    line("host speed", fmt::format("{:.1f} million instructions per host second", cpu.instructions() / hostSeconds / 1e6));
  }
  uint64_t lookups = s.tlbHits + s.tlbMisses;
  line("TLB", fmt::format("{} hits, {} misses, hit rate {:.2f}%", s.tlbHits, s.tlbMisses,
                          lookups ? 100.0 * static_cast<double>(s.tlbHits) / static_cast<double>(lookups) : 0.0));
  std::string flushes;
  for (unsigned k = 0; k < 4; ++k) {
    flushes += fmt::format("{}{} {} ({} entries dropped)", k ? ", " : "", flushKindText(static_cast<mmu::FlushKind>(k)),
                           s.flushes[k], s.flushDropped[k]);
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
  for (const auto& [cr3, st] : mmu.statsByAddressSpace()) {
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
  if (spaces.size() > 8) line("  in other spaces", fmt::format("{} address spaces more", spaces.size() - 8));
  line("stale TLB uses", fmt::format("{}", s.staleUses));
  if (c != nullptr) {
    line("repeat faults", fmt::format("{}", c->repeatFaults));
    std::string res;
    for (unsigned r = 0; r < c->resolutions.size(); ++r) {
      if (c->resolutions[r]) res += fmt::format("{}{} {}", res.empty() ? "" : ", ", resolutionName(static_cast<Resolution>(r)), c->resolutions[r]);
    }
    line("fault resolutions", res.empty() ? "none" : res);
    auto byVector = [](const std::array<uint64_t, 256>& counts, bool names) {
      std::string t;
      for (unsigned v = 0; v < 256; ++v) {
        if (!counts[v]) continue;
        t += fmt::format("{}{} {}", t.empty() ? "" : ", ",
                         names ? vectorName(static_cast<uint8_t>(v)) : fmt::format("0x{:02x}", v), counts[v]);
      }
      return t.empty() ? std::string("none") : t;
    };
    line("exceptions", byVector(c->exceptions, true));
    line("interrupts", byVector(c->interrupts, false));
    line("software interrupts", byVector(c->softwareInts, false));
    line("system calls", fmt::format("{}", c->syscalls));
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

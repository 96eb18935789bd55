// `xray86 run --trace ...`: option parsing, validation (every bad option or file is a one-line
// error and status 2), the sink on the run's tracer, and what is printed after the run.
#include "emu/cli/trace_output.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "emu/cli/output_file.h"

namespace cli {

void addTraceOptions(CLI::App& run, TraceCli& cli) {
  run.add_option("--trace", cli.kinds,
                 "Trace these events, comma-separated: pf (page faults and their resolution), tlb "
                 "(flushes), miss "
                 "(TLB misses and their walks), cr3, exc, int, sys (system calls and their "
                 "results), io, insn, stale, "
                 "halt, all. Example: --trace pf,tlb");
  run.add_option(
      "--trace-out", cli.out,
      "Write the trace to this file instead of standard output. Example: --trace-out run.jsonl");
  run.add_option(
         "--trace-format", cli.format,
         "text (aligned columns, colour on a terminal), jsonl (one JSON object a line, "
         "docs/trace.md), or "
         "perfetto (Chrome trace-event JSON for ui.perfetto.dev). Example: --trace-format perfetto")
      ->check(CLI::IsMember({"text", "jsonl", "perfetto"}));
  run.add_option("--trace-filter", cli.filter,
                 "Keep only events matching EXPR (grammar in docs/trace.md). Example: "
                 "--trace-filter 'kind=pf and cpl=3 and cr2 in 0x0..0x80000000'");
  run.add_option("--symbols", cli.symbols,
                 "ELF32 files whose symbols name addresses (the --kernel ELF is loaded "
                 "automatically). Example: "
                 "--symbols build/default/guest/user/_cowtest")
      ->expected(1, -1);
  run.add_flag("--stats", cli.stats,
               "Print the run summary on standard error at the end (always printed when the run "
               "fails). Example: --stats");
}

bool TraceOutput::open(const TraceCli& cli, const trace::SymbolTable& symbols,
                       const trace::GuestInfo* info, const trace::Programs* programs,
                       unsigned cowBit, std::string& error) {
  cli_ = cli;
  bool tracing = !cli_.kinds.empty();
  if (!tracing) {
    for (auto [given, name] : {std::pair{!cli_.out.empty(), "--trace-out"},
                               std::pair{!cli_.filter.empty(), "--trace-filter"},
                               std::pair{cli_.format != "text", "--trace-format"}}) {
      if (given) {
        error = std::string(name) + " needs --trace LIST";
        return false;
      }
    }
  }
  if (tracing && !trace::parseKindList(cli_.kinds, kinds_, error)) return false;
  if (!cli_.filter.empty()) {
    filter_ = trace::Filter::parse(cli_.filter, symbols, error);
    if (!filter_) return false;
  }
  // A filter that only keeps kinds --trace does not trace prints nothing: say so before the run.
  if (filter_ && tracing && (filter_->kinds() & kinds_) == 0) {
    std::fprintf(stderr,
                 "xray86: warning: --trace-filter '%s' keeps no kind that --trace %s traces: "
                 "the trace will be empty\n",
                 cli_.filter.c_str(), cli_.kinds.c_str());
  }
  describer_ = std::make_unique<trace::Describer>(symbols, cowBit);
  describer_->setGuestInfo(info);
  describer_->setProcessors(processors_);
  describer_->setPrograms(programs);
  if (!tracing) return true;
  bool toStdout = cli_.out.empty() || cli_.out == "-";
  if (toStdout) {
    out_ = std::make_shared<trace::FileOut>(stdout, false);
  } else {
    std::FILE* f = openOutput(cli_.out, firstError_);
    if (f == nullptr) {
      error = "--trace-out " + cli_.out + ": cannot create: " + std::strerror(errno);
      return false;
    }
    std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
    out_ = std::make_shared<trace::FileOut>(f, true);
  }
  if (cli_.format == "jsonl") {
    sink_ = trace::makeJsonlSink(out_, *describer_);
  } else if (cli_.format == "perfetto") {
    sink_ = trace::makePerfettoSink(out_, *describer_);
  } else {
    sink_ = trace::makeTextSink(out_, *describer_, toStdout && isatty(fileno(stdout)));
  }
  return true;
}

void TraceOutput::attach(trace::Tracer& tracer) {
  if (kinds_ == 0) return;
  counted_.sink = sink_.get();
  tracer.setSink(&counted_, kinds_, filter_.get());
  tracer.setRecentKinds(kinds_);
}

void TraceOutput::report(const trace::Tracer& tracer, bool failed, const std::string& summary) {
  std::fflush(stdout);
  if (failed) {
    std::vector<trace::Record> last = tracer.recent();
    std::fprintf(stderr, "xray86: the last %zu events:\n%s\n", last.size(),
                 trace::textHeader().c_str());
    for (const trace::Record& r : last) {
      std::fprintf(stderr, "%s\n", trace::formatText(r, *describer_, false).c_str());
    }
  }
  if (cli_.stats || failed) std::fwrite(summary.data(), 1, summary.size(), stderr);
  if (filter_ && counted_.sink && counted_.records == 0 && (filter_->kinds() & kinds_) != 0) {
    std::fprintf(stderr, "xray86: warning: --trace-filter '%s' matched no event of this run\n",
                 cli_.filter.c_str());
  }
  std::fflush(stderr);
}

std::string TraceOutput::writeError() {
  if (!out_) return "";
  std::FILE* f = out_->get();
  errno = 0;
  if (std::fflush(f) == 0 && !std::ferror(f)) return "";
  std::string where = f == stdout ? "standard output" : cli_.out;
  int why = firstError_ && *firstError_ ? *firstError_ : errno;
  return "--trace-out " + where + ": the trace could not be written in full" +
         (why ? std::string(": ") + std::strerror(why) : std::string());
}

}  // namespace cli

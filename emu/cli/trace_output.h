// The trace options of `xray86 run` and what they write: the sink (text, JSON lines, Perfetto)
// on the run's one tracer, the last events of a failing run and the run summary.
//
// trace_output.cpp defines: TraceCli, addTraceOptions, TraceOutput.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emu/trace/filter.h"
#include "emu/trace/format.h"
#include "emu/trace/guest_info.h"
#include "emu/trace/symbols.h"
#include "emu/trace/tracer.h"

namespace cli {

struct TraceCli {
  std::string kinds;                 // --trace LIST
  std::string out;                   // --trace-out F ("" or "-": standard output)
  std::string format = "text";       // --trace-format
  std::string filter;                // --trace-filter EXPR
  std::vector<std::string> symbols;  // --symbols ELF ...
  bool stats = false;                // --stats
};

// Adds --trace, --trace-out, --trace-format, --trace-filter, --symbols and --stats.
void addTraceOptions(CLI::App& run, TraceCli& cli);

class TraceOutput {
 public:
  // Checks the options, parses the filter against `symbols`, opens the output and makes the
  // sink; false with a one-line `error` (exit status 2). `info` names system calls and address
  // spaces in the output, `programs` user code by the program each space runs (both may be
  // null). The names must outlive this object.
  bool open(const TraceCli& cli, const trace::SymbolTable& symbols, const trace::GuestInfo* info,
            const trace::Programs* programs, unsigned cowBit, std::string& error);
  // The machine's processors, before open: more than one adds a `cpu` column and field
  // (docs/smp.md).
  void setProcessors(unsigned n) { processors_ = n; }
  // The traced kinds go to the sink; the last events kept for a failing run are of those kinds.
  void attach(trace::Tracer& tracer);
  // After the run (the tracer finished): a failing run's last events, and the summary when asked
  // for (--stats) or when the run failed.
  void report(const trace::Tracer& tracer, bool failed, const std::string& summary);
  // After report: the trace written out in full, or why not ("" when it was).
  std::string writeError();

 private:
  TraceCli cli_;
  uint32_t kinds_ = 0;
  std::unique_ptr<trace::Filter> filter_;
  std::unique_ptr<trace::Describer> describer_;
  unsigned processors_ = 1;
  std::shared_ptr<trace::FileOut> out_;
  std::shared_ptr<int> firstError_;  // --trace-out FILE: why its first write failed (output_file.h)
  std::unique_ptr<trace::Sink> sink_;
  // Counts the records that pass the filter on their way to sink_ (the empty-match warning).
  struct Counted final : trace::Sink {
    void write(const trace::Record& r) override {
      ++records;
      sink->write(r);
    }
    void userActivity(const emu::EventContext& c) override { sink->userActivity(c); }
    void finish() override { sink->finish(); }
    trace::Sink* sink = nullptr;
    uint64_t records = 0;
  };
  Counted counted_;
};

}  // namespace cli

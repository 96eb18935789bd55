// The stub's session (stub.h says what it does): the class behind gdb::serve, shared by
// stub.cpp (packets, running, reverse) and monitor.cpp (monitor commands).
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emu/gdb/connection.h"
#include "emu/gdb/stub.h"
#include "emu/trace/format.h"

namespace gdb {

class Stub final : private emu::Observer, private trace::Sink {
 public:
  // `connection` null: the monitor on standard input and output (monitorSession).
  Stub(run::Run& main, Connection* connection, const run::Run::Poll& poll);
  ~Stub() override;
  Stub(const Stub&) = delete;
  Stub& operator=(const Stub&) = delete;

  // Answers packets until gdb resumes, detaches or kills, or the guest ends. Returns the Stop
  // that ends the session (nullopt: gdb detached or went away with the guest still running).
  std::optional<run::Stop> session(bool stopped);

  // What `monitor TEXT` prints (monitor.cpp).
  std::string monitor(const std::string& text);

  // --monitor: runs to `until`, then reads monitor commands from `in` at every stop (the
  // condition, a catchpoint, the end of the guest); `continue` runs on, `quit` ends the run.
  // At the end of `in`, nullopt: the run goes on without the monitor (monitor.cpp).
  std::optional<run::Stop> monitorSession(const run::Until& until, std::FILE* in,
                                          std::string& error);

 private:
  struct Watchpoint {
    uint32_t address = 0, length = 0, cr3 = 0;
    std::optional<std::vector<uint8_t>> last;  // the bytes as last seen
  };
  // Read (Z3) and access (Z4) watches: the CPU's own data watches on linear addresses of
  // whatever address space is current (Cpu::setDataWatches), which the guest never sees.
  struct DataWatch {
    uint32_t address = 0, length = 0;
    bool access = false;  // Z4: reads and writes; Z3: reads
  };
  // The watches as the CPU takes them (Cpu::setDataWatches).
  static std::vector<emu::Cpu::DataWatch> cpuWatches(const std::vector<DataWatch>& watches);
  enum class Catch : uint8_t { kPageFault, kMissingFlush, kStale, kSyscall, kCr3 };
  struct Catchpoint {
    Catch kind;
    std::string name;  // kSyscall: the call's name
  };
  enum class Why : uint8_t { kNone, kWatch, kCatch, kInterrupt, kConnect };

  // Packets.
  std::string handle(const std::string& packet, bool& resume, bool& step, bool& reverse,
                     bool& leave, bool& kill);
  std::string readRegisters();
  std::string writeRegisters(const std::string& hex);
  std::string readMemory(const std::string& args);
  std::string writeMemory(const std::string& args);
  std::string breakpoint(const std::string& packet);
  std::string features(const std::string& args) const;
  std::string command(const std::string& hex);
  // Running: continue or step on the current run (forward), or backward; the stop reply.
  std::string resume(bool step);
  std::string reverse(bool step);
  std::string stopReply(const run::Stop& s);
  std::optional<run::Stop> ended_;  // the guest is over (or gdb's poll ended the session)
  // The run gdb looks at: the main one, or a replay behind it.
  run::Run& current() { return replay_ ? *replay_ : main_; }
  const run::Run& current() const { return replay_ ? *replay_ : main_; }
  void useRun(run::Run* r);  // moves breakpoints, watches and sinks onto `r`
  void install();            // the current run's breakpoints and instruction events
  // A replay of the run to the first boundary with `instructions` retired: a run of the same
  // configuration restored to the last snapshot before it (or from the start), then run on.
  std::unique_ptr<run::Run> replayTo(uint64_t instructions, std::string& error);
  // Snapshots of the main run, taken as it runs forward every `snapshotEvery_` instructions
  // (docs/debug.md, "Snapshots"); when they hold more than kSnapshotBytes of their own, every
  // other one goes and the interval doubles.
  static constexpr uint64_t kSnapshotInterval = 2'000'000;
  static constexpr size_t kSnapshotBytes = size_t{256} << 20;
  std::vector<std::shared_ptr<const run::Snapshot>> snaps_;
  uint64_t snapshotEvery_ = kSnapshotInterval;
  void takeSnapshot();
  // The last snapshot strictly before (instructions, cycles); nullptr: the start.
  const run::Snapshot* snapshotBefore(uint64_t instructions, uint64_t cycles) const;
  // A Ctrl-C from gdb while a replay runs (its poll): the reverse command is abandoned.
  bool interrupted_ = false;
  run::Run::Poll replayPoll();
  std::optional<std::string> reverseRefusal() const;
  // reverse-continue: the stops (breakpoints, watchpoints, catchpoints) a replay from the start
  // makes strictly before instruction count `n` and cycle `c`, counted; with `upTo` > 0 the
  // replay stops at the stop numbered `upTo` instead. nullopt and `error` if the replay fails.
  struct Position {
    uint64_t instructions = 0, cycles = 0;
  };
  // `atTarget`: a stop exactly at the target counts too (a search that ends where a later
  // snapshot begins, whose own search does not see a stop where it starts).
  std::optional<uint64_t> replayStops(run::Run& r, Position target, uint64_t upTo,
                                      std::string& error, bool atTarget = false);
  std::string reverseContinue();

  // emu::Observer: watchpoints after each instruction.
  void onInstruction(const emu::InstructionEvent&) override;
  void resetWatches();
  // trace::Sink: catchpoints, the last faults, `monitor trace`.
  void write(const trace::Record& r) override;
  void finish() override {}
  uint32_t sinkKinds() const;
  void updateSink();

  // monitor.cpp
  std::string infoTlb();
  std::string infoPg(const std::vector<std::string>& args);
  std::string infoMem();
  std::string infoFrames(const std::vector<std::string>& args);
  std::string infoFaults();
  std::string phys(const std::vector<std::string>& args);
  std::string traceCommand(const std::vector<std::string>& args);
  std::string breakCommand(const std::vector<std::string>& args);

  run::Run& main_;
  Connection* conn_;                  // null: the monitor on standard input
  bool say(const std::string& text);  // gdb's console, or standard output
  run::Run::Poll poll_;
  std::unique_ptr<run::Run> replay_;
  run::Run* attached_ = nullptr;  // the run the observer and the sink are on
  std::vector<uint32_t> softBreaks_, hardBreaks_;
  std::vector<Watchpoint> watches_;
  std::vector<DataWatch> dataWatches_;
  char watchKind_ = '2';  // the Z type of the watch that stopped the run
  std::vector<Catchpoint> catches_;
  uint32_t traceKinds_ = 0;           // `monitor trace`
  std::deque<trace::Record> faults_;  // the last page faults and resolutions (info faults)
  std::unique_ptr<trace::Describer> describer_;
  std::string lastStop_ = "S05";
  // Why the current run stopped, beyond what its Stop says.
  Why why_ = Why::kNone;
  uint32_t watchHit_ = 0;
  std::optional<trace::Record> caught_;
  bool changed_ = false;     // gdb wrote memory or registers: a replay would not see it
  bool searching_ = false;   // a replay looks for reverse-continue's stop: nothing is shown
  uint32_t watchEip_ = 0;    // the EIP of the instruction that changed a watched value
  std::string pollMessage_;  // the front end's poll ended the run
  bool noAckNext_ = false;   // QStartNoAckMode answered: no-ack mode from the next packet
};

}  // namespace gdb

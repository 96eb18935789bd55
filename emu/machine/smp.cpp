// Several processors (--smp, docs/smp.md): starting them (INIT and STARTUP), and running them in
// turns, the order and each turn's length drawn from the schedule's seeded numbers, their cycle
// counters kept within a window of each other.
#include <algorithm>

#include "emu/machine/machine.h"

namespace emu {

namespace {
// The longest the devices go without looking at the time: 1 ms of guest time (runSlices's slice).
constexpr uint64_t kMaxSlice = devices::kCpuHz / 1000;
// A processor may take a turn only while its cycle counter is at most this far ahead of the
// slowest processor that runs: the counters stay in step within a few hundred instructions.
constexpr uint64_t kStepWindow = 2000;
}  // namespace

uint64_t Machine::instructions() const {
  uint64_t n = 0;
  for (const auto& c : cpus_) n += c->instructions();
  return n;
}

uint64_t Machine::cycles() const {
  if (cpus_.size() == 1) return cpu_->cycles();
  uint64_t t = clock_.now();
  for (const auto& c : cpus_) t = std::max(t, c->cycles());
  return t;
}

mmu::MmuStats Machine::mmuStats() const {
  mmu::MmuStats sum = mmus_[0]->stats();
  for (size_t k = 1; k < mmus_.size(); ++k) sum += mmus_[k]->stats();
  return sum;
}

void Machine::select(unsigned processor) {
  current_ = processor;
  cur_ = cpus_[processor].get();
  curMmu_ = mmus_[processor].get();
  apics_.select(processor);
  cur_->events().select(cur_, curMmu_);
}

// INIT resets an application processor, which then waits for a STARTUP IPI; STARTUP starts one
// that waits, in real mode at vector << 12 (CS = vector << 8, IP = 0; SDM vol. 3A 8.4.4.1,
// MP spec B.4.2); a second STARTUP finds it running and is ignored. The bootstrap processor
// ignores both (a kernel that restarts it is not modelled). The processor's cycle counter starts
// from the machine's time.
void Machine::startProcessor(unsigned processor, unsigned mode, uint8_t vector) {
  if (processor == 0 || processor >= cpus_.size()) return;
  Cpu& c = *cpus_[processor];
  if (mode == 5) {
    unsigned sender = current_;
    select(processor);  // the reset's events (CR writes, flushes) are the target's
    c.reset();
    c.flushDecodedCode();
    select(sender);
    waitingForStartup_[processor] = true;
  } else if (mode == 6 && waitingForStartup_[processor]) {
    c.setSegmentReal(kCs, static_cast<uint16_t>(vector << 8));
    c.setEip(0);
    waitingForStartup_[processor] = false;
  } else {
    return;
  }
  if (c.cycles() < cycles()) c.setCycles(cycles());
}

Machine::Outcome Machine::runTurns(uint64_t maxInstructions, uint64_t maxCycles) {
  using Kind = Outcome::Kind;
  const unsigned n = cpuCount();
  for (;;) {
    if (auto s = debug_.exitStatus()) return {Kind::kGuestExit, *s, debug_.exitReason()};
    if (resetRequested_)
      return {Kind::kGuestReset, exit_status::kOk, "guest reset the machine (8042 or port 0x92)"};
    const uint64_t done = instructions();
    if (done >= maxInstructions) {
      return {Kind::kInstructionLimit, exit_status::kLimit,
              "stopped after " + std::to_string(done) + " instructions (--max-insns)"};
    }
    const uint64_t now = cycles();
    if (now >= maxCycles) {
      return {Kind::kCycleLimit, exit_status::kLimit,
              "stopped after " + std::to_string(now) + " cycles (--max-cycles)"};
    }

    // Who may take a turn: started, and not asleep in HLT with nothing to wake it. The lowest
    // counter among those not halted is where the machine's processors stand; halted and waiting
    // processors are brought up to it, so a processor that wakes starts from the present.
    unsigned runnable[kMaxCpus];
    unsigned count = 0;
    uint64_t lo = ~uint64_t{0};
    bool allHaltedInterruptsOff = true;
    for (unsigned k = 0; k < n; ++k) {
      if (waitingForStartup_[k]) continue;
      const Cpu& c = *cpus_[k];
      if (!c.halted() || (c.eflags() & flag::kIf)) allHaltedInterruptsOff = false;
      if (c.halted() && !c.interruptible()) continue;
      runnable[count++] = k;
      if (!c.halted()) lo = std::min(lo, c.cycles());
    }
    if (lo == ~uint64_t{0}) lo = now;
    for (unsigned k = 0; k < n; ++k) {
      Cpu& c = *cpus_[k];
      if ((waitingForStartup_[k] || c.halted()) && c.cycles() < lo) c.setCycles(lo);
    }

    if (count == 0) {
      // Every processor sleeps: time goes on to the next device event, as runSlices's halt does.
      if (allHaltedInterruptsOff) {
        return {Kind::kHalted, exit_status::kHalted,
                "guest halted with interrupts disabled on every processor"};
      }
      const uint64_t device = nextDeadline();
      const uint64_t t = std::min({device, maxCycles, now + kMaxSlice});
      for (auto& c : cpus_) {
        if (c->cycles() < t) c->setCycles(t);
      }
      tickDevices();
      lastTick_ = cycles();
      if (displayText_) drawScreen(false);
      if (releaseAtIdleHalt()) continue;
      bool intr = false;
      for (unsigned k = 0; k < n; ++k) intr = intr || router_.intr(apics_.apic(k));
      if (device == devices::kNever && !intr) {
        return {Kind::kHalted, exit_status::kHalted, "guest halted with no interrupt source armed"};
      }
      if (haltIsFinal()) return {Kind::kHalted, exit_status::kHalted, haltReason()};
      continue;
    }

    // One turn: a processor within the window of the slowest, and a length, both from the seed.
    // A turn a limit or a stop request cut short goes on first, so that a run in pieces is the
    // run in one piece.
    unsigned pick = turnCpu_;
    uint64_t length = turnLeft_;
    if (length == 0 || std::find(runnable, runnable + count, pick) == runnable + count) {
      unsigned candidates[kMaxCpus];
      unsigned m = 0;
      for (unsigned i = 0; i < count; ++i) {
        const Cpu& c = *cpus_[runnable[i]];
        if (c.halted() || c.cycles() <= lo + kStepWindow) candidates[m++] = runnable[i];
      }
      pick = candidates[schedule_.below(m)];
      length = 1 + schedule_.below(quantum_);
      ++turns_[pick];
    }
    const uint64_t quantum = std::min(length, maxInstructions - done);
    select(pick);
    const uint64_t tickAt = std::min(nextDeadline(), lastTick_ + kMaxSlice);
    const uint64_t deadline = std::min(tickAt, maxCycles);
    sliceEnd_ = deadline;
    RunResult r = cur_->run(quantum, deadline);
    sliceEnd_ = ~uint64_t{0};
    const bool cut = r.reason == StopReason::kStopRequested ||
                     (r.reason == StopReason::kInstructionLimit && r.instructions < length) ||
                     (r.reason == StopReason::kCycleDeadline && cur_->cycles() < tickAt &&
                      cur_->cycles() >= maxCycles);
    turnCpu_ = pick;
    turnLeft_ = cut ? length - r.instructions : 0;
    if (cycles() >= tickAt) {
      tickDevices();
      lastTick_ = cycles();
      if (displayText_) drawScreen(false);
    }
    switch (r.reason) {
      case StopReason::kTripleFault:
        return {Kind::kTripleFault, exit_status::kTripleFault,
                "triple fault on processor " + std::to_string(pick) + ": " + cur_->stopMessage()};
      case StopReason::kUnsupportedOpcode:
        return {Kind::kUnsupported, exit_status::kUnsupported,
                "unsupported instruction on processor " + std::to_string(pick) + ": " +
                    cur_->stopMessage()};
      case StopReason::kStopRequested:
        return {Kind::kStopped, exit_status::kOk, "stopped on request"};
      default:
        continue;
    }
  }
}

}  // namespace emu

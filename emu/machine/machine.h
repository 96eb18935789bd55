// The PC: the composition root that wires the CPU, the MMU, RAM and the devices, implements the
// CPU's bus (RAM, MMIO, ports, INTA, the A20 gate) and runs the CPU in slices up to the next
// device deadline.
//
// machine.cpp defines: Machine (create, load, run, the CpuBus methods, summary), parseRtc,
//   parseTlb.
// script_pacing.cpp defines: the Machine's pacing of a script (paceScript, releaseAtIdleHalt,
//   noteUntypedLines, guestWaitsForInput, releaseScript).
// text_display.cpp defines: the Machine's CGA text mirror (drawScreen).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "devices/apic_bus.h"
#include "devices/ata.h"
#include "devices/bus.h"
#include "devices/cga.h"
#include "devices/clock.h"
#include "devices/cmos.h"
#include "devices/console.h"
#include "devices/debugport.h"
#include "devices/firmware.h"
#include "devices/fwcfg.h"
#include "devices/i8042.h"
#include "devices/i8254.h"
#include "devices/i8259.h"
#include "devices/interrupts.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "devices/ram.h"
#include "devices/uart16550.h"
#include "emu/cpu/bus.h"
#include "emu/cpu/cpu.h"
#include "emu/machine/exit_status.h"
#include "mmu/mmu.h"

namespace emu {

struct MachineConfig {
  uint32_t memMb = 256;              // RAM size (--mem)
  std::string kernel;                // multiboot ELF (--kernel)
  std::string cmdline;               // --cmdline
  std::vector<std::string> modules;  // --module, "FILE [ARGS]"
  // Kernel and module files held in memory (the built-in guest), found by name before the disk.
  std::map<std::string, std::span<const uint8_t>> files;
  std::vector<std::string> disks;        // --disk: master, then slave
  bool snapshot = false;                 // --snapshot: disk writes stay in memory
  std::string bios;                      // --bios: a ROM image instead of the built-in firmware
  std::optional<std::string> input;      // --input: a script for COM1 (C escapes allowed)
  std::string inputFile;                 // --input-file: a file for COM1
  std::string keys;                      // --keys: typed on the keyboard (scan codes, C escapes)
  bool displayText = false;              // --display text: mirror the CGA screen to the terminal
  bool terminalKeyboard = false;         // --terminal keyboard: keys go to the 8042, not COM1
  int64_t rtc = 946684800;               // --rtc: the CMOS clock at cycle 0 (2000-01-01 00:00:00)
  devices::ByteSink* console = nullptr;  // COM1 and port 0xE9 output; nullptr: standard output
  mmu::TlbGeometry tlb{};
  // --lab-flush-rule: the flush checker also reports a page-fault handler that fixes a PTE
  // without a flush (mmu/flush_check.h), as the lab's handout requires one.
  bool labFlushRule = false;
  // --stop-on-unsupported: an instruction the CPU does not implement ends the run (exit status
  // 10) instead of raising #UD in the guest.
  bool stopOnUnsupported = false;
  // --smp N: processors (1 to kMaxCpus), run in turns whose order and lengths come from
  // --schedule-seed, each turn 1 to --smp-quantum instructions (docs/smp.md).
  unsigned cpus = 1;
  unsigned smpQuantum = 50;
  uint64_t scheduleSeed = 0;
};

constexpr unsigned kMaxCpus = 8;
constexpr unsigned kMaxSmpQuantum = 100000;

// The schedule's pseudo-random numbers: SplitMix64 (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", 2014), a 64-bit state advanced by a constant and mixed. The
// same seed gives the same numbers on every host; nothing of the host's own randomness is used.
class ScheduleRandom {
 public:
  explicit ScheduleRandom(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // A number from 0 to n-1 (n > 0); the bias of the remainder is below 2^-40 for n <= 2^24.
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }

 private:
  uint64_t state_;
};

// "2000-01-01", "2000-01-01T12:00:00" or seconds since 1970; false on anything else.
bool parseRtc(const std::string& text, int64_t& seconds);
// --tlb SETSxWAYS ("8x4", the 80386's), checked by mmu::TlbGeometry::validate (sets a power of
// two from 1 to 4096, ways 1 to 64). False with a one-line `error` otherwise; `split` is left as
// it is.
bool parseTlb(const std::string& text, mmu::TlbGeometry& geometry, std::string& error);

// How the machine tells that the guest waits for the next line of a script (the Run's
// --exit-when-idle test uses the same thresholds):
//  - it idles in HLT with interrupts on (nothing runnable) and has written nothing to the serial
//    port for kIdleQuiet cycles (an idle moment while output drains is not waiting);
//  - it polls the UART's line status kPolls times finding no byte and sending none (a polling
//    console, or a firmware service waiting for a key);
//  - a kernel that idles in a loop instead of HLT (an xv6 scheduler with nothing to run): it has
//    entered user mode, its receive interrupt is on, and for kQuiet cycles it has neither loaded
//    CR3 nor sent anything on the serial port. xv6 preempts a busy process at every timer tick
//    and reloads CR3 to run it again; its ticks come every 10 million LAPIC counts (0.3 s here),
//    so a second of guest time without a CR3 load is an idle scheduler. For the Run's
//    --exit-when-idle, that second must also be one of interrupts taken: a gap of more than
//    kInterruptGap without an external interrupt is a kernel busy with interrupts off (xv6's
//    wait() frees a 100 MB child under the process table's lock for seconds), not waiting, and
//    the second starts again after it.
namespace pacing {
constexpr uint64_t kIdleQuiet = devices::kCpuHz / 200;  // 5 ms
constexpr uint32_t kPolls = 64;
constexpr uint64_t kQuiet = devices::kCpuHz;             // 1 s
constexpr uint64_t kInterruptGap = devices::kCpuHz / 2;  // 0.5 s: xv6 ticks every 0.3 s
}  // namespace pacing

// The Machine's own part of a snapshot: where the running slice stands, the halt test, the
// pacing of the script, the A20 gate, the counts for the summary, the turns of the processors.
struct MachineState {
  uint64_t sliceEnd_ = ~uint64_t{0};  // the deadline the running slice was given
  bool sliceOpen_ = false;    // a run stopped inside the slice, which the next run goes on with
  uint64_t sliceDue_ = 0;     // ... and the deadline it has
  uint64_t sliceDevice_ = 0;  // the devices' next deadline when it began
  bool sliceCut_ = false;     // checkSlice ended the slice early
  // haltIsFinal: the instruction count the halt began at (none: ~0), the cycle by which every
  // timer armed then has expired, and how many such rounds passed with no interrupt.
  uint64_t haltInstructions_ = ~uint64_t{0}, haltHorizon_ = 0;
  unsigned haltRounds_ = 0;
  uint64_t lastDraw_ = 0;                      // drawScreen: the cycle of the last frame
  std::vector<uint8_t> shownScreen_;           // ... the characters and attributes it showed
  uint16_t shownCursor_ = 0xFFFF;              // ... and the cursor
  uint64_t scriptReleased_ = 0;                // the cycle the last line was let go
  bool sawIdleHalt_ = false;                   // the guest has idled in HLT with interrupts on
  uint64_t cr3Writes_ = 0, lastCr3Write_ = 0;  // MOV CR3 count and when it last changed
  bool ignne_ = false;                         // IGNNE#: port F0h written since FERR# was asserted
  uint32_t a20Mask_ = ~(1u << 20);
  bool resetRequested_ = false;
  uint64_t unassignedMemory_ = 0;
  uint32_t firstUnassigned_ = 0;
  unsigned current_ = 0;
  std::vector<bool> waitingForStartup_;  // an AP before its STARTUP IPI
  std::vector<uint64_t> turns_;
  ScheduleRandom schedule_{0};
  uint64_t lastTick_ = 0;  // runTurns: the guest time the devices were last ticked
  unsigned turnCpu_ = 0;   // runTurns: the processor of the last turn, and what is left of it
  uint64_t turnLeft_ = 0;
};

// A snapshot of the whole machine (docs/debug.md): every processor and MMU, RAM, every device,
// the Machine's own state; everything a run from it needs to go on exactly as the run it was
// taken from went on. Made by Machine::saveState, given back by Machine::restoreState to the same
// machine or to another built from the same configuration. Plain values: no pointer into a
// machine (RAM frames are shared with the snapshot before, read-only).
struct MachineSnapshot {
  uint64_t instructions = 0, cycles = 0;  // where it was taken
  std::vector<CoreState> cpus;
  std::vector<mmu::Mmu::State> mmus;
  devices::Ram::Image ram;
  uint64_t clock = 0;
  devices::PicPair::State pic;
  devices::Pit8254::State pit;
  devices::Uart16550::State com1;
  devices::AtaChannel::State ata;
  std::vector<devices::Disk::State> disks;
  devices::Kbc8042::State kbc;
  devices::Cmos::State cmos;
  devices::Cga::State cga;
  devices::DebugPorts::State debug;
  devices::FwCfg::State fwcfg;
  devices::IoApic::State ioapic;
  devices::ApicBus::State apics;
  devices::InterruptRouter::State router;
  devices::PortBus::State ports;
  std::optional<devices::ScriptSource::State> script;
  MachineState machine;
  // Host memory it holds of its own: RAM frames it copied (the others are shared) and the rest.
  size_t ownBytes() const;
};

class Machine final : public CpuBus, private MachineState {
 public:
  // Builds the machine and loads its images; nullptr and a one-line `error` if an option (the TLB
  // geometry too) or an image is bad. Never throws for either.
  static std::unique_ptr<Machine> create(const MachineConfig& config, std::string& error);
  ~Machine() override;

  struct Outcome {
    enum class Kind {
      kGuestExit,
      kGuestReset,
      kInstructionLimit,
      kCycleLimit,
      kHalted,
      kTripleFault,
      kUnsupported,
      kStopped
    };
    Kind kind;
    int status;           // the emulator's exit status for this outcome
    std::string message;  // one line (the triple fault adds the register dump)
  };
  // Runs until the guest exits or stops, or `maxInstructions` / `maxCycles` / `stopCycles`
  // (totals) are reached, or an observer called cpu().requestStop() (kStopped). `maxCycles` ends
  // the device slice running then, as a device deadline would (the devices look at the time, a
  // script may be typed); a stop for any other reason (an instruction count, `stopCycles`, a
  // request) leaves the slice open, and the next run() goes on with it: calling run() again
  // continues the run exactly as if it had not stopped, scripted input included.
  Outcome run(uint64_t maxInstructions, uint64_t maxCycles, uint64_t stopCycles = ~uint64_t{0});

  // ---- CpuBus ----
  uint8_t* frame(uint32_t pa) override;
  uint32_t read(uint32_t pa, unsigned size) override;
  void write(uint32_t pa, uint32_t value, unsigned size) override;
  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;
  uint8_t interruptAcknowledge() override;
  // The x87's FERR# (CR0.NE clear) on IRQ 13, and IGNNE# after a write to port F0h.
  void fpuError(bool asserted) override;
  bool fpuErrorIgnored() override { return ignne_; }

  // The processor that runs now, or ran last (processor 0 before the first turn); its MMU. With one
  // processor, the one.
  Cpu& cpu() { return *cur_; }
  mmu::Mmu& mmu() { return *curMmu_; }
  // Every processor: 0 is the bootstrap processor (docs/smp.md).
  unsigned cpuCount() const { return static_cast<unsigned>(cpus_.size()); }
  Cpu& cpu(unsigned processor) { return *cpus_[processor]; }
  const Cpu& cpu(unsigned processor) const { return *cpus_[processor]; }
  mmu::Mmu& mmu(unsigned processor) { return *mmus_[processor]; }
  const mmu::Mmu& mmu(unsigned processor) const { return *mmus_[processor]; }
  unsigned currentCpu() const { return current_; }
  // Whether a processor has been started (the bootstrap processor at power-on, the others by
  // INIT and STARTUP).
  bool started(unsigned processor) const { return !waitingForStartup_[processor]; }
  // The whole machine: instructions retired by every processor, and the guest time (the highest
  // cycle counter any processor reached; with one processor, its counter).
  uint64_t instructions() const;
  uint64_t cycles() const;
  // The MMUs' statistics added over every processor.
  mmu::MmuStats mmuStats() const;
  // Turns taken by each processor (docs/smp.md), and interprocessor interrupts sent.
  uint64_t turns(unsigned processor) const { return turns_[processor]; }
  uint64_t ipisSent() const { return apics_.ipisSent(); }
  devices::Ram& ram() { return ram_; }
  devices::Cga& cga() { return cga_; }
  devices::LocalApic& lapic() { return lapic_; }
  devices::LocalApic& apic(unsigned processor) { return apics_.apic(processor); }
  devices::Pit8254& pit() { return pit_; }
  devices::Kbc8042& keyboard() { return kbc_; }
  devices::AtaChannel& ata() { return ata_; }
  devices::PortBus& ports() { return ports_; }
  bool a20() const { return a20Mask_ == ~0u; }
  void setA20(bool on);
  // The board's NMI (what a parity or I/O channel check error would raise; nothing on this
  // machine does by itself): unless bit 7 of the last write to port 0x70 masks it, as on the
  // PC/AT, it reaches the LINT1 pin of every local APIC (virtual wire mode, MP spec 3.6.2.2),
  // and each delivers it as its LVT LINT1 entry says: an NMI where the firmware (or a kernel)
  // programmed it so, nothing where it is masked (after reset). Returns whether a local APIC
  // delivered it.
  bool raiseNmi();

  // Snapshots (docs/debug.md). saveState at an instruction boundary between runs; `previous`
  // (a snapshot of this run, usually the last) lets unchanged RAM frames be shared. restoreState
  // puts this machine where the snapshot was taken, the decoded code dropped: the next run() goes
  // on exactly as the run after the snapshot did. The console, the input source's kind and the
  // disks' files are the machine's own and stay.
  std::shared_ptr<const MachineSnapshot> saveState(const MachineSnapshot* previous = nullptr) const;
  void restoreState(const MachineSnapshot& s);

  // Accesses to addresses with nothing behind them: count and the first one (run summary).
  uint64_t unassignedMemory() const { return unassignedMemory_; }
  uint32_t firstUnassignedMemory() const { return firstUnassigned_; }
  std::string summary() const;  // one line for the end of a run

 private:
  explicit Machine(const MachineConfig& config);
  bool load(const MachineConfig& config, std::string& error);
  void sync() {
    if (cpus_.size() == 1) {
      clock_.set(cpu_->cycles());
    } else if (cur_->cycles() > clock_.now()) {
      clock_.set(cur_->cycles());  // the processors' counters differ a little: time never goes back
    }
  }
  void updateIntr() {
    if (cpus_.size() == 1) {
      cpu_->setIntr(router_.intr());
      return;
    }
    for (unsigned k = 0; k < cpus_.size(); ++k) cpus_[k]->setIntr(router_.intr(apics_.apic(k)));
  }
  // After a guest write: end the slice early if a timer now expires before the slice's end or
  // the guest asked to stop, so that no event is taken late.
  void checkSlice() {
    if (nextDeadline() < sliceEnd_ || debug_.exitStatus() || resetRequested_) {
      sliceCut_ = true;
      cur_->endSlice();
    }
  }
  // smp.cpp
  Outcome runTurns(uint64_t maxInstructions, uint64_t maxCycles);
  void select(unsigned processor);
  void startProcessor(unsigned processor, unsigned mode, uint8_t vector);
  void tickDevices();
  uint64_t nextDeadline() const;
  void noteUnassigned(uint32_t pa);
  bool haltIsFinal();        // a halt with interrupts on that nothing can ever end
  std::string haltReason();  // ... and why, in one line
  Outcome runSlices(uint64_t maxInstructions, uint64_t maxCycles, uint64_t stopCycles);

  // script_pacing.cpp
  void paceScript();         // after a slice: type the next line if the guest waits for it
  bool releaseAtIdleHalt();  // the guest idles in HLT: type the next line if it waits (true)
  void noteUntypedLines(Outcome& r) const;  // a run that ends short says what was never typed
  bool guestWaitsForInput();
  void releaseScript();  // type the next line of the script

  // text_display.cpp
  void drawScreen(bool force);  // --display text

  bool displayText_ = false;

  devices::Clock clock_;
  devices::Ram ram_;
  std::unique_ptr<devices::FileSink> stdoutSink_;
  devices::ByteSink* console_;
  std::unique_ptr<devices::ByteSource> input_;
  devices::ScriptSource* script_ = nullptr;                    // input_ when it is a paced script
  std::unique_ptr<devices::TerminalSource> keyboardTerminal_;  // --terminal keyboard
  devices::PortBus ports_;
  devices::MmioMap mmio_;
  devices::LocalApic lapic_;
  devices::IoApic ioapic_;
  devices::PicPair pic_;
  devices::InterruptRouter router_;
  devices::Pit8254 pit_;
  devices::Uart16550 com1_;
  devices::AtaChannel ata_;
  devices::Kbc8042 kbc_;
  devices::Cmos cmos_;
  devices::Cga cga_;
  devices::DebugPorts debug_;
  devices::FwCfg fwcfg_;
  std::vector<uint8_t> userRom_;  // --bios: also at the top of the 4 GB space
  devices::ApicBus apics_;
  mmu::MmuPeers mmuPeers_;
  std::vector<std::unique_ptr<mmu::Mmu>> mmus_;  // one per processor
  std::vector<std::unique_ptr<Cpu>> cpus_;
  mmu::Mmu* mmu_ = nullptr;  // processor 0's
  Cpu* cpu_ = nullptr;
  Cpu* cur_ = nullptr;  // the processor running (cpu()), and its MMU
  mmu::Mmu* curMmu_ = nullptr;
  unsigned quantum_ = 50;
};

}  // namespace emu

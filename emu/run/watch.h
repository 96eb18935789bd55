// What a run can tell only by looking at it now and then (between the pieces Run::resume runs
// the machine in): that the guest waits for console input the script will never give, and that
// it spins with interrupts off, as a kernel does after a panic.
//
// watch.cpp defines: InputIdle, StuckGuest.
#pragma once

#include <cstdint>

#include "devices/console.h"
#include "devices/uart16550.h"
#include "emu/machine/machine.h"

namespace run {

// What a snapshot of the run holds of the idle test.
struct InputIdleState {
  uint64_t usedUpAt_ = 0;  // the cycle the script was first seen typed and read (0: not yet)
  uint64_t cr3Writes_ = 0, lastCr3Write_ = 0;
  uint64_t lastInterrupt_ = 0;  // the cycle of the last external interrupt (0: none yet)
  uint64_t busyUntil_ = 0;      // the end of the last gap of kInterruptGap without one
};

// The guest waits for the next line of input and the --input script is used up. The machine
// paces the script with the same test (Machine::guestWaitsForInput, whose three signs are
// repeated here from what it exposes): the guest polls the UART finding nothing; or it idles
// in HLT and has sent nothing for 5 ms; or, once user code has run with the receive interrupt
// on, a second of guest time passes without a CR3 load or a byte sent (an idle scheduler loop).
class InputIdle : private InputIdleState {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = InputIdleState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  explicit InputIdle(emu::Machine& machine);
  // A paced script is the console's input (otherwise the guest is never "done" with it).
  bool scripted() const { return script_ != nullptr; }
  // Looks at the machine now; true once the script is typed and read and the guest waits.
  bool idle();
  // An external interrupt was taken now (the Run's onInterrupt, before it looks).
  void interrupt();

 private:
  emu::Machine& machine_;
  devices::Uart16550* uart_ = nullptr;
  devices::ScriptSource* script_ = nullptr;
};

// What a snapshot of the run holds of the stuck test.
struct StuckGuestState {
  uint64_t since_ = 0;  // the cycle the quiet with interrupts off began
  uint64_t activity_ = 0;
  bool quiet_ = false;
};

// Interrupts off, no port I/O, no console output and no interrupt for `cycles` of guest time:
// a kernel that panicked and spins (xv6's panic: cli, print, for (;;)).
class StuckGuest : private StuckGuestState {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = StuckGuestState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  StuckGuest(emu::Machine& machine, uint64_t cycles) : machine_(machine), limit_(cycles) {}
  // `activity`: a count that moves with any I/O, interrupt or console byte.
  bool stuck(uint64_t activity);
  uint64_t limit() const { return limit_; }

 private:
  emu::Machine& machine_;
  uint64_t limit_;
};

}  // namespace run

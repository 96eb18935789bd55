// The pacing of scripted console input (--input, --input-file): a script is typed a line at a
// time, each line once the guest waits for input, so that the run reads like a session at the
// console (docs/platform.md, "Scripted input, a line at a time").
#include <algorithm>

#include "emu/machine/machine.h"

namespace emu {

using pacing::kIdleQuiet;
using pacing::kPolls;
using pacing::kQuiet;

bool Machine::guestWaitsForInput() {
  uint64_t now = cycles();
  uint64_t writes = 0, userEntries = 0;
  for (unsigned k = 0; k < cpuCount(); ++k) {
    writes += mmus_[k]->stats().flushes[static_cast<unsigned>(mmu::FlushKind::kCr3Write)];
    userEntries += cpus_[k]->userEntries();
  }
  if (writes != cr3Writes_) {
    cr3Writes_ = writes;
    lastCr3Write_ = now;
  }
  if (com1_.emptyPolls() >= kPolls) return true;
  // Only once user code has run: boot-time work, such as filling the free list, comes before
  // any process and is not waiting.
  uint64_t since = std::max({com1_.lastTransmit(), scriptReleased_, lastCr3Write_});
  return !sawIdleHalt_ && userEntries > 0 && com1_.receiveInterruptEnabled() &&
         now >= since + kQuiet;
}

void Machine::releaseScript() {
  script_->release();
  scriptReleased_ = cycles();
  com1_.tick();
  updateIntr();
}

void Machine::paceScript() {
  if (script_ && script_->waiting() && guestWaitsForInput()) releaseScript();
}

bool Machine::releaseAtIdleHalt() {
  sawIdleHalt_ = true;
  if (script_ && script_->waiting() &&
      cycles() >= std::max(com1_.lastTransmit(), scriptReleased_) + kIdleQuiet) {
    releaseScript();
    return true;
  }
  return false;
}

// A run that stopped short with lines of the script never typed: say so, since the likely cause
// is a guest that never waited for input (or a limit too small for the script).
void Machine::noteUntypedLines(Outcome& r) const {
  bool stoppedShort = r.kind == Outcome::Kind::kInstructionLimit ||
                      r.kind == Outcome::Kind::kCycleLimit || r.kind == Outcome::Kind::kHalted;
  if (stoppedShort && script_ && script_->linesLeft() > 0) {
    size_t n = script_->linesLeft();
    r.message +=
        "; " + std::to_string(n) + (n == 1 ? " line" : " lines") + " of --input not typed yet";
  }
}

}  // namespace emu

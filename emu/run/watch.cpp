// The idle and stuck tests between pieces of a run.
#include "emu/run/watch.h"

#include <algorithm>

namespace run {

namespace {
constexpr uint16_t kCom1 = 0x3F8;
constexpr uint32_t kInterruptFlag = 1u << 9;  // EFLAGS.IF
using emu::pacing::kIdleQuiet;
using emu::pacing::kInterruptGap;
using emu::pacing::kPolls;
using emu::pacing::kQuiet;
}  // namespace

InputIdle::InputIdle(emu::Machine& machine) : machine_(machine) {
  uart_ = dynamic_cast<devices::Uart16550*>(machine.ports().at(kCom1));
  if (uart_ != nullptr) script_ = dynamic_cast<devices::ScriptSource*>(uart_->input());
}

bool InputIdle::idle() {
  if (script_ == nullptr) return false;
  const emu::Cpu& cpu = machine_.cpu();
  uint64_t now = cpu.cycles();
  uint64_t writes =
      machine_.mmu().stats().flushes[static_cast<unsigned>(mmu::FlushKind::kCr3Write)];
  if (writes != cr3Writes_) {
    cr3Writes_ = writes;
    lastCr3Write_ = now;
  }
  if (script_->linesLeft() > 0 || uart_->unread() > 0) {
    usedUpAt_ = 0;
    return false;
  }
  if (usedUpAt_ == 0) usedUpAt_ = now;
  if (uart_->emptyPolls() >= kPolls) return true;
  uint64_t sent = uart_->lastTransmit();
  if (cpu.halted() && (cpu.eflags() & kInterruptFlag) &&
      now >= std::max(sent, usedUpAt_) + kIdleQuiet) {
    return true;
  }
  // A kernel that idles in a loop: a quiet second of interrupts taken. Interrupts off with none
  // taken for kInterruptGap is a kernel at work (xv6 freeing a big process under a lock).
  bool interruptsStopped = lastInterrupt_ != 0 && now - lastInterrupt_ > kInterruptGap;
  if (!(cpu.eflags() & kInterruptFlag) && interruptsStopped) return false;
  uint64_t since = std::max({sent, usedUpAt_, lastCr3Write_, busyUntil_});
  return cpu.userEntries() > 0 && uart_->receiveInterruptEnabled() && now >= since + kQuiet;
}

void InputIdle::interrupt() {
  uint64_t now = machine_.cpu().cycles();
  if (lastInterrupt_ != 0 && now - lastInterrupt_ > kInterruptGap) busyUntil_ = now;
  lastInterrupt_ = now;
}

bool StuckGuest::stuck(uint64_t activity) {
  const emu::Cpu& cpu = machine_.cpu();
  uint64_t now = cpu.cycles();
  if ((cpu.eflags() & kInterruptFlag) || activity != activity_ || !quiet_) {
    activity_ = activity;
    quiet_ = !(cpu.eflags() & kInterruptFlag);
    since_ = now;
    return false;
  }
  return now - since_ >= limit_;
}

}  // namespace run

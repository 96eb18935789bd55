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

// What the tests below ask of the processor, asked of every processor that has started (with
// one processor, of it): all halted with IF=1, any with IF=1, their returns to user mode, their
// MOV CR3s.
bool allHaltedInterruptible(emu::Machine& m) {
  for (unsigned k = 0; k < m.cpuCount(); ++k) {
    const emu::Cpu& c = m.cpu(k);
    if (m.started(k) && !(c.halted() && (c.eflags() & kInterruptFlag))) return false;
  }
  return true;
}
bool anyInterruptible(emu::Machine& m) {
  for (unsigned k = 0; k < m.cpuCount(); ++k) {
    if (m.started(k) && (m.cpu(k).eflags() & kInterruptFlag)) return true;
  }
  return false;
}
uint64_t userEntries(emu::Machine& m) {
  uint64_t n = 0;
  for (unsigned k = 0; k < m.cpuCount(); ++k) n += m.cpu(k).userEntries();
  return n;
}
uint64_t cr3Writes(emu::Machine& m) {
  uint64_t n = 0;
  for (unsigned k = 0; k < m.cpuCount(); ++k)
    n += m.mmu(k).stats().flushes[static_cast<unsigned>(mmu::FlushKind::kCr3Write)];
  return n;
}
}  // namespace

InputIdle::InputIdle(emu::Machine& machine) : machine_(machine) {
  uart_ = dynamic_cast<devices::Uart16550*>(machine.ports().at(kCom1));
  if (uart_ != nullptr) script_ = dynamic_cast<devices::ScriptSource*>(uart_->input());
}

bool InputIdle::idle() {
  if (script_ == nullptr) return false;
  uint64_t now = machine_.cycles();
  uint64_t writes = cr3Writes(machine_);
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
  if (allHaltedInterruptible(machine_) && now >= std::max(sent, usedUpAt_) + kIdleQuiet) {
    return true;
  }
  // A kernel that idles in a loop: a quiet second of interrupts taken. Interrupts off with none
  // taken for kInterruptGap is a kernel at work (xv6 freeing a big process under a lock).
  bool interruptsStopped = lastInterrupt_ != 0 && now - lastInterrupt_ > kInterruptGap;
  if (!anyInterruptible(machine_) && interruptsStopped) return false;
  uint64_t since = std::max({sent, usedUpAt_, lastCr3Write_, busyUntil_});
  return userEntries(machine_) > 0 && uart_->receiveInterruptEnabled() && now >= since + kQuiet;
}

void InputIdle::interrupt() {
  uint64_t now = machine_.cycles();
  if (lastInterrupt_ != 0 && now - lastInterrupt_ > kInterruptGap) busyUntil_ = now;
  lastInterrupt_ = now;
}

bool StuckGuest::stuck(uint64_t activity) {
  uint64_t now = machine_.cycles();
  const bool interruptible = anyInterruptible(machine_);
  if (interruptible || activity != activity_ || !quiet_) {
    activity_ = activity;
    quiet_ = !interruptible;
    since_ = now;
    return false;
  }
  return now - since_ >= limit_;
}

}  // namespace run

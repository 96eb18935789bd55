// The event bus: fans CPU and MMU events out to the attached observers.
#include "emu/events/events.h"

#include "mmu/mmu.h"

namespace emu {

void EventBus::bind(const ContextSource* source, mmu::Mmu* mmu) {
  addMmu(mmu);
  select(source, mmu);
}

void EventBus::addMmu(mmu::Mmu* mmu) {
  if (mmu == nullptr || mmuCount_ == kMaxMmus) return;
  mmus_[mmuCount_++] = mmu;
  if (count_ != 0) mmu->setObserver(this);
}

bool EventBus::attach(Observer* observer) {
  if (count_ == kMaxObservers) return false;
  observers_[count_++] = observer;
  if (count_ == 1) {
    for (unsigned i = 0; i < mmuCount_; ++i) mmus_[i]->setObserver(this);
  }
  return true;
}

void EventBus::detach(Observer* observer) {
  for (unsigned i = 0; i < count_; ++i) {
    if (observers_[i] != observer) continue;
    for (unsigned j = i + 1; j < count_; ++j) observers_[j - 1] = observers_[j];
    observers_[--count_] = nullptr;
    if (count_ == 0) {
      for (unsigned k = 0; k < mmuCount_; ++k) mmus_[k]->setObserver(nullptr);
    }
    return;
  }
}

EventContext EventBus::context() const {
  return source_ != nullptr ? source_->eventContext() : EventContext{};
}

void EventBus::exception(const ExceptionEvent& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onException(e);
}
void EventBus::interrupt(const InterruptEvent& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onInterrupt(e);
}
void EventBus::syscall(const SyscallEvent& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onSyscall(e);
}
void EventBus::instruction(const InstructionEvent& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onInstruction(e);
}
void EventBus::outerReturn(const ReturnEvent& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onReturn(e);
}
void EventBus::halt(const HaltEvent& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onHalt(e);
}
void EventBus::io(const IoEvent& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onIo(e);
}
void EventBus::onTlbMiss(const mmu::TlbMiss& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onTlbMiss(e);
}
void EventBus::onTlbFlush(const mmu::TlbFlush& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onTlbFlush(e);
}
void EventBus::onPageFault(const mmu::PageFault& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onPageFault(e);
}
void EventBus::onCr3Write(const mmu::Cr3Write& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onCr3Write(e);
}
void EventBus::onStaleTlbUse(const mmu::StaleTlbUse& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onStaleTlbUse(e);
}
void EventBus::onMissingFlush(const mmu::MissingFlush& e) {
  for (unsigned i = 0; i < count_; ++i) observers_[i]->onMissingFlush(e);
}

}  // namespace emu

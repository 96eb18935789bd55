// Local APIC registers (SDM vol. 3A table 10-1), offsets from 0xFEE00000, each 32 bits at a
// 16-byte stride:
//   0x020 ID (bits 31-24)     0x030 version        0x080 TPR         0x090 APR    0x0A0 PPR
//   0x0B0 EOI                 0x0D0 LDR            0x0E0 DFR         0x0F0 SVR (bit 8 enable)
//   0x100-0x170 ISR           0x180-0x1F0 TMR      0x200-0x270 IRR   0x280 ESR
//   0x300/0x310 ICR low/high  0x320 LVT timer      0x340 LVT perf    0x350/0x360 LINT0/1
//   0x370 LVT error           0x380 initial count  0x390 current count  0x3E0 divide config
// The timer counts at the CPU clock divided by the divide configuration (one count per cycle
// at divide-by-1), so its period is initial count x divisor cycles exactly.
#include "devices/lapic.h"

namespace devices {

namespace {
constexpr uint32_t kVersion = 0x00040014;  // version 0x14 (integrated APIC), max LVT entry 4
constexpr uint32_t kSvrEnable = 1u << 8;
constexpr uint32_t kTimerPeriodic = 1u << 17;
}  // namespace

LocalApic::LocalApic(Clock& clock, uint8_t id)
    : clock_(clock), id_(static_cast<uint32_t>(id) << 24) {}

void LocalApic::init() {
  tpr_ = ldr_ = esr_ = esrPending_ = icrLow_ = icrHigh_ = 0;
  dfr_ = 0xFFFFFFFF;
  svr_ = 0xFF;
  lvtTimer_ = lvtPerf_ = lvtLint0_ = lvtLint1_ = lvtError_ = kLvtMasked;
  initialCount_ = divideConfig_ = 0;
  timerStart_ = 0;
  nextExpiry_ = kNever;
  irr_ = Bits{};
  isr_ = Bits{};
  tmr_ = Bits{};
}

bool LocalApic::logicalMatch(uint8_t dest) const {
  uint8_t ldr = static_cast<uint8_t>(ldr_ >> 24);
  if ((dfr_ >> 28) == 0xF) return (dest & ldr) != 0;            // flat
  return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xF) != 0;  // cluster
}

void LocalApic::firmwareDefaults() {
  svr_ = kSvrEnable | 0xFF;
  lvtLint0_ = 0x700;  // ExtINT: the 8259 drives INTR through the APIC
  lvtLint1_ = 0x400;  // NMI
}

unsigned LocalApic::divisor() const {
  // Divide configuration bits 3, 1, 0 (SDM figure 10-10): 000 = 2 ... 110 = 128, 111 = 1.
  unsigned code = (divideConfig_ & 3) | ((divideConfig_ >> 1) & 4);
  return code == 7 ? 1 : 2u << code;
}

int LocalApicState::Bits::highest() const {
  for (int i = 3; i >= 0; --i) {
    if (w[i]) return i * 64 + 63 - __builtin_clzll(w[i]);
  }
  return -1;
}

uint32_t LocalApic::ppr() const {
  // SDM 10.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4.
  int isrv = isr_.highest();
  uint32_t isrClass = isrv < 0 ? 0 : static_cast<uint32_t>(isrv) & 0xF0;
  return (tpr_ & 0xF0) >= isrClass ? tpr_ & 0xFF : isrClass;
}

int LocalApic::pendingVector() const {
  int v = irr_.highest();
  if (v < 0) return -1;
  return (static_cast<uint32_t>(v) & 0xF0) > (ppr() & 0xF0) ? v : -1;
}

uint8_t LocalApic::acknowledge() {
  int v = pendingVector();
  if (v < 0) return static_cast<uint8_t>(svr_ & 0xFF);  // spurious: nothing goes in service
  irr_.set(v, false);
  isr_.set(v, true);
  return static_cast<uint8_t>(v);
}

void LocalApic::accept(uint8_t vector, bool level) {
  if (vector < 16) {
    esr_ |= 0x40;  // received illegal vector
    return;
  }
  irr_.set(vector, true);
  tmr_.set(vector, level);
}

void LocalApic::acceptNmi() {
  ++nmis_;
  if (onNmi) onNmi();
}

bool LocalApic::lint1() {
  if (lvtLint1_ & kLvtMasked) return false;
  switch ((lvtLint1_ >> 8) & 7) {
    case 0:
      accept(static_cast<uint8_t>(lvtLint1_ & 0xFF), (lvtLint1_ >> 15) & 1);
      return true;
    case 4:
      acceptNmi();
      return true;
    default:  // SMI, INIT, ExtINT on LINT1: not wired on this board
      return false;
  }
}

bool LocalApic::picPassThrough() const {
  return !(lvtLint0_ & kLvtMasked) && ((lvtLint0_ >> 8) & 7) == 7;
}

uint32_t LocalApic::currentCount() const {
  if (initialCount_ == 0) return 0;
  uint64_t elapsed = (clock_.now() - timerStart_) / divisor();
  if (lvtTimer_ & kTimerPeriodic)
    return initialCount_ - static_cast<uint32_t>(elapsed % initialCount_);
  return elapsed >= initialCount_ ? 0 : initialCount_ - static_cast<uint32_t>(elapsed);
}

void LocalApic::startTimer(uint32_t initial) {
  initialCount_ = initial;
  timerStart_ = clock_.now();
  nextExpiry_ = initial ? timerStart_ + uint64_t{initial} * divisor() : kNever;
}

uint64_t LocalApic::deadline() const {
  return nextExpiry_;
}

void LocalApic::tick() {
  uint64_t now = clock_.now();
  if (nextExpiry_ == kNever || now < nextExpiry_) return;
  ++timerFired_;
  // A masked timer still counts; it only does not interrupt. Software-disabled APICs force
  // every LVT mask (SDM 10.4.7.2).
  if (!(lvtTimer_ & kLvtMasked) && (svr_ & kSvrEnable))
    accept(static_cast<uint8_t>(lvtTimer_ & 0xFF), false);
  if (lvtTimer_ & kTimerPeriodic) {
    uint64_t period = uint64_t{initialCount_} * divisor();
    // The next multiple of the period after now; periods the slice overran merge into one
    // interrupt, as IRR can hold only one.
    nextExpiry_ = timerStart_ + ((now - timerStart_) / period + 1) * period;
  } else {
    nextExpiry_ = kNever;
  }
}

uint32_t LocalApic::read(unsigned reg) const {
  switch (reg) {
    case 0x020:
      return id_;
    case 0x030:
      return kVersion;
    case 0x080:
      return tpr_;
    case 0x090:
      return 0;  // arbitration priority: one CPU
    case 0x0A0:
      return ppr();
    case 0x0D0:
      return ldr_;
    case 0x0E0:
      return dfr_;
    case 0x0F0:
      return svr_;
    case 0x280:
      return esr_;
    case 0x300:
      return icrLow_ & ~(1u << 12);  // delivery status: always idle
    case 0x310:
      return icrHigh_;
    case 0x320:
      return lvtTimer_;
    case 0x340:
      return lvtPerf_;
    case 0x350:
      return lvtLint0_;
    case 0x360:
      return lvtLint1_;
    case 0x370:
      return lvtError_;
    case 0x380:
      return initialCount_;
    case 0x390:
      return currentCount();
    case 0x3E0:
      return divideConfig_;
    default:
      if (reg >= 0x100 && reg < 0x280) {
        const Bits& bits = reg < 0x180 ? isr_ : reg < 0x200 ? tmr_ : irr_;
        unsigned first = ((reg & 0x7F) >> 4) * 32;  // eight 32-bit registers per 256 bits
        return static_cast<uint32_t>(bits.w[first >> 6] >> (first & 63));
      }
      return 0;
  }
}

void LocalApic::write(unsigned reg, uint32_t value) {
  bool enabled = svr_ & kSvrEnable;
  uint32_t forceMask = enabled ? 0 : kLvtMasked;
  switch (reg) {
    case 0x020:
      id_ = value & 0xFF000000;
      break;
    case 0x080:
      tpr_ = value & 0xFF;
      break;
    case 0x0B0: {  // EOI: retire the highest in-service vector
      int v = isr_.highest();
      if (v >= 0) {
        isr_.set(v, false);
        if (tmr_.test(v) && onLevelEoi) onLevelEoi(static_cast<uint8_t>(v));
      }
      break;
    }
    case 0x0D0:
      ldr_ = value & 0xFF000000;
      break;
    case 0x0E0:
      dfr_ = value | 0x0FFFFFFF;
      break;
    case 0x0F0:
      svr_ = value & 0x3FF;
      if (!(svr_ & kSvrEnable)) {  // software disable masks every LVT entry
        lvtTimer_ |= kLvtMasked;
        lvtPerf_ |= kLvtMasked;
        lvtLint0_ |= kLvtMasked;
        lvtLint1_ |= kLvtMasked;
        lvtError_ |= kLvtMasked;
      }
      break;
    case 0x280:
      esr_ = esrPending_;
      esrPending_ = 0;
      break;  // a write latches new errors
    case 0x300: {
      icrLow_ = value & 0x000CCFFF;
      if (onIcr) {
        onIcr(value, icrHigh_);
        break;
      }
      unsigned mode = (value >> 8) & 7;
      unsigned shorthand = (value >> 18) & 3;
      uint8_t dest = static_cast<uint8_t>(icrHigh_ >> 24);
      // Fixed and NMI IPIs to this CPU (by shorthand "self" or "all including self", or by its
      // ID) are delivered; INIT and STARTUP find no other processor and complete at once.
      bool toSelf = shorthand == 1 || shorthand == 2 || (shorthand == 0 && dest == id());
      if (mode == 0 && toSelf) accept(static_cast<uint8_t>(value & 0xFF), (value >> 15) & 1);
      if (mode == 4 && toSelf) acceptNmi();
      break;
    }
    case 0x310:
      icrHigh_ = value & 0xFF000000;
      break;
    case 0x320:
      lvtTimer_ = (value & 0x300FF) | forceMask;
      break;
    case 0x340:
      lvtPerf_ = (value & 0x107FF) | forceMask;
      break;
    case 0x350:
      lvtLint0_ = (value & 0x1A7FF) | forceMask;
      break;
    case 0x360:
      lvtLint1_ = (value & 0x1A7FF) | forceMask;
      break;
    case 0x370:
      lvtError_ = (value & 0x100FF) | forceMask;
      break;
    case 0x380:
      startTimer(value);
      break;
    case 0x3E0: {
      // Keep the current count across a divisor change: restart the elapsed-time origin.
      uint32_t current = currentCount();
      unsigned oldDivisor = divisor();
      divideConfig_ = value & 0xB;
      if (initialCount_ && divisor() != oldDivisor) {
        uint64_t consumed = uint64_t{initialCount_ - current} * divisor();
        uint64_t now = clock_.now();
        timerStart_ = now >= consumed ? now - consumed : 0;
        if (nextExpiry_ != kNever) nextExpiry_ = now + uint64_t{current} * divisor();
      }
      break;
    }
    default:
      break;  // read-only registers ignore writes
  }
}

uint32_t LocalApic::mmioRead(uint32_t offset, unsigned size) {
  // Registers are 32 bits wide on 16-byte boundaries; narrower reads see part of one.
  uint32_t v = read(offset & 0xFF0);
  return (v >> (8 * (offset & 3))) & allOnes(size);
}

void LocalApic::mmioWrite(uint32_t offset, uint32_t value, unsigned size) {
  if (size != 4 || (offset & 0xF) != 0) return;  // the SDM requires aligned 32-bit accesses
  write(offset & 0xFF0, value);
}

}  // namespace devices

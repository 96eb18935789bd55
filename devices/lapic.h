// A processor's local APIC (Intel SDM vol. 3A chapter 10), at 0xFEE00000. With several processors
// each has its own (devices/apic_bus.h), and the ICR sends interprocessor interrupts.
//
// lapic.cpp defines: LocalApic.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "devices/bus.h"
#include "devices/clock.h"

namespace devices {

// What a snapshot of the chip holds: every register and deadline, none of its wiring.
struct LocalApicState {
  static constexpr uint32_t kLvtMasked = 1u << 16;  // LVT bit 16: the entry is masked
  // 256 bits as four words, so the highest set bit is a few count-leading-zeros away (this is
  // asked on every I/O access that might change INTR).
  struct Bits {
    std::array<uint64_t, 4> w{};
    bool test(unsigned v) const { return (w[v >> 6] >> (v & 63)) & 1; }
    void set(unsigned v, bool on) {
      uint64_t m = uint64_t{1} << (v & 63);
      w[v >> 6] = on ? (w[v >> 6] | m) : (w[v >> 6] & ~m);
    }
    int highest() const;  // -1 when none
  };
  uint32_t tpr_ = 0, ldr_ = 0, dfr_ = 0xFFFFFFFF, svr_ = 0xFF, esr_ = 0, esrPending_ = 0;
  uint32_t icrLow_ = 0, icrHigh_ = 0;
  uint32_t lvtTimer_ = kLvtMasked, lvtPerf_ = kLvtMasked, lvtLint0_ = kLvtMasked,
           lvtLint1_ = kLvtMasked, lvtError_ = kLvtMasked;
  uint32_t initialCount_ = 0, divideConfig_ = 0;
  uint64_t timerStart_ = 0;  // cycle at which the current count was initialCount_
  uint64_t nextExpiry_ = kNever;
  uint64_t timerFired_ = 0;
  uint64_t nmis_ = 0;  // NMIs passed to the processor (ICR, I/O APIC, LINT1)
  Bits irr_, isr_, tmr_;
};

class LocalApic : public MmioDevice, public Timed, private LocalApicState {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = LocalApicState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  static constexpr uint32_t kBase = 0xFEE00000;
  static constexpr uint32_t kLvtMasked = LocalApicState::kLvtMasked;

  explicit LocalApic(Clock& clock, uint8_t id = 0);

  uint32_t mmioRead(uint32_t offset, unsigned size) override;
  void mmioWrite(uint32_t offset, uint32_t value, unsigned size) override;
  uint64_t deadline() const override;  // the timer's next expiry
  void tick() override;                // raise the timer interrupt if it expired

  // A fixed interrupt arriving from the I/O APIC, an IPI to self, or the timer; `level`
  // records the trigger mode in TMR so that EOI is forwarded.
  void accept(uint8_t vector, bool level);
  // The vector the CPU would take now (IRR above the processor priority), or -1.
  int pendingVector() const;
  // An NMI message: ICR or I/O APIC delivery mode NMI (SDM vol. 3A 10.6.1; the vector is
  // ignored). It goes to the processor's NMI input through onNmi, also while the APIC is
  // software-disabled (SDM 10.4.7.2: it "will respond normally to ... NMI ... messages").
  void acceptNmi();
  // An edge on the LINT1 pin, where the board's NMI arrives in virtual wire mode (MP spec
  // 3.6.2.2; the MP table and the MADT say so): delivered as the LVT LINT1 entry says, NMI
  // (mode 4) or a fixed vector (mode 0); nothing when the entry is masked, which it is after
  // reset and while the APIC is software-disabled (SDM 10.4.7.1, 10.4.7.2). Returns whether
  // it was delivered.
  bool lint1();
  // The processor's NMI input (Machine: Cpu::raiseNmi of this APIC's processor).
  std::function<void()> onNmi;
  // NMI messages and LINT1 NMIs this APIC accepted.
  uint64_t nmis() const { return nmis_; }

  // INTA through the APIC: IRR -> ISR. With nothing above the priority, the spurious vector.
  uint8_t acknowledge();
  // Whether the 8259's INT reaches the CPU: LINT0 unmasked in ExtINT mode (virtual wire).
  bool picPassThrough() const;

  // Called on EOI of a level-triggered vector (the I/O APIC clears its remote IRR).
  std::function<void(uint8_t)> onLevelEoi;
  // A write to the ICR's low word sends an interprocessor interrupt: called with the ICR's low
  // and high words (the APIC bus delivers it, to this APIC too when it is a destination). Unset:
  // only fixed IPIs to this APIC are delivered, and INIT and STARTUP find no other processor.
  std::function<void(uint32_t low, uint32_t high)> onIcr;

  // The INIT IPI's reset of the APIC (SDM vol. 3A 10.4.7.3): every register to its power-on
  // value but the ID.
  void init();
  // Whether logical destination `dest` names this APIC: the flat model ANDs it with the LDR's
  // eight bits; the cluster model matches the cluster (high nibble) and ANDs the low nibbles.
  bool logicalMatch(uint8_t dest) const;
  // The task priority, for lowest-priority delivery.
  uint32_t taskPriority() const { return tpr_ & 0xFF; }

  // For the firmware: set the local vectors the way a BIOS leaves them (SVR enabled, LINT0
  // ExtINT, LINT1 NMI).
  void firmwareDefaults();

  uint8_t id() const { return static_cast<uint8_t>(id_ >> 24); }
  uint32_t currentCount() const;
  uint64_t timerInterrupts() const { return timerFired_; }

 private:
  uint32_t read(unsigned reg) const;
  void write(unsigned reg, uint32_t value);
  unsigned divisor() const;
  uint32_t ppr() const;
  void startTimer(uint32_t initial);

  Clock& clock_;
  uint32_t id_;
};

}  // namespace devices

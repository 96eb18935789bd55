// 82093AA registers through IOREGSEL/IOWIN (datasheet 3.2): 0x00 ID (bits 27-24), 0x01
// version (bits 23-16 maximum redirection entry, 7-0 version 0x11), 0x02 arbitration ID,
// 0x10 + 2n / 0x11 + 2n the low / high halves of redirection entry n:
//   bits 7-0 vector, 10-8 delivery mode, 11 destination mode, 12 delivery status (RO),
//   13 polarity, 14 remote IRR (RO), 15 trigger mode (1 = level), 16 mask, 63-56 destination.
// One CPU: every unmasked fixed or lowest-priority interrupt goes to the one local APIC,
// whatever its destination field says; with several, the APIC bus follows the destination.
#include "devices/ioapic.h"

namespace devices {

namespace {
constexpr uint64_t kMasked = 1u << 16;
constexpr uint64_t kLevel = 1u << 15;
constexpr uint64_t kRemoteIrr = 1u << 14;
constexpr uint64_t kReadOnly = (1u << 12) | kRemoteIrr;
}  // namespace

IoApic::IoApic(LocalApic& lapic, uint8_t id) : lapic_(lapic), id_(static_cast<uint32_t>(id) << 24) {
  for (uint64_t& r : redir_) r = kMasked;  // every entry masked at reset
}

void IoApic::deliver(unsigned pin) {
  uint64_t& r = redir_[pin];
  if (r & kMasked) return;
  unsigned mode = (r >> 8) & 7;
  // Fixed (0) and lowest priority (1) carry a vector; NMI (4) reaches the destination's NMI
  // input, edge-triggered (SDM vol. 3A 10.6.1). SMI, INIT and ExtINT routing of ISA inputs is a
  // multiprocessor-BIOS configuration that kernels here do not program.
  if (mode == 4) {
    if (route) {
      route(static_cast<uint8_t>(r >> 56), (r >> 11) & 1, mode, 0, false);
    } else {
      lapic_.acceptNmi();
    }
    return;
  }
  if (mode > 1) return;
  bool level = r & kLevel;
  if (level) {
    if (r & kRemoteIrr) return;  // the previous one has not been EOIed yet
    r |= kRemoteIrr;
  }
  if (route) {
    route(static_cast<uint8_t>(r >> 56), (r >> 11) & 1, mode, static_cast<uint8_t>(r & 0xFF),
          level);
    return;
  }
  lapic_.accept(static_cast<uint8_t>(r & 0xFF), level);
}

void IoApic::setInput(unsigned pin, bool asserted) {
  if (pin >= kPins) return;
  bool was = input_[pin];
  input_[pin] = asserted;
  if (!asserted) return;
  // Edge-triggered entries send on the rising edge only; level entries whenever high and idle.
  if ((redir_[pin] & kLevel) ? true : !was) deliver(pin);
}

void IoApic::eoi(uint8_t vector) {
  for (unsigned pin = 0; pin < kPins; ++pin) {
    uint64_t& r = redir_[pin];
    if ((r & kLevel) && (r & kRemoteIrr) && (r & 0xFF) == vector) {
      r &= ~kRemoteIrr;
      if (input_[pin]) deliver(pin);
    }
  }
}

uint32_t IoApic::mmioRead(uint32_t offset, unsigned size) {
  uint32_t v;
  if (offset == 0x00) {
    v = select_;
  } else if (offset == 0x10) {
    if (select_ == 0x00) {
      v = id_;
    } else if (select_ == 0x01) {
      v = static_cast<uint32_t>(kPins - 1) << 16 | 0x11;
    } else if (select_ == 0x02) {
      v = id_;
    } else if (select_ >= 0x10 && select_ < 0x10 + 2 * kPins) {
      uint64_t r = redir_[(select_ - 0x10) / 2];
      v = static_cast<uint32_t>((select_ & 1) ? r >> 32 : r);
    } else {
      v = 0;
    }
  } else {
    return allOnes(size);
  }
  return v & allOnes(size);
}

void IoApic::mmioWrite(uint32_t offset, uint32_t value, unsigned) {
  if (offset == 0x00) {
    select_ = value & 0xFF;
    return;
  }
  if (offset != 0x10) return;
  if (select_ == 0x00) {
    id_ = value & 0x0F000000;
  } else if (select_ >= 0x10 && select_ < 0x10 + 2 * kPins) {
    unsigned pin = (select_ - 0x10) / 2;
    uint64_t& r = redir_[pin];
    if (select_ & 1) {
      r = (r & 0xFFFFFFFFull) | (uint64_t{value & 0xFF000000} << 32);
    } else {
      bool wasMasked = r & kMasked;
      r = (r & (0xFFFFFFFF00000000ull | kReadOnly)) | (value & ~static_cast<uint32_t>(kReadOnly));
      // Unmasking a level entry whose input is high sends it now; a masked edge was lost.
      if (wasMasked && !(r & kMasked) && (r & kLevel) && input_[pin]) deliver(pin);
    }
  }
}

}  // namespace devices

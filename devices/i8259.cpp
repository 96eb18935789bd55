// The 8259A: initialization words ICW1-4, operation words OCW1-3, fixed and rotating priority,
// specific and non-specific EOI, auto-EOI, special mask, poll, and cascading.
#include "devices/i8259.h"

namespace devices {

void Pic8259::setInput(unsigned ir, bool level) {
  uint8_t bit = static_cast<uint8_t>(1u << ir);
  bool was = lines_ & bit;
  if (level) {
    lines_ |= bit;
    if (!was || levelMode_) irr_ |= bit;  // edge mode: only a rising edge latches
  } else {
    lines_ &= static_cast<uint8_t>(~bit);
    if (levelMode_) irr_ &= static_cast<uint8_t>(~bit);  // level mode: request drops with the line
  }
}

void Pic8259::setLevelInput(unsigned ir, bool level) {
  uint8_t bit = static_cast<uint8_t>(1u << ir);
  lines_ = level ? (lines_ | bit) : (lines_ & static_cast<uint8_t>(~bit));
  irr_ = level ? (irr_ | bit) : (irr_ & static_cast<uint8_t>(~bit));
}

unsigned Pic8259::highestInService() const {
  for (unsigned k = 0; k < 8; ++k) {
    unsigned ir = (lowest_ + 1 + k) & 7;
    uint8_t bit = static_cast<uint8_t>(1u << ir);
    // Special mask mode: a masked in-service level does not block lower priorities.
    if ((isr_ & bit) && !(specialMask_ && (imr_ & bit))) return ir;
  }
  return 8;
}

std::optional<unsigned> Pic8259::pending() const {
  unsigned blocker = highestInService();
  for (unsigned k = 0; k < 8; ++k) {
    unsigned ir = (lowest_ + 1 + k) & 7;
    if (ir == blocker) return std::nullopt;  // equal or lower priority waits for the EOI
    if (irr_ & ~imr_ & (1u << ir)) return ir;
  }
  return std::nullopt;
}

uint8_t Pic8259::acknowledge(unsigned ir) {
  uint8_t bit = static_cast<uint8_t>(1u << ir);
  if (!levelMode_) irr_ &= static_cast<uint8_t>(~bit);
  if (autoEoi_) {
    if (rotateOnAutoEoi_) lowest_ = ir;
  } else {
    isr_ |= bit;
  }
  return static_cast<uint8_t>(vectorBase_ + ir);
}

void Pic8259::eoi(unsigned ir) {
  isr_ &= static_cast<uint8_t>(~(1u << ir));
}

uint8_t Pic8259::read(bool odd) {
  if (poll_) {
    // Poll command (OCW3 P=1): the next read is the poll word and acts as an INTA.
    poll_ = false;
    if (auto ir = pending()) {
      acknowledge(*ir);
      return static_cast<uint8_t>(0x80 | *ir);
    }
    return 0;
  }
  if (odd) return imr_;
  return readIsr_ ? isr_ : irr_;
}

void Pic8259::write(bool odd, uint8_t value) {
  if (!odd) {
    if (value & 0x10) {
      // ICW1: restart initialization. The datasheet: IMR cleared, IR7 lowest priority, special
      // mask off, status read set to IRR, edge-sense circuit reset.
      needIcw4_ = value & 0x01;
      single_ = value & 0x02;
      levelMode_ = value & 0x08;
      imr_ = isr_ = irr_ = 0;
      lines_ = 0;
      lowest_ = 7;
      specialMask_ = readIsr_ = poll_ = false;
      autoEoi_ = rotateOnAutoEoi_ = false;
      initStep_ = 2;
      return;
    }
    if (value & 0x08) {
      // OCW3: bit 6 ESMM with bit 5 SMM, bit 2 poll, bit 1 RR with bit 0 RIS.
      if (value & 0x40) specialMask_ = value & 0x20;
      if (value & 0x04) poll_ = true;
      if (value & 0x02) readIsr_ = value & 0x01;
      return;
    }
    // OCW2: bits 7-5 are R, SL, EOI; bits 2-0 the level L for the specific forms.
    unsigned level = value & 7;
    switch (value >> 5) {
      case 1: {  // non-specific EOI
        unsigned ir = highestInService();
        if (ir < 8) eoi(ir);
        break;
      }
      case 3:
        eoi(level);
        break;   // specific EOI
      case 5: {  // rotate on non-specific EOI
        unsigned ir = highestInService();
        if (ir < 8) {
          eoi(ir);
          lowest_ = ir;
        }
        break;
      }
      case 4:
        rotateOnAutoEoi_ = true;
        break;  // set rotate in auto-EOI mode
      case 0:
        rotateOnAutoEoi_ = false;
        break;  // clear rotate in auto-EOI mode
      case 7:   // rotate on specific EOI
        eoi(level);
        lowest_ = level;
        break;
      case 6:
        lowest_ = level;
        break;  // set priority
      default:
        break;  // 2: no operation
    }
    return;
  }
  switch (initStep_) {
    case 2:  // ICW2: vector base, low three bits come from the input number
      vectorBase_ = value & 0xF8;
      initStep_ = single_ ? (needIcw4_ ? 4 : 0) : 3;
      return;
    case 3:  // ICW3: master: which inputs have slaves; slave: its ID
      icw3_ = value;
      initStep_ = needIcw4_ ? 4 : 0;
      return;
    case 4:  // ICW4: bit 1 AEOI (bit 0 8086 mode, bits 2-4 buffering and SFNM have no effect here)
      autoEoi_ = value & 0x02;
      initStep_ = 0;
      return;
    default:  // OCW1: the interrupt mask
      imr_ = value;
      return;
  }
}

void PicPair::attach(PortBus& bus) {
  bus.map(0x20, 2, this);
  bus.map(0xA0, 2, this);
}

void PicPair::cascade() {
  if (master_.cascadeInputs() & 0x04) master_.setLevelInput(2, slave_.intOutput());
}

void PicPair::setIrq(unsigned irq, bool level) {
  if (irq < 8) {
    if (irq != 2) master_.setInput(irq, level);  // IR2 carries the slave, not an ISA line
  } else if (irq < 16) {
    slave_.setInput(irq - 8, level);
    cascade();
  }
}

uint8_t PicPair::acknowledge() {
  auto ir = master_.pending();
  if (!ir) return master_.spuriousVector();
  if (*ir == 2 && (master_.cascadeInputs() & 0x04)) {
    master_.acknowledge(2);
    auto sir = slave_.pending();
    // The request vanished between INT and INTA: the slave answers with its IR7 vector.
    uint8_t vector = sir ? slave_.acknowledge(*sir) : slave_.spuriousVector();
    cascade();
    return vector;
  }
  return master_.acknowledge(*ir);
}

uint32_t PicPair::ioRead(uint16_t port, unsigned) {
  uint8_t v = (port & 0x80) ? slave_.read(port & 1) : master_.read(port & 1);
  cascade();
  return v;
}

void PicPair::ioWrite(uint16_t port, uint32_t value, unsigned) {
  if (port & 0x80) {
    slave_.write(port & 1, static_cast<uint8_t>(value));
  } else {
    master_.write(port & 1, static_cast<uint8_t>(value));
  }
  cascade();
}

}  // namespace devices

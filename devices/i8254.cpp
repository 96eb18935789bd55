// The 8254 in modes 0-5 computed from elapsed ticks rather than stepped: the counting element at
// PIT tick t follows from the tick the count was loaded, so any read or deadline is exact.
//
// Modes (8254 datasheet, "Mode definitions"); N is the count, counting starts the tick after
// the count is written, e = ticks since then:
//   0 interrupt on terminal count: counter N - e, OUT low until e = N, then high.
//   1 hardware one-shot: as mode 0 but started by a gate rising edge.
//   2 rate generator: counter N..1 repeating, OUT low while it reads 1; rising edge every N.
//   3 square wave: OUT high for ceil(N/2) ticks, low for floor(N/2); the counter drops by two
//     per tick within each half; rising edge every N.
//   4 software strobe: counter N - e, OUT low for the one tick at e = N.
//   5 hardware strobe: as mode 4 but started by a gate rising edge.
// Simplification: a new count written while counting takes effect at once (the chip waits for
// the end of the current period in modes 2 and 3).
#include "devices/i8254.h"

namespace devices {

namespace {
uint64_t period(uint32_t reload) {
  return reload ? reload : 65536;
}
}  // namespace

Pit8254::Pit8254(Clock& clock, IrqSink& irq) : clock_(clock), irq_(irq) {
  ch_[2].gate = false;  // port 0x61 bit 0 starts low
}

void Pit8254::attach(PortBus& bus) {
  bus.map(0x40, 4, this);
  bus.map(0x61, 1, this);
}

uint16_t Pit8254::countAt(const Channel& ch, uint64_t t) const {
  if (!ch.armed || t < ch.loadTick) return static_cast<uint16_t>(ch.reload);
  uint64_t n = period(ch.reload);
  uint64_t e = (ch.mode == 0 && !ch.gate) ? ch.frozen : t - ch.loadTick;
  switch (ch.mode) {
    case 2:
      return static_cast<uint16_t>(n - e % n);
    case 3: {
      uint64_t high = (n + 1) / 2;
      uint64_t phase = e % n;
      uint64_t within = phase < high ? phase : phase - high;
      return static_cast<uint16_t>((n - 2 * within) & ~uint64_t{1});
    }
    default:  // 0, 1, 4, 5 wrap through 0xFFFF after terminal count
      return static_cast<uint16_t>((n - e) & 0xFFFF);
  }
}

bool Pit8254::outAt(const Channel& ch, uint64_t t) const {
  // After the control word OUT is low in modes 0 and 1, high in the others.
  if (!ch.armed || t < ch.loadTick) return ch.mode != 0 && ch.mode != 1;
  uint64_t n = period(ch.reload);
  uint64_t e = t - ch.loadTick;
  switch (ch.mode) {
    case 0:
      if (!ch.gate) e = ch.frozen;
      return e >= n;
    case 1:
      return e >= n;
    case 2:
      return !ch.gate || e % n != n - 1;
    case 3:
      return !ch.gate || e % n < (n + 1) / 2;
    default:
      return e != n;  // 4, 5: a one-tick low strobe
  }
}

uint64_t Pit8254::nextEdgeAfter(const Channel& ch, uint64_t t) const {
  if (!ch.armed || !ch.gate) return UINT64_MAX;
  uint64_t n = period(ch.reload);
  switch (ch.mode) {
    case 0:
    case 1: {
      uint64_t edge = ch.loadTick + n;
      return edge > t ? edge : UINT64_MAX;
    }
    case 4:
    case 5: {
      uint64_t edge = ch.loadTick + n + 1;
      return edge > t ? edge : UINT64_MAX;
    }
    default: {  // 2, 3: OUT rises at every multiple of N after the load
      if (t < ch.loadTick + n) return ch.loadTick + n;
      return ch.loadTick + ((t - ch.loadTick) / n + 1) * n;
    }
  }
}

uint16_t Pit8254::count(unsigned c) const {
  return countAt(ch_[c], now());
}
bool Pit8254::out(unsigned c) const {
  return outAt(ch_[c], now());
}

void Pit8254::load(Channel& ch, uint32_t value) {
  ch.reload = value & 0xFFFF;
  if (ch.bcd) {  // four BCD digits; 0 means 10000
    uint32_t v = (value & 0xF) + ((value >> 4) & 0xF) * 10 + ((value >> 8) & 0xF) * 100 +
                 ((value >> 12) & 0xF) * 1000;
    ch.reload = v ? v : 10000;
  }
  ch.frozen = 0;
  // Modes 1 and 5 wait for a gate trigger, and modes 2 and 3 for the gate to be high; the
  // others start on the next clock.
  bool waits = ch.mode == 1 || ch.mode == 5 || (!ch.gate && (ch.mode == 2 || ch.mode == 3));
  ch.armed = !waits;
  ch.loadTick = now() + 1;
  ch.status &= ~0x40;  // null count cleared once loaded
  if (&ch == &ch_[0]) nextIrqTick_ = nextEdgeAfter(ch, now());
}

void Pit8254::setGate(Channel& ch, bool gate) {
  uint64_t t = now();
  if (gate == ch.gate) return;
  if (ch.mode == 0 && ch.armed) {
    // Mode 0: a low gate suspends counting.
    if (!gate) {
      ch.frozen = t >= ch.loadTick ? t - ch.loadTick : 0;
    } else {
      ch.loadTick = t - ch.frozen;
    }
  }
  if (gate && !(ch.status & 0x40)) {
    // Rising gate with a count written: modes 1 and 5 (re)trigger, modes 2 and 3 restart.
    if (ch.mode == 1 || ch.mode == 2 || ch.mode == 3 || ch.mode == 5) {
      ch.armed = true;
      ch.loadTick = t + 1;
    }
  }
  ch.gate = gate;
}

uint8_t Pit8254::readCounter(Channel& ch) {
  if (ch.statusLatched) {
    ch.statusLatched = false;
    return ch.status | (outAt(ch, now()) ? 0x80 : 0);
  }
  uint16_t v = ch.latched ? ch.latch : countAt(ch, now());
  uint8_t byte;
  switch (ch.access) {
    case 1:
      byte = static_cast<uint8_t>(v);
      ch.latched = false;
      break;
    case 2:
      byte = static_cast<uint8_t>(v >> 8);
      ch.latched = false;
      break;
    default:
      byte = static_cast<uint8_t>(ch.readMsbNext ? v >> 8 : v);
      if (ch.readMsbNext) ch.latched = false;
      ch.readMsbNext = !ch.readMsbNext;
      break;
  }
  return byte;
}

uint32_t Pit8254::ioRead(uint16_t port, unsigned) {
  if (port == 0x61) {
    // Bit 4 toggles with DRAM refresh (every 15.09 us, so a 66.3 kHz square wave's half
    // periods); bit 5 is timer 2's OUT; bits 0-3 read back what was written.
    bool refresh = cyclesToTicks(clock_.now(), 66'288) & 1;
    return (port61_ & 0x0F) | (refresh ? 0x10 : 0) | (outAt(ch_[2], now()) ? 0x20 : 0);
  }
  if (port == 0x43) return 0xFF;  // the control register is write-only
  return readCounter(ch_[port - 0x40]);
}

void Pit8254::ioWrite(uint16_t port, uint32_t value, unsigned) {
  uint8_t v = static_cast<uint8_t>(value);
  if (port == 0x61) {
    port61_ = v & 0x0F;
    setGate(ch_[2], v & 1);
    return;
  }
  if (port != 0x43) {
    Channel& ch = ch_[port - 0x40];
    switch (ch.access) {
      case 1:
        load(ch, v);
        break;
      case 2:
        load(ch, static_cast<uint32_t>(v) << 8);
        break;
      default:
        if (!ch.writeMsbNext) {
          ch.pendingLsb = v;
          ch.writeMsbNext = true;
          if (ch.mode == 0) ch.armed = false;  // mode 0: writing the first byte stops the count
        } else {
          ch.writeMsbNext = false;
          load(ch, ch.pendingLsb | static_cast<uint32_t>(v) << 8);
        }
        break;
    }
    return;
  }
  unsigned sc = v >> 6;
  if (sc == 3) {
    // Read-back command: bit 5 low latches counts, bit 4 low latches status, bits 1-3 select.
    for (unsigned c = 0; c < 3; ++c) {
      if (!(v & (2u << c))) continue;
      Channel& ch = ch_[c];
      if (!(v & 0x20) && !ch.latched) {
        ch.latched = true;
        ch.latch = countAt(ch, now());
        ch.readMsbNext = false;
      }
      if (!(v & 0x10) && !ch.statusLatched) {
        ch.statusLatched = true;
      }
    }
    return;
  }
  Channel& ch = ch_[sc];
  unsigned rw = (v >> 4) & 3;
  if (rw == 0) {  // counter latch command; a second latch before reading is ignored
    if (!ch.latched) {
      ch.latched = true;
      ch.latch = countAt(ch, now());
      ch.readMsbNext = false;
    }
    return;
  }
  ch.access = rw;
  ch.mode = (v >> 1) & 7;
  if (ch.mode > 5) ch.mode -= 4;  // 6 and 7 are 2 and 3
  ch.bcd = v & 1;
  ch.armed = false;
  ch.latched = false;
  ch.writeMsbNext = ch.readMsbNext = false;
  ch.status = static_cast<uint8_t>((v & 0x3F) | 0x40);  // null count until a count is loaded
  if (sc == 0) nextIrqTick_ = UINT64_MAX;
}

uint64_t Pit8254::deadline() const {
  return nextIrqTick_ == UINT64_MAX ? kNever : ticksToCycles(nextIrqTick_, kPitHz);
}

void Pit8254::tick() {
  uint64_t t = now();
  if (nextIrqTick_ == UINT64_MAX || t < nextIrqTick_) return;
  // One edge for however many periods the slice covered: IRR holds a single request anyway.
  irq_.setIrq(0, false);
  irq_.setIrq(0, true);
  ++irqs_;
  nextIrqTick_ = nextEdgeAfter(ch_[0], t);
}

}  // namespace devices

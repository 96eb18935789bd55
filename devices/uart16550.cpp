// The 16550A register file (NS16550A datasheet, "Registers"):
//   +0 RBR (read) / THR (write), DLL when LCR.DLAB=1
//   +1 IER (bits: 0 received data, 1 THR empty, 2 line status, 3 modem status), DLM when DLAB=1
//   +2 IIR (read) / FCR (write)   +3 LCR (bit 7 DLAB)   +4 MCR (bit 4 loopback)
//   +5 LSR (bit 0 DR, 1 OE, 5 THRE, 6 TEMT)   +6 MSR   +7 scratch
// Transmission is instantaneous (THR is always empty again by the next instruction), so LSR
// shows THRE and TEMT always. The receiver FIFO holds 16 bytes; with FIFOs on, received data is
// reported as soon as one byte waits (trigger level 1 — a kernel polling LSR or taking IRQs sees
// the same data either way). The IRQ line is not gated by MCR.OUT2: xv6 writes MCR=0 and still
// takes receive interrupts, as it does on QEMU.
#include "devices/uart16550.h"

namespace devices {

Uart16550::Uart16550(Clock& clock, IrqSink& irq, unsigned irqLine, ByteSink* output,
                     ByteSource* input)
    : clock_(clock), irq_(irq), line_(irqLine), output_(output), input_(input) {}

void Uart16550::attach(PortBus& bus, uint16_t base) {
  base_ = base;
  bus.map(base, 8, this);
}

void Uart16550::receive() {
  if (!input_ || (mcr_ & 0x10)) return;  // loopback disconnects the serial input
  while (rx_.size() < capacity()) {
    int c = input_->next(clock_.now());
    if (c < 0) break;
    rx_.push_back(static_cast<uint8_t>(c));
  }
}

uint8_t Uart16550::iir() const {
  uint8_t fifo = (fcr_ & 1) ? 0xC0 : 0x00;
  if ((ier_ & 0x04) && overrun_) return fifo | 0x06;      // receiver line status
  if ((ier_ & 0x01) && !rx_.empty()) return fifo | 0x04;  // received data available
  if ((ier_ & 0x02) && threPending_) return fifo | 0x02;  // transmitter holding register empty
  return fifo | 0x01;                                     // no interrupt pending
}

void Uart16550::update() {
  bool level = !(iir() & 1);
  if (level != irqLevel_) {
    irqLevel_ = level;
    irq_.setIrq(line_, level);
  }
}

uint64_t Uart16550::deadline() const {
  if (dynamic_cast<TerminalSource*>(input_)) return clock_.now() + kCpuHz / 1000;
  return kNever;
}

// Input is taken from the source only when the guest looks for it: a read of RBR or LSR, or
// here once the receive interrupt is on. A guest that never reads COM1 leaves the host's
// standard input alone (a `while read` loop around xray86 keeps its lines).
void Uart16550::tick() {
  if (ier_ & 0x01) receive();
  update();
}

uint32_t Uart16550::ioRead(uint16_t port, unsigned) {
  unsigned reg = port - base_;
  bool dlab = lcr_ & 0x80;
  uint8_t v = 0;
  switch (reg) {
    case 0:
      if (dlab) {
        v = dll_;
      } else {
        receive();
        if (!rx_.empty()) {
          v = rx_.front();
          rx_.pop_front();
        }
        receive();
      }
      break;
    case 1:
      v = dlab ? dlm_ : ier_;
      break;
    case 2:
      v = iir();
      if ((v & 0x0F) == 0x02) threPending_ = false;  // reading IIR reporting THRE clears it
      break;
    case 3:
      v = lcr_;
      break;
    case 4:
      v = mcr_;
      break;
    case 5:
      receive();
      v = static_cast<uint8_t>(0x60 | (rx_.empty() ? 0 : 0x01) | (overrun_ ? 0x02 : 0));
      if (rx_.empty())
        ++emptyPolls_;
      else
        emptyPolls_ = 0;
      overrun_ = false;  // reading LSR clears the error bits
      break;
    case 6:
      if (mcr_ & 0x10) {
        // Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
        v = static_cast<uint8_t>(((mcr_ & 1) << 5) | ((mcr_ & 2) << 3) | ((mcr_ & 4) << 4) |
                                 ((mcr_ & 8) << 4));
      } else {
        v = 0xB0;  // DCD, DSR, CTS: a terminal is attached
      }
      break;
    default:
      v = scr_;
      break;
  }
  update();
  return v;
}

void Uart16550::ioWrite(uint16_t port, uint32_t value, unsigned) {
  unsigned reg = port - base_;
  uint8_t v = static_cast<uint8_t>(value);
  bool dlab = lcr_ & 0x80;
  switch (reg) {
    case 0:
      if (dlab) {
        dll_ = v;
      } else if (mcr_ & 0x10) {
        if (rx_.size() < capacity()) {
          rx_.push_back(v);
        } else {
          overrun_ = true;
        }
        threPending_ = true;
      } else {
        if (output_) output_->put(v);
        lastTransmit_ = clock_.now();
        emptyPolls_ = 0;
        threPending_ = true;  // sent at once: THR is empty again
      }
      break;
    case 1:
      if (dlab) {
        dlm_ = v;
      } else {
        // Enabling the THRE interrupt while THR is empty raises it at once (16550A behaviour).
        if ((v & 0x02) && !(ier_ & 0x02)) threPending_ = true;
        ier_ = v & 0x0F;
      }
      break;
    case 2:
      // FCR: bit 0 enables FIFOs (changing it clears them), bit 1 clears the receiver FIFO.
      if ((v & 1) != (fcr_ & 1)) rx_.clear();
      if (v & 0x02) rx_.clear();
      fcr_ = v & 0xC9;
      break;
    case 3:
      lcr_ = v;
      break;
    case 4:
      mcr_ = v & 0x1F;
      break;
    case 5:
    case 6:
      break;  // LSR and MSR are read-only here (factory test writes have no effect)
    default:
      scr_ = v;
      break;
  }
  receive();
  update();
}

}  // namespace devices

// 16550A registers as xv6's uart.c and the NS16550A datasheet use them.
#include "devices/uart16550.h"

#include <gtest/gtest.h>

#include "fake_irq.h"

using namespace devices;

namespace {
struct Fixture {
  Clock clock;
  FakeIrq irq;
  StringSink out;
  ScriptSource in{"ab"};
  Uart16550 uart{clock, irq, 4, &out, &in};
  PortBus bus;
  Fixture() { uart.attach(bus, 0x3F8); }
};
}  // namespace

TEST(Uart16550, DivisorLatchBehindDlab) {
  Fixture f;
  f.bus.write(0x3FA, 0, 1);     // FCR = 0: FIFOs off
  f.bus.write(0x3FB, 0x80, 1);  // LCR: DLAB
  f.bus.write(0x3F8, 12, 1);    // DLL: 115200 / 12 = 9600 baud
  f.bus.write(0x3F9, 0, 1);
  f.bus.write(0x3FB, 0x03, 1);  // 8N1, DLAB off
  EXPECT_EQ(f.uart.divisor(), 12);
  EXPECT_EQ(f.bus.read(0x3FB, 1), 0x03u);
  EXPECT_EQ(f.out.text, "");  // nothing was transmitted by the divisor writes
}

TEST(Uart16550, TransmitGoesToTheSink) {
  Fixture f;
  f.bus.write(0x3F8, 'h', 1);
  f.bus.write(0x3F8, 'i', 1);
  EXPECT_EQ(f.out.text, "hi");
  // LSR: THRE and TEMT always set (transmission is instantaneous), DR since input waits.
  EXPECT_EQ(f.bus.read(0x3FD, 1), 0x61u);
}

TEST(Uart16550, ScriptInputArrivesInOrderWithReceiveInterrupt) {
  Fixture f;
  f.bus.write(0x3F9, 0x01, 1);  // IER: received data
  f.uart.tick();
  EXPECT_TRUE(f.irq.level[4]);
  EXPECT_EQ(f.bus.read(0x3FA, 1), 0x04u);  // IIR: received data available, FIFOs off
  EXPECT_EQ(f.bus.read(0x3F8, 1), uint32_t{'a'});
  EXPECT_EQ(f.bus.read(0x3F8, 1), uint32_t{'b'});
  EXPECT_EQ(f.bus.read(0x3FD, 1) & 1u, 0u);  // DR clear: the script is used up
  EXPECT_FALSE(f.irq.level[4]);
  EXPECT_EQ(f.bus.read(0x3FA, 1), 0x01u);  // no interrupt pending
}

TEST(Uart16550, ThreInterruptOnEnableClearedByIirRead) {
  Fixture f;
  f.bus.write(0x3F9, 0x02, 1);  // IER: THR empty
  EXPECT_TRUE(f.irq.level[4]);
  EXPECT_EQ(f.bus.read(0x3FA, 1), 0x02u);
  EXPECT_FALSE(f.irq.level[4]);
  f.bus.write(0x3F8, 'x', 1);  // THR empties again at once: raised again
  EXPECT_TRUE(f.irq.level[4]);
}

TEST(Uart16550, FifoModeShowsInIirAndLoopbackEchoes) {
  Clock clock;
  FakeIrq irq;
  StringSink out;
  Uart16550 uart(clock, irq, 4, &out, nullptr);
  PortBus bus;
  uart.attach(bus, 0x3F8);
  bus.write(0x3FA, 0x07, 1);             // FIFO enable and clear both
  EXPECT_EQ(bus.read(0x3FA, 1), 0xC1u);  // bits 7-6: FIFOs enabled
  bus.write(0x3FC, 0x10, 1);             // MCR: loopback
  for (char c : std::string("0123456789ABCDEFG")) bus.write(0x3F8, static_cast<uint8_t>(c), 1);
  EXPECT_EQ(out.text, "");               // loopback: nothing leaves
  EXPECT_EQ(bus.read(0x3FD, 1), 0x63u);  // DR, OE (17th byte overran the 16-byte FIFO), THRE, TEMT
  EXPECT_EQ(bus.read(0x3F8, 1), uint32_t{'0'});
  bus.write(0x3FC, 0x1B, 1);             // loopback with DTR, RTS, OUT2
  EXPECT_EQ(bus.read(0x3FE, 1), 0xB0u);  // MSR: DCD (OUT2), DSR (DTR), CTS (RTS)
}

TEST(Uart16550, ScratchRegister) {
  Fixture f;
  f.bus.write(0x3FF, 0x5A, 1);
  EXPECT_EQ(f.bus.read(0x3FF, 1), 0x5Au);
}

TEST(Uart16550, AbsentUartReadsFF) {
  PortBus bus;  // COM2 not attached: LSR floats to 0xFF, which xv6 takes as "no UART"
  EXPECT_EQ(bus.read(0x2FD, 1), 0xFFu);
}

TEST(Console, UnescapeScripts) {
  std::string out, err;
  ASSERT_TRUE(unescape("usertests\\n\\x41\\\\", out, err));
  EXPECT_EQ(out, "usertests\nA\\");
  EXPECT_FALSE(unescape("bad\\q", out, err));
  EXPECT_EQ(err, "input script: unknown escape \\q");
  // Found by fuzz/input_escapes_fuzz: a backslash before a newline put the newline in the
  // one-line error. Bytes that do not print are named by their value.
  EXPECT_FALSE(unescape("\\\n55", out, err));
  EXPECT_EQ(err, "input script: unknown escape: a backslash then byte 0x0a");
  EXPECT_FALSE(unescape(std::string("\\\0", 2), out, err));
  EXPECT_EQ(err, "input script: unknown escape: a backslash then byte 0x00");
  EXPECT_FALSE(unescape("\\ ", out, err));
  EXPECT_EQ(err, "input script: unknown escape: a backslash then byte 0x20");
}

// A paced script gives one line (through its '\n') per release(), none before the first.
TEST(ScriptSource, PacedTypesALineAtATime) {
  ScriptSource s{"ab\nc\n", true};
  EXPECT_EQ(s.linesLeft(), 2u);
  EXPECT_TRUE(s.waiting());
  EXPECT_EQ(s.next(0), -1);
  s.release();
  EXPECT_FALSE(s.waiting());
  EXPECT_EQ(s.next(0), 'a');
  EXPECT_EQ(s.next(0), 'b');
  EXPECT_EQ(s.next(0), '\n');
  EXPECT_TRUE(s.waiting());
  EXPECT_EQ(s.next(0), -1);
  s.release();
  EXPECT_EQ(s.next(0), 'c');
  EXPECT_EQ(s.next(0), '\n');
  EXPECT_FALSE(s.waiting());  // nothing left to hold back
  EXPECT_EQ(s.next(0), -1);
  EXPECT_EQ(s.linesLeft(), 0u);
  ScriptSource t{"x\ny", true};  // a last line without its newline still counts
  EXPECT_EQ(t.linesLeft(), 2u);
}

// LSR reads that find no byte count as polls for input until a byte is sent or arrives.
TEST(Uart16550, EmptyPollsCountUntilTrafficResets) {
  Clock clock;
  FakeIrq irq;
  StringSink out;
  ScriptSource in{"x\n", true};
  Uart16550 uart{clock, irq, 4, &out, &in};
  PortBus bus;
  uart.attach(bus, 0x3F8);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bus.read(0x3FD, 1) & 1, 0u);
  EXPECT_EQ(uart.emptyPolls(), 3u);
  bus.write(0x3F8, '>', 1);  // a prompt: the guest is talking, not waiting
  EXPECT_EQ(uart.emptyPolls(), 0u);
  EXPECT_EQ(uart.lastTransmit(), clock.now());
  bus.read(0x3FD, 1);
  in.release();
  EXPECT_EQ(bus.read(0x3FD, 1) & 1, 1u);  // the line arrived: data ready
  EXPECT_EQ(uart.emptyPolls(), 0u);
  EXPECT_FALSE(uart.receiveInterruptEnabled());
  bus.write(0x3F9, 0x01, 1);
  EXPECT_TRUE(uart.receiveInterruptEnabled());
}

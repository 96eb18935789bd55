// Device port I/O sequences: a 2 MB PC whose guest spins (`jmp $` with IF=0) and, between slices
// of it, a sequence of accesses from the input to every port the machine decodes (the port table,
// devices::PortBus::at) and to the local APIC's and I/O APIC's MMIO windows. Each operation is
//   byte 0  bits 0-1 what: 0 OUT, 1 IN, 2 run the guest, 3 MMIO; bits 2-3 size (1, 2, 4, 4);
//           bit 4 for MMIO: the I/O APIC instead of the local APIC, and a read instead of a write
//           when bit 5 is set
//   OUT/IN  2 bytes: a port number, taken up to the next port a device decodes (wrapping to the
//           first); OUT: 4 bytes of value
//   run     2 bytes: cycles / 16 to run the guest for (timers fire, interrupts are raised)
//   MMIO    2 bytes: offset in the 4 KB window (rounded down to 4); a write: 4 bytes of value
// At most 4,096 operations. Checks: ASan, UBSan, and no hang.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const uint8_t kSpin[] = {0xEB, 0xFE};  // jmp $
  static const std::vector<uint8_t> kernel = fuzz::kludgeKernel(kSpin);
  constexpr uint32_t kLapic = 0xFEE00000, kIoapic = 0xFEC00000;
  fuzz::NullSink sink;
  std::unique_ptr<emu::Machine> m = fuzz::bootKernel(kernel, sink);
  std::vector<uint16_t> ports;
  for (unsigned p = 0; p < 65536; ++p)
    if (m->ports().at(static_cast<uint16_t>(p)) != nullptr)
      ports.push_back(static_cast<uint16_t>(p));
  auto decoded = [&ports](uint32_t want) {
    auto it = std::lower_bound(ports.begin(), ports.end(), want);
    return it == ports.end() ? ports.front() : *it;
  };
  fuzz::Reader in(data, size);
  for (unsigned n = 0; n < 4096 && !in.empty(); ++n) {
    uint8_t op = in.byte();
    unsigned sizes[4] = {1, 2, 4, 4};
    unsigned width = sizes[(op >> 2) & 3];
    switch (op & 3) {
      case 0: {
        uint16_t port = decoded(in.take(2));
        m->ioWrite(port, in.take(4), width);
        break;
      }
      case 1:
        (void)m->ioRead(decoded(in.take(2)), width);
        break;
      case 2: {
        uint64_t cycles = uint64_t{in.take(2)} * 16;
        m->run(m->cpu().instructions() + 100000, m->cpu().cycles() + cycles);
        break;
      }
      case 3: {
        uint32_t base = (op & 0x10) ? kIoapic : kLapic;
        uint32_t pa = base + (in.take(2) & 0xFFC);
        if (op & 0x20)
          (void)m->read(pa, 4);
        else
          m->write(pa, in.take(4), 4);
        break;
      }
    }
  }
  return 0;
}

// CGA text display. CRTC registers (MC6845): 0-9 timing and cursor shape, 10/11 cursor start
// and end scan lines, 12/13 start address, 14/15 cursor address, 16/17 light pen (read-only).
// Registers 0-11 are write-only on the 6845; 12-15 read back on the CGA's 6845 variants, which
// is what kernels (xv6's cgaputc) rely on for the cursor.
#include "devices/cga.h"

namespace devices {

Cga::Cga(Clock& clock) : clock_(clock) {
  // Cells start as blank light-grey-on-black, as the BIOS leaves an 80x25 screen.
  for (size_t i = 0; i < vram_.size(); i += 2) {
    vram_[i] = ' ';
    vram_[i + 1] = 0x07;
  }
  crtc_[10] = 0x06;  // cursor scan lines 6-7, the BIOS default for mode 3
  crtc_[11] = 0x07;
}

void Cga::attach(PortBus& bus) {
  bus.map(0x3D4, 7, this);
}

uint32_t Cga::ioRead(uint16_t port, unsigned) {
  switch (port) {
    case 0x3D4:
      return index_;
    case 0x3D5:
      return (index_ >= 12 && index_ <= 17) ? crtc_[index_] : 0;
    case 0x3DA: {
      // Status: bit 0 display enable off (retrace of either kind), bit 3 vertical retrace.
      // A 60 Hz frame of 262 lines, the last 38 in vertical retrace; horizontal retrace takes
      // about a fifth of each line.
      uint64_t line = cyclesToTicks(clock_.now(), 60 * 262) % 262;
      bool vretrace = line >= 224;
      bool hretrace = cyclesToTicks(clock_.now(), 60 * 262 * 5) % 5 == 4;
      return (vretrace ? 0x08 : 0) | ((vretrace || hretrace) ? 0x01 : 0);
    }
    case 0x3D8:
      return 0xFF;  // mode control is write-only
    case 0x3D9:
      return 0xFF;
    default:
      return 0xFF;
  }
}

void Cga::ioWrite(uint16_t port, uint32_t value, unsigned) {
  uint8_t v = static_cast<uint8_t>(value);
  switch (port) {
    case 0x3D4:
      index_ = v & 0x1F;
      break;
    case 0x3D5:
      if (index_ < 16) crtc_[index_] = (index_ == 14 || index_ == 12) ? (v & 0x3F) : v;
      break;
    case 0x3D8:
      mode_ = v;
      break;
    case 0x3D9:
      colour_ = v;
      break;
    default:
      break;
  }
}

std::string Cga::row(unsigned r) const {
  std::string s;
  uint32_t cell = (start() + r * kColumns) * 2u;
  for (unsigned c = 0; c < kColumns; ++c, cell += 2) {
    uint8_t ch = vram_[cell % kSize];
    s += (ch == 0) ? ' ' : static_cast<char>(ch);
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string Cga::screen() const {
  std::string s;
  unsigned last = 0;
  for (unsigned r = 0; r < kRows; ++r) {
    if (!row(r).empty()) last = r + 1;
  }
  for (unsigned r = 0; r < last; ++r) {
    s += row(r);
    if (r + 1 < last) s += '\n';
  }
  return s;
}

}  // namespace devices

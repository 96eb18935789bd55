// IBM CGA in text mode: 32 KB of video memory at 0xB8000 (80x25 cells of character and
// attribute), the 6845 CRTC behind 0x3D4 (index) / 0x3D5 (data), mode and colour registers
// 0x3D8/0x3D9 and the status register 0x3DA.
//
// cga.cpp defines: Cga.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "devices/bus.h"
#include "devices/clock.h"

namespace devices {

// What a snapshot of the chip holds: every register and deadline, none of its wiring.
struct CgaState {
  static constexpr uint32_t kSize = 0x8000;
  std::array<uint8_t, kSize> vram_{};
  uint8_t crtc_[18] = {};
  unsigned index_ = 0;
  uint8_t mode_ = 0x29, colour_ = 0;
};

class Cga : public PortDevice, private CgaState {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = CgaState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  static constexpr uint32_t kBase = 0xB8000;
  static constexpr uint32_t kSize = CgaState::kSize;
  static constexpr unsigned kColumns = 80, kRows = 25;

  explicit Cga(Clock& clock);
  void attach(PortBus& bus);  // 0x3D4-0x3DA

  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;

  // Video memory is plain memory to the CPU: the Machine hands out these frames directly.
  uint8_t* memory() { return vram_.data(); }
  const uint8_t* memory() const { return vram_.data(); }
  uint8_t crtc(unsigned index) const { return index < 18 ? crtc_[index] : 0; }
  // Cursor cell (CRTC registers 14-15) and display start (12-13), in character cells.
  uint16_t cursor() const { return static_cast<uint16_t>(crtc_[14] << 8 | crtc_[15]); }
  uint16_t start() const { return static_cast<uint16_t>(crtc_[12] << 8 | crtc_[13]); }
  // One visible row's characters (attributes dropped, NULs as spaces, trailing spaces trimmed).
  std::string row(unsigned r) const;
  std::string screen() const;  // all rows joined by newlines, trailing empty rows dropped

 private:
  Clock& clock_;
};

}  // namespace devices

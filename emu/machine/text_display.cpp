// The CGA text mirror (--display text): the guest's 80x25 text screen redrawn on the terminal
// with ANSI escapes, from guest time, at most 30 times a second and only when it changed.
#include <cstdio>
#include <string>
#include <vector>

#include "emu/machine/machine.h"

namespace emu {

void Machine::drawScreen(bool force) {
  // At most 30 frames per second of guest time, and only when something changed.
  uint64_t now = cycles();
  if (!force && now - lastDraw_ < devices::kCpuHz / 30) return;
  lastDraw_ = now;
  const uint8_t* vram = cga_.memory();
  uint32_t start = cga_.start() * 2u;
  size_t bytes = devices::Cga::kColumns * devices::Cga::kRows * 2;
  std::vector<uint8_t> screen(bytes);
  for (size_t i = 0; i < bytes; ++i) screen[i] = vram[(start + i) % devices::Cga::kSize];
  if (screen == shownScreen_ && cga_.cursor() == shownCursor_) return;
  bool first = shownScreen_.empty();
  shownScreen_ = screen;
  shownCursor_ = cga_.cursor();
  // Clear once, then cursor home and 25 rows of 80 characters each time.
  std::string out = first ? "\x1b[2J\x1b[H" : "\x1b[H";
  for (unsigned r = 0; r < devices::Cga::kRows; ++r) {
    for (unsigned col = 0; col < devices::Cga::kColumns; ++col) {
      uint8_t ch = screen[(r * devices::Cga::kColumns + col) * 2];
      out += (ch >= 0x20 && ch < 0x7F) ? static_cast<char>(ch) : ' ';
    }
    out += "\x1b[K\r\n";
  }
  unsigned cursor = shownCursor_ - cga_.start();
  if (cursor < devices::Cga::kColumns * devices::Cga::kRows) {
    out += "\x1b[" + std::to_string(cursor / devices::Cga::kColumns + 1) + ";" +
           std::to_string(cursor % devices::Cga::kColumns + 1) + "H";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

}  // namespace emu

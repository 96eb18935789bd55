// Drawing the view with SDL2 and SDL2_ttf: one Draw* function per panel, each reading what the
// Session and the MMU hold. Also the PNG writer (zlib) for --view-png and screenshots.
//
// render.cpp defines: cellColour, frameColour, framesShown, layoutFor, shortcuts, Renderer,
// writePng, renderOffscreen.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emu/view/session.h"

struct SDL_Renderer;
typedef struct _TTF_Font TTF_Font;

namespace view {

struct Rgb {
  uint8_t r, g, b;
  bool operator==(const Rgb&) const = default;
};

// The colours of the cells (legend order) and of frames by their user mappers.
Rgb cellColour(CellState s);
// 0: mapped by no one; kernel only; a page table; then 1, 2, 3+ user PTEs.
Rgb frameColour(uint16_t userMappers, bool kernel, bool table);

// The frames the frames grid shows: by default the range in use (FrameCensus::usedFirst/End,
// widened to multiples of 32 frames, at least 64), with Selection::allFrames all of RAM.
struct FrameRange {
  uint32_t first = 0, count = 0;
  bool all = false;  // the whole of RAM
};
FrameRange framesShown(Session& s);

// The layout of a w x h view of this session.
Layout layoutFor(Session& s, int w, int h);
// One row of the address-space list, as drawn: "> 0df25000 #8 pid 3 cowcheck ^6 *" (`shown`).
std::string spaceRow(const AddressSpace& a, bool shown);

// Status line under the controls: run state and speed, supplied by the caller.
struct Chrome {
  std::string state;  // "paused", "running", "finished: ..."
  std::string speed;
};

class Renderer {
 public:
  // The font is DejaVu Sans Mono (fonts-dejavu-core); false and an error if it cannot be opened.
  explicit Renderer(SDL_Renderer* renderer);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;
  bool ok(std::string& error) const;

  // Draws everything into the renderer's target of w x h pixels.
  void draw(Session& s, const Chrome& chrome, int w, int h);
  // The address space whose entry in the list was drawn at (x, y) by the last draw, if any.
  std::optional<uint32_t> spaceAt(int x, int y) const;

 private:
  void setFont(int size);
  void fill(const Rect& r, Rgb c);
  void frame(const Rect& r, Rgb c);
  // Draws `text` at (x, y) clipped to `maxW` pixels; returns its width.
  int text(int x, int y, const std::string& s, Rgb c, int maxW = 1 << 20);
  void drawStatus(Session& s, const Layout& l, const Chrome& chrome);
  void drawAddressSpace(Session& s, const Layout& l);
  void drawLegend(const Layout& l);
  void drawDetails(Session& s, const Layout& l);
  static constexpr unsigned kMappersListed = 6;  // mappers a frame's details list by name
  void frameLines(Session& s, uint32_t pfn, std::vector<std::pair<std::string, Rgb>>& lines);
  void drawFrames(Session& s, const Layout& l);
  void drawTlb(Session& s, const Layout& l);
  void drawSpaces(Session& s, const Layout& l);
  void drawEvents(Session& s, const Layout& l);
  void drawHelp(const Layout& l);

  SDL_Renderer* r_;
  TTF_Font* font_ = nullptr;
  int fontSize_ = 0;
  int charW_ = 8;
  std::string error_;
  std::vector<std::pair<Rect, uint32_t>> spaceHits_;  // the list's entries as last drawn
};

// The keyboard shortcuts, as the help overlay lists them.
const std::vector<std::pair<std::string, std::string>>& shortcuts();

// Writes w x h pixels (0x00RRGGBB words, `pitch` words a row) as an 8-bit RGB PNG.
bool writePng(const std::string& path, int w, int h, const uint32_t* pixels, int pitch,
              std::string& error);

// Renders the view with SDL's software renderer into memory (no window, no video driver) and
// returns the pixels as 0x00RRGGBB words, w*h of them; false and an error on failure.
bool renderOffscreen(Session& s, const Chrome& chrome, int w, int h, std::vector<uint32_t>& pixels,
                     std::string& error);

}  // namespace view

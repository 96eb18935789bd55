// The view's panels, drawn with SDL2 (SDL_Renderer) and text with SDL2_ttf.
#include "emu/view/render.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <fmt/core.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>

namespace view {

using mmu::PagingBits;

namespace {
constexpr const char* kFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
constexpr Rgb kBackground{16, 16, 22};
constexpr Rgb kPanel{24, 25, 33};
constexpr Rgb kText{222, 222, 228};
constexpr Rgb kDim{140, 142, 155};
constexpr Rgb kTitle{255, 255, 255};
constexpr Rgb kSelect{255, 255, 255};
constexpr Rgb kStale{180, 40, 40};
constexpr Rgb kTlbValid{44, 50, 70};
constexpr Rgb kTlbEmpty{28, 28, 36};

// Entry `index` of the table at `pa`, read by probe (0, not present, when it is not RAM).
uint32_t entryOf(mmu::PhysMemory& mem, uint32_t pa, unsigned index) {
  return mmu::readPagingWord(mem, (pa & PagingBits::kFrame) + 4 * index, true);
}
// The PDE grid's state of each page table of the space under `cr3` (see drawAddressSpace): the
// most telling state among its present PTEs, as the MMU's mapping cursor finds them.
std::array<CellState, 1024> tableStates(const mmu::Mmu& mmu, uint32_t cr3, unsigned cowBit) {
  static constexpr int kRank[kCellStates] = {0, 1, 2, 3, 4, 5, 0};  // by CellState
  std::array<CellState, 1024> best;
  best.fill(CellState::kNotPresent);
  for (mmu::MappingCursor c = mmu.mappings(cr3); std::optional<mmu::Mapping> m = c.next();) {
    if (m->size != mmu::kPageSize) continue;  // a 4 MB page: no table
    CellState& b = best[m->linear >> 22];
    CellState st = classifyPte(m->pte, m->pde, cowBit);
    if (kRank[static_cast<unsigned>(st)] > kRank[static_cast<unsigned>(b)]) b = st;
    if (b == CellState::kCow) c.skipTable();  // nothing ranks higher
  }
  return best;
}
}  // namespace

Rgb cellColour(CellState s) {
  static constexpr std::array<Rgb, kCellStates> colours{{
      {36, 38, 48},    // not present
      {58, 74, 112},   // kernel read-only
      {88, 116, 178},  // kernel writable
      {70, 160, 90},   // user read-only
      {236, 200, 60},  // user writable
      {238, 96, 40},   // copy-on-write
      {156, 92, 206},  // 4 MB page
  }};
  return colours[static_cast<unsigned>(s)];
}

Rgb frameColour(uint16_t userMappers, bool kernel, bool table) {
  if (userMappers >= 3) return {232, 60, 70};
  if (userMappers == 2) return {238, 150, 40};
  if (userMappers == 1) return {90, 180, 110};
  if (table) return {150, 100, 200};
  if (kernel) return {40, 45, 62};
  return {30, 30, 36};
}

const std::vector<std::pair<std::string, std::string>>& shortcuts() {
  static const std::vector<std::pair<std::string, std::string>> keys{
      {"space", "run / pause"},
      {"s", "step one instruction"},
      {"f", "run to the next page fault"},
      {"t", "run to the next TLB flush"},
      {"c", "run to the next CR3 switch"},
      {"a / A", "next / previous address space (CR3s seen)"},
      {"0", "follow the current CR3 again"},
      {"arrows", "move the selected PTE"},
      {"pgup / pgdn", "previous / next PDE"},
      {"[ / ]", "previous / next frame in use (its details)"},
      {"z", "frames: the range in use / all of RAM"},
      {"mouse", "click a PDE, PTE, frame or live address space"},
      {"+ / -", "faster / slower"},
      {"p, F12", "save a screenshot (--view-png)"},
      {"h, ?, F1", "this help"},
      {"q, esc", "quit"},
  };
  return keys;
}

Renderer::Renderer(SDL_Renderer* renderer) : r_(renderer) {
  if (!TTF_WasInit() && TTF_Init() != 0) error_ = std::string("SDL_ttf: ") + TTF_GetError();
}

Renderer::~Renderer() {
  if (font_) TTF_CloseFont(font_);
}

bool Renderer::ok(std::string& error) const {
  if (!error_.empty()) error = error_;
  return error_.empty();
}

void Renderer::setFont(int size) {
  if (size == fontSize_ && font_) return;
  if (font_) TTF_CloseFont(font_);
  font_ = TTF_OpenFont(kFontPath, size);
  fontSize_ = size;
  if (!font_) {
    error_ = std::string(kFontPath) + ": " + TTF_GetError() + " (install fonts-dejavu-core)";
    return;
  }
  int adv = 0;
  if (TTF_GlyphMetrics(font_, 'M', nullptr, nullptr, nullptr, nullptr, &adv) == 0)
    charW_ = std::max(1, adv);
}

void Renderer::fill(const Rect& r, Rgb c) {
  SDL_SetRenderDrawColor(r_, c.r, c.g, c.b, 255);
  SDL_Rect sr{r.x, r.y, r.w, r.h};
  SDL_RenderFillRect(r_, &sr);
}

void Renderer::frame(const Rect& r, Rgb c) {
  SDL_SetRenderDrawColor(r_, c.r, c.g, c.b, 255);
  SDL_Rect sr{r.x, r.y, r.w, r.h};
  SDL_RenderDrawRect(r_, &sr);
}

int Renderer::text(int x, int y, const std::string& s, Rgb c, int maxW) {
  if (!font_ || s.empty() || maxW <= 0) return 0;
  SDL_Surface* surf = TTF_RenderUTF8_Blended(font_, s.c_str(), SDL_Color{c.r, c.g, c.b, 255});
  if (!surf) return 0;
  SDL_Texture* tex = SDL_CreateTextureFromSurface(r_, surf);
  int w = std::min(surf->w, maxW);
  if (tex) {
    SDL_Rect src{0, 0, w, surf->h}, dst{x, y, w, surf->h};
    SDL_RenderCopy(r_, tex, &src, &dst);
    SDL_DestroyTexture(tex);
  }
  SDL_FreeSurface(surf);
  return w;
}

FrameRange framesShown(Session& s) {
  const FrameCensus& c = s.census();
  uint32_t all = c.frames();
  if (s.selection().allFrames || c.usedEnd() == 0) return {0, all, true};
  // The frames in use, widened to multiples of 32 frames (128 KB), at least 64 frames.
  uint32_t first = c.usedFirst() / 32 * 32;
  uint32_t end = std::min(all, (c.usedEnd() + 31) / 32 * 32);
  if (end - first < 64) {  // widened downwards first: the built-in kernel allocates from the top
    first = end >= 64 ? end - 64 : 0;
    end = std::min(all, first + 64);
  }
  return {first, end - first, first == 0 && end == all};
}

Layout layoutFor(Session& s, int w, int h) {
  const mmu::Tlb& dtlb = s.machine().mmu().tlb(false);
  FrameRange f = framesShown(s);
  return Layout(w, h, f.first, f.count, dtlb.sets(), dtlb.ways(),
                s.machine().mmu().geometry().split);
}

void Renderer::draw(Session& s, const Chrome& chrome, int w, int h) {
  Layout l = layoutFor(s, w, h);
  setFont(l.font);
  SDL_SetRenderDrawBlendMode(r_, SDL_BLENDMODE_NONE);
  fill({0, 0, w, h}, kBackground);
  if (!font_) return;
  drawStatus(s, l, chrome);
  drawAddressSpace(s, l);
  drawLegend(l);
  drawDetails(s, l);
  drawFrames(s, l);
  drawTlb(s, l);
  drawSpaces(s, l);
  drawEvents(s, l);
  if (s.selection().help) drawHelp(l);
}

void Renderer::drawStatus(Session& s, const Layout& l, const Chrome& chrome) {
  fill(l.status, kPanel);
  emu::Cpu& cpu = s.machine().cpu();
  std::string sym = s.symbols().describe(cpu.eip());
  std::string top =
      fmt::format("xray86 view  [{}]  cycle {}  insns {}  EIP {:08x}{}{}  CPL {}  CR3 {:08x}{}{}",
                  chrome.state, cpu.cycles(), cpu.instructions(), cpu.eip(), sym.empty() ? "" : " ",
                  sym, cpu.cpl(), cpu.cr3(), chrome.speed.empty() ? "" : "  speed ", chrome.speed);
  text(l.pad, l.pad / 2, top, kTitle, l.w - 2 * l.pad);
  text(l.pad, l.pad / 2 + l.line,
       "space run/pause  s step  f next #PF  t next flush  c next CR3  a address space  [ ] frame  "
       "z zoom  +/- speed  p shot  h help  q quit",
       kDim, l.w - 2 * l.pad);
}

void Renderer::drawAddressSpace(Session& s, const Layout& l) {
  mmu::Mmu& mmu = s.machine().mmu();
  Selection& sel = s.selection();
  uint32_t cr3 = s.shownCr3();
  bool pse = (mmu.cr4() & mmu::kCr4Pse) != 0;
  bool current = cr3 == (mmu.cr3() & ~mmu::kPageMask);
  bool paging = (mmu.cr0() & mmu::kCr0Pg) != 0;
  // Before paging there is no directory to show: every PDE reads as not present.
  auto pdeAt = [&](unsigned i) { return paging ? entryOf(s.machine(), cr3, i) : 0u; };
  std::array<CellState, 1024> tables{};
  if (paging) tables = tableStates(mmu, cr3, s.cowBit());
  std::string name = s.guestInfo().spaceName(cr3);
  text(l.pdes.x, l.space.y,
       fmt::format("page directory {:08x}{}{}{}", cr3, name.empty() ? "" : " ", name,
                   current ? " (current)" : ""),
       kTitle, 32 * l.pdes.cell);
  for (unsigned i = 0; i < 1024; ++i) {
    Rect r = l.pdes.rect(i);
    CellState st = classifyPde(pdeAt(i), pse, s.cowBit());
    if (st != CellState::kNotPresent && st != CellState::kLarge) {
      // A table: the PDE's own U/S and R/W say little (xv6 sets both in every PDE), so the cell
      // shows the most telling state among its PTEs: COW, then user writable, user read-only,
      // kernel writable, kernel read-only.
      st = tables[i];
    }
    fill({r.x, r.y, r.w - (r.w > 3), r.h - (r.h > 3)}, cellColour(st));
  }
  frame(l.pdes.rect(sel.pde), kSelect);

  uint32_t pde = pdeAt(sel.pde);
  uint32_t base = sel.pde << 22;
  bool large = (pde & PagingBits::kPresent) && pse && (pde & PagingBits::kPageSize);
  bool table = (pde & PagingBits::kPresent) && !large;
  text(l.ptes.x, l.space.y,
       fmt::format("PDE {:03x}: {:08x}-{:08x}", sel.pde, base, base + 0x3FFFFF), kTitle,
       32 * l.ptes.cell);
  for (unsigned j = 0; j < 1024; ++j) {
    Rect r = l.ptes.rect(j);
    uint32_t pte = table ? entryOf(s.machine(), pde, j) : 0;
    CellState st = large ? CellState::kLarge : classifyPte(pte, pde, s.cowBit());
    fill({r.x, r.y, r.w - (r.w > 3), r.h - (r.h > 3)}, cellColour(st));
  }
  frame(l.ptes.rect(sel.pte), kSelect);
}

void Renderer::drawLegend(const Layout& l) {
  int x = l.legend.x, y = l.legend.y, sq = l.line * 2 / 3;
  for (unsigned i = 0; i < kCellStates; ++i) {
    CellState st = static_cast<CellState>(i);
    int need = sq + 4 + static_cast<int>(std::string(cellStateName(st)).size()) * charW_ + 12;
    if (x + need > l.legend.x + l.legend.w) {
      x = l.legend.x;
      y += l.line;
    }
    fill({x, y + (l.line - sq) / 2, sq, sq}, cellColour(st));
    x += sq + 4;
    x += text(x, y, cellStateName(st), kDim) + 12;
  }
}

namespace {
const char* roleText(TableRole r) {
  switch (r) {
    case TableRole::kNone:
      return "";
    case TableRole::kUserTable:
      return "; holds a page table";
    case TableRole::kKernelTable:
      return "; holds a kernel page table";
    case TableRole::kDirectory:
      return "; holds a page directory";
  }
  return "";
}
}  // namespace

// A frame's details: its number and address, how many user PTEs map it, and which entries of
// which address spaces (named by program) map it at which linear addresses.
void Renderer::frameLines(Session& s, uint32_t pfn,
                          std::vector<std::pair<std::string, Rgb>>& lines) {
  const FrameCensus& c = s.census();
  uint16_t n = c.userMappers(pfn);
  lines.push_back({fmt::format("frame {:#x} at {:08x}: {} user PTE{} map it{}{}{}", pfn, pfn << 12,
                               n, n == 1 ? "" : "s", n >= 2 ? " (shared)" : "",
                               roleText(c.role(pfn)), c.kernelMapped(pfn) ? "; kernel-mapped" : ""),
                   kTitle});
  std::vector<FrameMapper> mappers = s.frameMappers(pfn);
  unsigned listed = 0, kernel = 0;
  const FrameMapper* firstKernel = nullptr;
  for (const FrameMapper& m : mappers) {
    if (m.kernelHalf) {
      if (kernel++ == 0) firstKernel = &m;
      continue;
    }
    if (++listed > kMappersListed) continue;
    std::string name = s.spaceName(m.cr3);
    lines.push_back(
        {fmt::format("  cr3 {:08x} {:<8} linear {:08x}  {}{}", m.cr3, name.empty() ? "-" : name,
                     m.linear, mmu::flagsText(m.entry, s.cowBit()), m.user ? "" : " (supervisor)"),
         m.user ? kText : kDim});
  }
  if (listed > kMappersListed)
    lines.push_back({fmt::format("  ... {} more", listed - kMappersListed), kDim});
  if (firstKernel) {
    lines.push_back(
        {fmt::format("  kernel half (every space): linear {:08x}{}", firstKernel->linear,
                     kernel > 1 ? fmt::format(" and {} more", kernel - 1) : ""),
         kDim});
  }
}

void Renderer::drawDetails(Session& s, const Layout& l) {
  mmu::Mmu& mmu = s.machine().mmu();
  Selection& sel = s.selection();
  uint32_t cr3 = s.shownCr3();
  bool pse = (mmu.cr4() & mmu::kCr4Pse) != 0;
  std::vector<std::pair<std::string, Rgb>> lines;
  if (sel.frame) frameLines(s, *sel.frame, lines);  // a frame picked in the grid comes first
  uint32_t pdeAddr = cr3 + 4 * sel.pde;
  uint32_t pde = mmu::readPagingWord(s.machine(), pdeAddr, true);
  uint32_t base = sel.pde << 22;
  lines.push_back({fmt::format("PDE {:03x} at {:08x} = {:08x}  {}", sel.pde, pdeAddr, pde,
                               mmu::flagsText(pde, s.cowBit())),
                   kText});
  uint32_t leaf = 0, page = base, size = 4u << 20;
  if ((pde & PagingBits::kPresent) && pse && (pde & PagingBits::kPageSize)) {
    leaf = pde;
  } else if (pde & PagingBits::kPresent) {
    uint32_t pteAddr = (pde & PagingBits::kFrame) + 4 * sel.pte;
    leaf = mmu::readPagingWord(s.machine(), pteAddr, true);
    page = base + (sel.pte << 12);
    size = 4096;
    lines.push_back({fmt::format("PTE {:03x} at {:08x} = {:08x}  {}", sel.pte, pteAddr, leaf,
                                 mmu::flagsText(leaf, s.cowBit())),
                     kText});
  }
  lines.push_back({fmt::format("linear {:08x}-{:08x}: {}", page, page + size - 1,
                               cellStateName(size == 4096 ? classifyPte(leaf, pde, s.cowBit())
                                                          : classifyPde(pde, pse, s.cowBit()))),
                   kTitle});
  if (leaf & PagingBits::kPresent) {
    uint32_t f = (size == 4096 ? leaf & PagingBits::kFrame : leaf & PagingBits::kLargeFrame);
    if (!sel.frame) frameLines(s, f >> 12, lines);
    if (cr3 == (mmu.cr3() & ~mmu::kPageMask)) {
      const mmu::TlbEntry* e = mmu.tlb(false).lookup(page);
      if (e) {
        lines.push_back({fmt::format("TLB: cached -> {:08x} {}{}{}", e->frame,
                                     e->writable ? "W" : "R", e->user ? "U" : "S",
                                     e->stale ? "  STALE: memory changed since the fill" : ""),
                         e->stale ? Rgb{255, 110, 110} : kText});
      } else {
        lines.push_back({"TLB: not cached", kDim});
      }
    }
    std::string sym = s.symbols().describe(page);
    if (sym.empty()) {
      for (uint32_t a = page; a < page + std::min<uint32_t>(size, 4096); a += 16) {
        sym = s.symbols().describe(a);
        if (!sym.empty()) break;
      }
    }
    if (!sym.empty()) lines.push_back({"symbol: " + sym, kText});
  }
  int y = l.details.y;
  for (auto& [t, c] : lines) {
    if (y + l.line > l.details.y + l.details.h) break;
    text(l.details.x, y, t, c, l.details.w);
    y += l.line;
  }
}

void Renderer::drawFrames(Session& s, const Layout& l) {
  const FrameCensus& c = s.census();
  const Grid& g = l.frames;
  FrameRange range = framesShown(s);
  uint32_t shownEnd = std::min(g.end, c.frames());
  std::string scale =
      g.per == 1 ? "1 frame (4 KB)" : fmt::format("{} frames ({} KB)", g.per, 4 * g.per);
  text(l.framesPanel.x, l.framesPanel.y,
       range.all ? fmt::format("physical frames 0x{:x}-0x{:x}, all RAM (z: in use); a cell: {}",
                               g.first, shownEnd ? shownEnd - 1 : 0, scale)
                 : fmt::format("physical frames 0x{:x}-0x{:x} in use (z: all 0x{:x}); a cell: {}",
                               g.first, shownEnd ? shownEnd - 1 : 0, c.frames(), scale),
       kTitle, l.framesPanel.w);
  // Batched by colour: one SDL call per colour. Cells of 6 pixels or more keep a 1-pixel gap.
  int gap = g.cell >= 6 ? 1 : 0;
  std::vector<SDL_Rect> byColour[6];
  const Rgb colours[6] = {frameColour(0, false, false), frameColour(0, true, false),
                          frameColour(0, false, true),  frameColour(1, false, false),
                          frameColour(2, false, false), frameColour(3, false, false)};
  for (uint32_t f = g.first; f < shownEnd; f += g.per) {
    uint16_t most = 0;
    bool kernel = false, table = false;
    for (uint32_t k = f; k < f + g.per && k < shownEnd; ++k) {
      most = std::max(most, c.userMappers(k));
      kernel |= c.kernelMapped(k);
      table |= c.pageTable(k);
    }
    unsigned idx = most >= 3 ? 5 : most == 2 ? 4 : most == 1 ? 3 : table ? 2 : kernel ? 1 : 0;
    Rect r = g.rect(f);
    byColour[idx].push_back({r.x, r.y, r.w - gap, r.h - gap});
  }
  for (unsigned i = 0; i < 6; ++i) {
    if (byColour[i].empty()) continue;
    SDL_SetRenderDrawColor(r_, colours[i].r, colours[i].g, colours[i].b, 255);
    SDL_RenderFillRects(r_, byColour[i].data(), static_cast<int>(byColour[i].size()));
  }
  // Each row's first frame number, on rows a text line apart.
  int every = std::max(1, (l.line + g.cell - 1) / g.cell);
  for (int row = 0; row < g.rows; row += every) {
    uint32_t f = g.first + static_cast<uint32_t>(row * g.cols) * g.per;
    int y = g.y + row * g.cell + (g.cell - l.line) / 2 * (every == 1);
    if (f >= shownEnd || y + l.line > l.framesLegendY) break;  // not over the legend
    text(l.framesPanel.x, y, fmt::format("{:x}", f), kDim, l.frameLabelW - charW_ / 2);
  }
  // The picked frame (or the selected page's): outlined, or white when cells are tiny.
  std::optional<uint32_t> mark = s.selection().frame;
  if (!mark) mark = s.selectedPageFrame();
  if (mark && *mark >= g.first && *mark < shownEnd) {
    Rect r = g.rect(*mark);
    if (r.w >= 4) {
      frame({r.x, r.y, r.w - gap, r.h - gap}, kSelect);
    } else {
      fill(r, kSelect);
    }
  }
  // Legend under the grid.
  int y = l.framesLegendY, x = l.framesPanel.x, sq = l.line * 2 / 3;
  const char* names[6] = {"unmapped", "kernel only", "page table", "1 user PTE", "2", "3+"};
  if (y + l.line <= l.framesPanel.y + l.framesPanel.h + l.pad) {
    for (unsigned i = 0; i < 6; ++i) {
      fill({x, y + (l.line - sq) / 2, sq, sq}, colours[i]);
      x += sq + 3;
      x += text(x, y, names[i], kDim) + 10;
    }
  }
}

void Renderer::drawTlb(Session& s, const Layout& l) {
  mmu::Mmu& mmu = s.machine().mmu();
  bool split = mmu.geometry().split;
  int y = l.tlb.y;
  for (int which = 0; which < (split ? 2 : 1); ++which) {
    const mmu::Tlb& t = mmu.tlb(which == 1);
    text(l.tlb.x, y,
         fmt::format("{}TLB: {} sets x {} ways, {} valid (page>frame, W/R U/S, G, D; red: stale)",
                     split ? (which ? "instruction " : "data ") : "", t.sets(), t.ways(),
                     t.validCount()),
         kTitle, l.tlb.w);
    y += l.line;
    int label = 3 * charW_;
    int wayW = (l.tlb.w - label) / static_cast<int>(t.ways());
    for (unsigned set = 0; set < t.sets(); ++set) {
      text(l.tlb.x, y, fmt::format("{}", set), kDim);
      for (unsigned way = 0; way < t.ways(); ++way) {
        const mmu::TlbEntry& e = t.at(set, way);
        Rect r{l.tlb.x + label + static_cast<int>(way) * wayW, y, wayW - 3, l.line - 1};
        fill(r, !e.valid ? kTlbEmpty : e.stale ? kStale : kTlbValid);
        if (e.valid) {
          std::string t2 = e.large
                               ? fmt::format("{:03x}>{:03x} 4M", e.pageBase >> 22, e.frame >> 22)
                               : fmt::format("{:05x}>{:05x}", e.pageBase >> 12, e.frame >> 12);
          t2 += fmt::format(" {}{}{}{}", e.writable ? "W" : "R", e.user ? "U" : "S",
                            e.global ? "G" : "", e.dirty ? "D" : "");
          text(r.x + 2, y, t2, kText, r.w - 4);
        }
      }
      y += l.line;
    }
  }
}

// One row of the address-space list: "> 0df25000 #8 pid 3 cowcheck ^6 *" (the shown one, its
// page directory, asid, the kernel's pid, name, the asid it was forked from, current), "  0de23000
// cowcheck new" (built by fork, never loaded), "  0dffe000 #4 pid 2 sh gone".
std::string spaceRow(const AddressSpace& a, bool shown) {
  std::string t = fmt::format("{}{:08x}", shown ? "> " : "  ", a.cr3);
  if (a.asid != 0) t += fmt::format(" #{}", a.asid);
  if (a.pid >= 0) t += fmt::format(" pid {}", a.pid);
  t += " " + (a.name.empty() ? std::string("-") : a.name);
  if (a.parent != 0) t += fmt::format(" ^{}", a.parent);
  t += a.current ? " *" : !a.live ? " gone" : !a.loaded ? " new" : "";
  return t;
}

void Renderer::drawSpaces(Session& s, const Layout& l) {
  std::vector<AddressSpace> spaces = s.addressSpaces();
  uint32_t shown = s.shownCr3();
  spaceHits_.clear();
  int y = l.spaces.y;
  text(l.spaces.x, y,
       "processes: cr3 #asid pid name ^parent, * current (a / A: choose, 0: follow CR3)", kTitle,
       l.spaces.w);
  y += l.line;
  // In columns of 40 characters; the shown one is always in view, the gone ones come last.
  int colW = 40 * charW_;
  int cols = std::max(1, l.spaces.w / colW);
  int rows = std::max(1, (l.spaces.y + l.spaces.h - y) / l.line);
  size_t room = static_cast<size_t>(cols * rows);
  size_t first = 0;
  for (size_t i = 0; i < spaces.size(); ++i) {
    if (spaces[i].cr3 == shown && spaces[i].live && i >= room) first = i + 1 - room;
  }
  for (size_t i = first; i < spaces.size() && i < first + room; ++i) {
    const AddressSpace& a = spaces[i];
    size_t k = i - first;
    int x = l.spaces.x + static_cast<int>(k / static_cast<size_t>(rows)) * colW;
    int yy = y + static_cast<int>(k % static_cast<size_t>(rows)) * l.line;
    bool isShown = a.live && a.cr3 == shown;
    std::string t = spaceRow(a, isShown);
    if (i + 1 == first + room && i + 1 < spaces.size()) {
      size_t gone = 0;
      for (size_t j = i; j < spaces.size(); ++j) gone += !spaces[j].live;
      t = fmt::format("  ... {} more ({} gone)", spaces.size() - i, gone);
    } else if (a.live) {
      spaceHits_.push_back({Rect{x, yy, colW - charW_, l.line}, a.cr3});
    }
    text(x, yy, t, isShown ? kTitle : a.live ? kText : kDim, colW - charW_);
  }
}

std::optional<uint32_t> Renderer::spaceAt(int x, int y) const {
  for (const auto& [r, cr3] : spaceHits_) {
    if (r.contains(x, y)) return cr3;
  }
  return std::nullopt;
}

namespace {
// The trace's colours for its kinds (emu/trace/format.cpp, on a terminal), as RGB.
Rgb kindColour(trace::Kind k) {
  switch (k) {
    case trace::Kind::kPageFault:
      return {255, 120, 105};
    case trace::Kind::kResolve:
      return {120, 214, 130};
    case trace::Kind::kTlbFlush:
      return {228, 200, 96};
    case trace::Kind::kStaleTlbUse:
    case trace::Kind::kMissingFlush:
      return {236, 110, 236};
    case trace::Kind::kCr3Write:
      return {110, 200, 222};
    case trace::Kind::kException:
      return {240, 90, 90};
    default:
      return kText;
  }
}
}  // namespace

void Renderer::drawEvents(Session& s, const Layout& l) {
  mmu::MmuStats st = s.machine().mmu().stats();
  const trace::RunCounters& c = s.traceCounters();
  int y = l.events.y;
  text(l.events.x, y,
       fmt::format("events, newest first: the trace's lines (--trace {})", kPanelKinds), kTitle,
       l.events.w);
  y += l.line;
  std::string res;
  for (unsigned r = 0; r < c.resolutions.size(); ++r) {
    if (c.resolutions[r]) {
      res +=
          fmt::format("{}{} {}", res.empty() ? "" : ", ",
                      trace::resolutionName(static_cast<trace::Resolution>(r)), c.resolutions[r]);
    }
  }
  uint64_t flushes = st.flushes[0] + st.flushes[1] + st.flushes[2] + st.flushes[3];
  text(l.events.x, y,
       fmt::format("page faults {}{}  repeat faults {}  TLB flushes {}  stale TLB uses {}  "
                   "missing flushes {}  TLB {} hits, {} misses",
                   st.pageFaultTotal(), res.empty() ? "" : " (" + res + ")", c.repeatFaults,
                   flushes, st.staleUses, st.missingFlushes, st.tlbHits, st.tlbMisses),
       kDim, l.events.w);
  y += l.line;
  // Columns as wide as their widest visible entry (the font is monospaced).
  size_t rows = static_cast<size_t>(std::max(0, (l.events.y + l.events.h - y) / l.line - 1));
  const std::deque<trace::Record>& records = s.events().records();
  std::vector<std::pair<EventColumns, trace::Kind>> shown;
  EventColumns head{"cycle", "cr3", "eip", "function", "instruction", "event", "fields"};
  size_t wc = head.cycle.size(), wf = head.function.size(), wi = head.instruction.size();
  for (size_t i = 0; i < records.size() && i < rows; ++i) {
    shown.push_back({eventColumns(records[i], s.describer()), records[i].kind});
    wc = std::max(wc, shown.back().first.cycle.size());
    wf = std::max(wf, shown.back().first.function.size());
    wi = std::max(wi, shown.back().first.instruction.size());
  }
  auto row = [&](const EventColumns& e) {
    return fmt::format("{:>{}} {:<8} {:<8} {:<{}} {:<{}} {:<7} {}", e.cycle, wc, e.cr3, e.eip,
                       e.function, wf, e.instruction, wi, e.kind, e.fields);
  };
  text(l.events.x, y, row(head), kDim, l.events.w);
  y += l.line;
  for (const auto& [e, kind] : shown) {
    text(l.events.x, y, row(e), kindColour(kind), l.events.w);
    y += l.line;
  }
}

void Renderer::drawHelp(const Layout& l) {
  const auto& keys = shortcuts();
  int w = std::min(l.w - 4 * l.pad, 60 * charW_), h = static_cast<int>(keys.size() + 3) * l.line;
  Rect box{(l.w - w) / 2, (l.h - h) / 2, w, h};
  SDL_SetRenderDrawBlendMode(r_, SDL_BLENDMODE_BLEND);
  SDL_SetRenderDrawColor(r_, 8, 8, 12, 235);
  SDL_Rect sr{box.x, box.y, box.w, box.h};
  SDL_RenderFillRect(r_, &sr);
  SDL_SetRenderDrawBlendMode(r_, SDL_BLENDMODE_NONE);
  frame(box, kSelect);
  int y = box.y + l.line / 2;
  text(box.x + l.pad * 2, y, "keyboard shortcuts (h to close)", kTitle);
  y += l.line * 3 / 2;
  for (const auto& [k, what] : keys) {
    text(box.x + l.pad * 2, y, k, Rgb{236, 200, 60});
    text(box.x + l.pad * 2 + 14 * charW_, y, what, kText);
    y += l.line;
  }
}

// ---- PNG (ISO/IEC 15948: signature, IHDR, IDAT with zlib data, IEND; each chunk CRC-32) ----

namespace {
void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}
void chunk(std::vector<uint8_t>& out, const char* type, const std::vector<uint8_t>& data) {
  put32(out, static_cast<uint32_t>(data.size()));
  size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  uLong crc = crc32(0, out.data() + start, static_cast<uInt>(out.size() - start));
  put32(out, static_cast<uint32_t>(crc));
}
}  // namespace

bool writePng(const std::string& path, int w, int h, const uint32_t* pixels, int pitch,
              std::string& error) {
  // Raw image: each row a filter byte (0, none) then RGB triples.
  std::vector<uint8_t> raw;
  raw.reserve(static_cast<size_t>(h) * (1 + 3 * static_cast<size_t>(w)));
  for (int y = 0; y < h; ++y) {
    raw.push_back(0);
    const uint32_t* row = pixels + static_cast<size_t>(y) * pitch;
    for (int x = 0; x < w; ++x) {
      raw.push_back(static_cast<uint8_t>(row[x] >> 16));
      raw.push_back(static_cast<uint8_t>(row[x] >> 8));
      raw.push_back(static_cast<uint8_t>(row[x]));
    }
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> z(size);
  if (compress2(z.data(), &size, raw.data(), static_cast<uLong>(raw.size()), 9) != Z_OK) {
    error = "PNG: zlib failed";
    return false;
  }
  z.resize(size);
  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> ihdr;
  put32(ihdr, static_cast<uint32_t>(w));
  put32(ihdr, static_cast<uint32_t>(h));
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8 bits, truecolour, deflate, filter 0, no interlace
  chunk(out, "IHDR", ihdr);
  chunk(out, "IDAT", z);
  chunk(out, "IEND", {});
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), std::fclose);
  if (!f || std::fwrite(out.data(), 1, out.size(), f.get()) != out.size()) {
    error = path + ": cannot write";
    return false;
  }
  return true;
}

bool renderOffscreen(Session& s, const Chrome& chrome, int w, int h, std::vector<uint32_t>& pixels,
                     std::string& error) {
  SDL_Surface* surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
  if (!surf) {
    error = std::string("SDL: ") + SDL_GetError();
    return false;
  }
  SDL_Renderer* r = SDL_CreateSoftwareRenderer(surf);
  if (!r) {
    error = std::string("SDL software renderer: ") + SDL_GetError();
    SDL_FreeSurface(surf);
    return false;
  }
  bool ok;
  {
    Renderer view(r);
    ok = view.ok(error);
    if (ok) {
      view.draw(s, chrome, w, h);
      SDL_RenderPresent(r);
      ok = view.ok(error);
    }
  }
  if (ok) {
    pixels.resize(static_cast<size_t>(w) * h);
    SDL_LockSurface(surf);
    for (int y = 0; y < h; ++y) {
      std::memcpy(&pixels[static_cast<size_t>(y) * w],
                  static_cast<uint8_t*>(surf->pixels) + y * surf->pitch,
                  static_cast<size_t>(w) * 4);
    }
    SDL_UnlockSurface(surf);
    for (uint32_t& p : pixels) p &= 0xFFFFFF;
  }
  SDL_DestroyRenderer(r);
  SDL_FreeSurface(surf);
  return ok;
}

}  // namespace view

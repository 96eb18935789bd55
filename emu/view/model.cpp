// The view's model: entry classes, the frame census, kernel symbols, stop moments, the recorder.
#include "emu/view/model.h"

#include <capstone/capstone.h>
#include <fmt/core.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

namespace view {

using mmu::PagingBits;

const char* cellStateName(CellState s) {
  switch (s) {
    case CellState::kNotPresent: return "not present";
    case CellState::kKernelRead: return "kernel read-only";
    case CellState::kKernelWrite: return "kernel writable";
    case CellState::kUserRead: return "user read-only";
    case CellState::kUserWrite: return "user writable";
    case CellState::kCow: return "copy-on-write";
    case CellState::kLarge: return "4 MB page";
  }
  return "?";
}

CellState classifyPte(uint32_t pte, uint32_t pdeBits, unsigned cowBit) {
  if (!(pte & PagingBits::kPresent)) return CellState::kNotPresent;
  if (cowBit < 32 && (pte >> cowBit) & 1) return CellState::kCow;
  // U/S and R/W combine: the stricter of PDE and PTE wins (SDM vol. 3A 4.6).
  bool user = (pte & pdeBits & PagingBits::kUser) != 0;
  bool writable = (pte & pdeBits & PagingBits::kWritable) != 0;
  if (user) return writable ? CellState::kUserWrite : CellState::kUserRead;
  return writable ? CellState::kKernelWrite : CellState::kKernelRead;
}

CellState classifyPde(uint32_t pde, bool pse, unsigned cowBit) {
  if (!(pde & PagingBits::kPresent)) return CellState::kNotPresent;
  if (pse && (pde & PagingBits::kPageSize)) return CellState::kLarge;
  return classifyPte(pde, PagingBits::kUser | PagingBits::kWritable, cowBit);
}

// ---- Symbols: ELF32 .symtab (System V ABI, "Object Files": section header 40 bytes, Elf32_Sym
// 16 bytes) ----

namespace {
uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
  return at + 4 <= b.size() ? static_cast<uint32_t>(b[at]) | b[at + 1] << 8 | b[at + 2] << 16 |
                                  static_cast<uint32_t>(b[at + 3]) << 24
                            : 0;
}
uint16_t le16(const std::vector<uint8_t>& b, size_t at) {
  return at + 2 <= b.size() ? static_cast<uint16_t>(b[at] | b[at + 1] << 8) : 0;
}
}  // namespace

bool Symbols::load(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot read";
    return false;
  }
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() < 52 || std::memcmp(b.data(), "\x7f" "ELF", 4) != 0 || b[4] != 1) {
    error = path + ": not an ELF32 file";
    return false;
  }
  uint32_t shoff = le32(b, 0x20);
  uint16_t shentsize = le16(b, 0x2E), shnum = le16(b, 0x30);
  if (shentsize < 40 || uint64_t{shoff} + uint64_t{shentsize} * shnum > b.size()) {
    error = path + ": bad section headers";
    return false;
  }
  std::vector<Symbol> found;
  for (unsigned i = 0; i < shnum; ++i) {
    size_t sh = shoff + size_t{i} * shentsize;
    if (le32(b, sh + 4) != 2) continue;  // SHT_SYMTAB
    uint32_t off = le32(b, sh + 16), size = le32(b, sh + 20), link = le32(b, sh + 24);
    if (link >= shnum || uint64_t{off} + size > b.size()) continue;
    size_t strSh = shoff + size_t{link} * shentsize;
    uint32_t strOff = le32(b, strSh + 16), strSize = le32(b, strSh + 20);
    if (uint64_t{strOff} + strSize > b.size()) continue;
    for (uint32_t s = off; s + 16 <= off + size; s += 16) {
      uint32_t name = le32(b, s), value = le32(b, s + 4), sz = le32(b, s + 8);
      uint8_t type = b[s + 12] & 0xF;
      uint16_t shndx = le16(b, s + 14);
      // STT_NOTYPE (assembly labels), STT_OBJECT, STT_FUNC; defined in a section.
      if (type > 2 || shndx == 0 || shndx >= 0xFF00 || name == 0 || name >= strSize) continue;
      const char* p = reinterpret_cast<const char*>(b.data()) + strOff + name;
      size_t len = strnlen(p, strSize - name);
      if (len == 0 || p[0] == '.' || p[0] == '$') continue;
      found.push_back({value, value + sz, std::string(p, len)});
    }
  }
  if (found.empty()) {
    error = path + ": no symbol table";
    return false;
  }
  std::sort(found.begin(), found.end(),
            [](const Symbol& a, const Symbol& c) { return a.start < c.start; });
  // A sized-0 symbol reaches to the next one.
  for (size_t i = 0; i < found.size(); ++i) {
    if (found[i].end == found[i].start) {
      found[i].end = i + 1 < found.size() ? found[i + 1].start : found[i].start + 1;
      if (found[i].end == found[i].start) found[i].end = found[i].start + 1;
    }
  }
  symbols_.insert(symbols_.end(), found.begin(), found.end());
  std::sort(symbols_.begin(), symbols_.end(),
            [](const Symbol& a, const Symbol& c) { return a.start < c.start; });
  return true;
}

std::string Symbols::describe(uint32_t address) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                             [](uint32_t a, const Symbol& s) { return a < s.start; });
  while (it != symbols_.begin()) {
    --it;
    if (address >= it->start && address < it->end) {
      return address == it->start ? it->name : fmt::format("{}+0x{:x}", it->name, address - it->start);
    }
    if (it->start + 0x100000 < address) break;  // nothing that far back covers it
  }
  return "";
}

std::optional<uint32_t> Symbols::find(const std::string& name) const {
  for (const Symbol& s : symbols_) {
    if (s.name == name) return s.start;
  }
  return std::nullopt;
}

// ---- FrameCensus ----

namespace {
// The 1024 words of the table at `pa`, read straight from RAM (no device is ever touched), or
// false when that frame is not RAM.
bool readTable(mmu::PhysMemory& mem, uint32_t pa, uint32_t (&words)[1024]) {
  uint8_t* f = mem.frame(pa & ~mmu::kPageMask);
  if (f == nullptr) return false;
  std::memcpy(words, f, sizeof words);
  return true;
}
}  // namespace

void FrameCensus::take(mmu::PhysMemory& mem, const mmu::Mmu& mmu, const std::vector<uint32_t>& cr3s,
                       uint32_t ramBytes) {
  uint32_t n = ramBytes >> 12;
  userMappers_.assign(n, 0);
  kernel_.assign(n, 0);
  table_.assign(n, 0);
  live_.clear();
  highest_ = 0;
  if (!(mmu.cr0() & mmu::kCr0Pg)) return;
  bool pse = (mmu.cr4() & mmu::kCr4Pse) != 0;
  uint32_t cur = mmu.cr3() & ~mmu::kPageMask;
  static uint32_t curDir[1024], dir[1024], table[1024];
  if (!readTable(mem, cur, curDir)) return;
  auto mark = [&](std::vector<uint8_t>& v, uint32_t pfn) {
    if (pfn < n) {
      v[pfn] = 1;
      highest_ = std::max(highest_, pfn + 1);
    }
  };
  // The kernel half: the current directory's present PDEs that map no user page (a supervisor
  // 4 MB page, or a table without a user PTE). Kernels share it in every address space; xv6-style
  // kernels set U/S in every PDE, so the PDE's own bit cannot tell.
  std::vector<bool> kernelPde(1024, false);
  unsigned probe = 1024;
  for (unsigned i = 0; i < 1024; ++i) {
    uint32_t pde = curDir[i];
    if (!(pde & PagingBits::kPresent)) continue;
    bool user = false;
    if (pse && (pde & PagingBits::kPageSize)) {
      user = (pde & PagingBits::kUser) != 0;
    } else if ((pde & PagingBits::kUser) && readTable(mem, pde & PagingBits::kFrame, table)) {
      for (uint32_t pte : table) {
        if ((pte & PagingBits::kPresent) && (pte & PagingBits::kUser)) {
          user = true;
          break;
        }
      }
    }
    kernelPde[i] = !user;
    if (!user && probe == 1024) probe = i;
  }
  std::vector<uint32_t> spaces{cur};
  for (uint32_t c : cr3s) {
    c &= ~mmu::kPageMask;
    if (std::find(spaces.begin(), spaces.end(), c) == spaces.end()) spaces.push_back(c);
  }
  // Directories not loaded into CR3 yet (a child fork() has just built) are found by their
  // kernel half: a frame whose first kernel PDE is the current directory's is a candidate, and
  // the full comparison below decides. A freed directory (junk-filled) does not match.
  if (probe < 1024) {
    for (uint32_t pfn = 0; pfn < n; ++pfn) {
      uint8_t* f = mem.frame(pfn << 12);
      if (f == nullptr) continue;
      uint32_t word;
      std::memcpy(&word, f + 4 * probe, 4);
      if (word == curDir[probe] && std::find(spaces.begin(), spaces.end(), pfn << 12) == spaces.end()) {
        spaces.push_back(pfn << 12);
      }
    }
  }
  for (uint32_t space : spaces) {
    if (!readTable(mem, space, dir)) continue;
    bool current = space == cur;
    if (!current) {
      // Alive only while it holds the current kernel half, PDE for PDE (and some of it at all).
      bool same = probe < 1024;
      for (unsigned i = 0; i < 1024 && same; ++i) {
        if (kernelPde[i]) same = dir[i] == curDir[i];
      }
      if (!same) continue;
    }
    live_.push_back(space);
    mark(table_, space >> 12);
    for (unsigned i = 0; i < 1024; ++i) {
      uint32_t pde = dir[i];
      if (!(pde & PagingBits::kPresent)) continue;
      if (kernelPde[i] && !current) continue;  // the shared kernel half: counted once, below
      bool userPde = (pde & PagingBits::kUser) != 0;
      if (pse && (pde & PagingBits::kPageSize)) {
        uint32_t base = (pde & PagingBits::kLargeFrame) >> 12;
        for (uint32_t f = base; f < base + 1024 && f < n; ++f) {
          if (userPde) {
            if (userMappers_[f] < 0xFFFF) ++userMappers_[f];
            highest_ = std::max(highest_, f + 1);
          } else {
            mark(kernel_, f);
          }
        }
        continue;
      }
      mark(table_, pde >> 12);
      if (!readTable(mem, pde & PagingBits::kFrame, table)) continue;
      for (unsigned j = 0; j < 1024; ++j) {
        uint32_t pte = table[j];
        if (!(pte & PagingBits::kPresent)) continue;
        uint32_t pfn = pte >> 12;
        if (pfn >= n) continue;
        if (userPde && (pte & PagingBits::kUser)) {
          if (userMappers_[pfn] < 0xFFFF) ++userMappers_[pfn];
          highest_ = std::max(highest_, pfn + 1);
        } else if (current) {
          mark(kernel_, pfn);
        }
      }
    }
  }
}

// ---- When ----

bool parseWhen(const std::string& text, When& when, std::string& error) {
  when = When{};
  when.text = text;
  auto number = [&](const std::string& s, uint64_t& out) {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoull(s);
    return true;
  };
  size_t colon = text.find(':');
  std::string head = text.substr(0, colon), arg = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (text == "exit") return true;
  if (head == "pf" && number(arg, when.n) && when.n >= 1) {
    when.kind = When::Kind::kPageFault;
    return true;
  }
  if (head == "cycle" && number(arg, when.n)) {
    when.kind = When::Kind::kCycle;
    return true;
  }
  if ((head == "symbol" || head == "ret") && !arg.empty()) {
    when.kind = head == "symbol" ? When::Kind::kSymbol : When::Kind::kReturn;
    when.name = arg;
    return true;
  }
  error = "--view-at " + text + ": expected exit, pf:N (N >= 1), cycle:N, symbol:NAME or ret:NAME";
  return false;
}

// ---- Recorder ----

Recorder::Recorder(emu::Cpu& cpu, mmu::Mmu& mmu, mmu::PhysMemory& mem, const Symbols& symbols,
                   unsigned cowBit)
    : cpu_(cpu), mmu_(mmu), mem_(mem), symbols_(symbols), cowBit_(cowBit) {
  csh h = 0;
  capstoneOk_ = cs_open(CS_ARCH_X86, CS_MODE_32, &h) == CS_ERR_OK;
  capstone_ = h;
  noteCr3(mmu.cr3());
  cpu_.events().attach(this);
}

Recorder::~Recorder() {
  cpu_.events().detach(this);
  if (capstoneOk_) {
    csh h = capstone_;
    cs_close(&h);
  }
}

bool Recorder::arm(const When& when, std::string& error) {
  disarm();
  when_ = when;
  faultsAtArm_ = counters_.pageFaults;
  if (when.kind == When::Kind::kExit || when.kind == When::Kind::kCycle) return true;
  if (when.kind == When::Kind::kSymbol || when.kind == When::Kind::kReturn) {
    std::optional<uint32_t> a = symbols_.find(when.name);
    if (!a) {
      error = "--view-at " + when.text + ": no symbol " + when.name +
              (symbols_.empty() ? " (no symbols: boot a --kernel ELF)" : "");
      return false;
    }
    target_ = *a;
    wantInsns_ = true;
  }
  armed_ = true;
  // Already at NAME's first instruction (stopped at symbol:NAME): that call is the one.
  if (when.kind == When::Kind::kReturn && cpu_.eip() == target_) enterCall();
  return true;
}

void Recorder::disarm() {
  armed_ = reached_ = wantInsns_ = entered_ = false;
}

void Recorder::stop() {
  reached_ = true;
  wantInsns_ = false;
  cpu_.requestStop();
}

void Recorder::add(uint64_t cycle, std::string text) {
  lines_.push_front({cycle, std::move(text)});
  if (lines_.size() > kMaxLines) lines_.pop_back();
}

void Recorder::noteCr3(uint32_t cr3) {
  cr3 &= ~mmu::kPageMask;
  if (std::find(cr3s_.begin(), cr3s_.end(), cr3) == cr3s_.end()) cr3s_.push_back(cr3);
}

uint32_t Recorder::leafWord(uint32_t cr3, uint32_t linear) const {
  mmu::WalkResult w = mmu_.probeTables(cr3, linear, mmu::Access::kRead, false);
  if (w.walk.pteAddr != 0) return w.walk.pte;
  return w.walk.large ? w.walk.pde : 0;
}

std::string Recorder::disassemble(uint32_t linear, bool user) const {
  if (!capstoneOk_) return "?";
  uint8_t bytes[15];
  for (unsigned i = 0; i < sizeof bytes; ++i) {
    mmu::ProbeResult p = mmu_.probe(mmu_.cr3(), linear + i, mmu::Access::kFetch, user);
    if (p.fault) return i == 0 ? "?" : "?";
    uint8_t* f = mem_.frame(p.physical & ~mmu::kPageMask);
    if (f == nullptr) return "?";
    bytes[i] = f[p.physical & mmu::kPageMask];
  }
  cs_insn* insn = nullptr;
  size_t n = cs_disasm(capstone_, bytes, sizeof bytes, linear, 1, &insn);
  if (n == 0) return "?";
  std::string s = std::string(insn[0].mnemonic) + (insn[0].op_str[0] ? " " : "") + insn[0].op_str;
  cs_free(insn, n);
  return s;
}

void Recorder::onPageFault(const mmu::PageFault& e) {
  emu::EventContext ctx = cpu_.events().context();
  ++counters_.pageFaults;
  uint32_t leaf = e.walk.pteAddr != 0 ? e.walk.pte : (e.walk.large ? e.walk.pde : 0);
  bool cow = (leaf & PagingBits::kPresent) && cowBit_ < 32 && ((leaf >> cowBit_) & 1) &&
             (e.errorCode & mmu::ErrorCode::kWrite);
  if (cow) ++counters_.cowFaults;
  std::string where = symbols_.describe(ctx.eip);
  add(ctx.cycle,
      fmt::format("#PF cr2={:08x} {}{}{} eip={:08x}{}{} '{}' pte={:08x}{}", e.cr2,
                  e.errorCode & mmu::ErrorCode::kPresent ? "P" : "-",
                  e.errorCode & mmu::ErrorCode::kWrite ? "W" : "R",
                  e.errorCode & mmu::ErrorCode::kUser ? "U" : "S", ctx.eip, where.empty() ? "" : " ",
                  where, disassemble(ctx.eip, ctx.cpl == 3), leaf, cow ? " COW" : ""));
  if (pending_.size() >= 64) pending_.erase(pending_.begin());
  pending_.push_back({e.cr3 & ~mmu::kPageMask, e.cr2, ctx.eip, leaf, ctx.cycle});
  lastFault_ = e.cr2;
  lastFaultCr3_ = e.cr3 & ~mmu::kPageMask;
  if (!armed_ || reached_) return;
  if (when_.kind == When::Kind::kNextFault) {
    stop();
  } else if (when_.kind == When::Kind::kPageFault) {
    uint64_t seen = counters_.pageFaults - faultsAtArm_;
    if (seen == when_.n) {
      // Wait for the faulting instruction to complete: every retired instruction from here on.
      target_ = ctx.eip;
      targetCr3_ = e.cr3 & ~mmu::kPageMask;
      wantInsns_ = true;
      cpu_.requestStop();  // the session turns instruction events on and runs on
    } else if (seen > when_.n) {
      stop();  // the Nth fault never completed (its process was killed): stop at the next one
    }
  }
}

void Recorder::onInstruction(const emu::InstructionEvent& e) {
  if (!armed_ || reached_) return;
  uint32_t cr3 = mmu_.cr3() & ~mmu::kPageMask;
  switch (when_.kind) {
    case When::Kind::kPageFault:
      if (wantInsns_ && e.eip == target_ && cr3 == targetCr3_) stop();
      break;
    case When::Kind::kSymbol:
      if (cpu_.eip() == target_) stop();
      break;
    case When::Kind::kReturn:
      if (!entered_ && cpu_.eip() == target_) {
        enterCall();
      } else if (entered_ && cpu_.eip() == targetEnd_ && cpu_.reg(emu::kEsp) == targetEsp_ &&
                 cr3 == targetCr3_) {
        stop();
      }
      break;
    default: break;
  }
}

void Recorder::enterCall() {
  // The call's return address is at [ESP]: read it with a probe (no side effect).
  uint32_t esp = cpu_.reg(emu::kEsp);
  mmu::ProbeResult p = mmu_.probe(mmu_.cr3(), esp, mmu::Access::kRead, cpu_.cpl() == 3);
  if (p.fault || (p.physical & mmu::kPageMask) > mmu::kPageSize - 4) return;
  entered_ = true;
  targetEnd_ = mmu::readPagingWord(mem_, p.physical, true);
  targetEsp_ = esp + 4;
  targetCr3_ = mmu_.cr3() & ~mmu::kPageMask;
}

void Recorder::onTlbFlush(const mmu::TlbFlush& e) {
  emu::EventContext ctx = cpu_.events().context();
  ++counters_.flushes;
  const char* kind = e.kind == mmu::FlushKind::kCr3Write ? "mov cr3"
                     : e.kind == mmu::FlushKind::kInvlpg ? "invlpg"
                     : e.kind == mmu::FlushKind::kCr0    ? "cr0"
                                                         : "cr4";
  if (e.kind == mmu::FlushKind::kInvlpg) {
    add(ctx.cycle, fmt::format("flush {} {:08x}: {} entr{} dropped", kind, e.address, e.dropped,
                               e.dropped == 1 ? "y" : "ies"));
  } else {
    add(ctx.cycle, fmt::format("flush {}: {} entr{} dropped", kind, e.dropped, e.dropped == 1 ? "y" : "ies"));
  }
  if (armed_ && !reached_ && when_.kind == When::Kind::kNextFlush) stop();
}

void Recorder::onCr3Write(const mmu::Cr3Write& e) {
  emu::EventContext ctx = cpu_.events().context();
  ++counters_.cr3Writes;
  noteCr3(e.newCr3);
  std::string where = symbols_.describe(ctx.eip);
  add(ctx.cycle, fmt::format("cr3 {:08x} -> {:08x} at {:08x} {}", e.oldCr3, e.newCr3, ctx.eip, where));
  if (armed_ && !reached_ && when_.kind == When::Kind::kNextCr3) stop();
}

void Recorder::onStaleTlbUse(const mmu::StaleTlbUse& e) {
  emu::EventContext ctx = cpu_.events().context();
  ++counters_.staleUses;
  add(ctx.cycle, fmt::format("STALE TLB use {:08x}: entry from {:08x}, memory now {:08x} (frame {:08x})",
                             e.linear, e.cachedPte, e.memoryPte, e.cachedFrame));
}

void Recorder::refresh() {
  uint64_t now = cpu_.cycles();
  for (size_t i = 0; i < pending_.size();) {
    const Pending& p = pending_[i];
    uint32_t leaf = leafWord(p.cr3, p.cr2);
    std::string what;
    if (leaf != p.pte) {
      if (!(p.pte & PagingBits::kPresent) && (leaf & PagingBits::kPresent)) {
        what = fmt::format("mapped to frame {:08x}", leaf & PagingBits::kFrame);
      } else if ((leaf & PagingBits::kPresent) && (leaf & PagingBits::kFrame) != (p.pte & PagingBits::kFrame)) {
        what = fmt::format("copied: frame {:08x} -> {:08x}", p.pte & PagingBits::kFrame, leaf & PagingBits::kFrame);
      } else if ((leaf & PagingBits::kWritable) && !(p.pte & PagingBits::kWritable)) {
        what = fmt::format("made writable in place (frame {:08x})", leaf & PagingBits::kFrame);
      } else if (!(leaf & PagingBits::kPresent)) {
        what = "unmapped";
      }
    }
    // A fault no change answers within a second of guest time was not fixed (a killed process).
    bool expired = what.empty() && now - p.cycle > 33'000'000;
    if (!what.empty() || expired) {
      add(now, fmt::format("  resolved {:08x} (#PF at eip {:08x}): {}", p.cr2, p.eip,
                           expired ? "no change (killed?)" : what));
      pending_.erase(pending_.begin() + static_cast<long>(i));
    } else {
      ++i;
    }
  }
}

}  // namespace view

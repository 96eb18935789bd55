// String instruction handlers: MOVS CMPS SCAS LODS STOS INS OUTS, with REP/REPE/REPNE.
//
// Each iteration is all-or-nothing: a fault leaves SI/DI/CX at the iteration that faulted and EIP
// at the instruction, so the handler restarts it ([386PRM] 9.6). A long REP yields after
// kRepChunk iterations (EIP stays on the instruction) so interrupts and deadlines are served
// between chunks, as the 386 recognises interrupts between iterations.
//
// REP MOVS and REP STOS first copy page by page through host pointers while both pages have
// them; at the first page that has none they go on element by element (repeatRuns), where each
// new page is translated by its first element and the rest of that page goes as one run again.
#pragma once

#include <algorithm>

#include "emu/cpu/exec_common.h"

namespace emu {

constexpr uint32_t kRepChunk = 16384;

struct StringRegs {
  bool a32;
  int32_t step;
  uint32_t get(const Core& c, unsigned r) const { return a32 ? c.r_[r] : (c.r_[r] & 0xFFFF); }
  void set(Core& c, unsigned r, uint32_t v) const {
    if (a32)
      c.r_[r] = v;
    else
      c.r_[r] = (c.r_[r] & 0xFFFF0000u) | (v & 0xFFFF);
  }
  void advance(Core& c, unsigned r) const { set(c, r, get(c, r) + static_cast<uint32_t>(step)); }
};

template <unsigned W>
inline StringRegs stringRegs(const Core& c, const Insn& i) {
  return StringRegs{i.addr32(),
                    (c.flags_ & flag::kDf) ? -static_cast<int32_t>(W) : static_cast<int32_t>(W)};
}

inline void chargeRep(Core& c, const Insn& i, uint32_t per, uint64_t n) {
  // [386PRM]: REP form costs 5 + per*n instead of the single form's cost charged at decode.
  c.cycles_ += cost::kRepBase + per * n;
  c.cycles_ -= i.cost;
}

// Runs `one` for each iteration of a REP-prefixed string instruction (or once without REP).
// `one` returns false on a fault. COND: 0 none, 1 stop when ZF=0 (REPE), 2 stop when ZF=1 (REPNE).
template <typename One>
inline bool repeat(Core& c, const Insn& i, const StringRegs& sr, uint32_t per, bool conditional,
                   One one) {
  if (!(i.pfx & (Insn::kPfxRep | Insn::kPfxRepne))) return one();
  uint32_t cnt = sr.get(c, kEcx);
  uint64_t done = 0;
  bool ok = true;
  while (cnt != 0) {
    if (done == kRepChunk) {
      c.eip_ = c.curEip_;  // more to do: run this instruction again after a boundary
      break;
    }
    if (!one()) {
      ok = false;
      break;
    }
    ++done;
    sr.set(c, kEcx, --cnt);
    if (conditional) {
      bool zf = conditionNow(c, 4);  // ZF
      if ((i.pfx & Insn::kPfxRepne) ? zf : !zf) break;
    }
  }
  chargeRep(c, i, per, done);
  return ok;
}

// The element-by-element REP loop of MOVS and STOS (repeat(), unconditional), which takes a run
// of elements at once wherever every one of them would have gone through the host pointers of
// hostRead/hostWrite: `run(cnt, left)` copies up to min(cnt, left) elements that way and returns
// how many (0: the next element goes alone, through translate() where it must: the first
// element on a new page, a fault, a watched frame). The registers, the TLB hits counted, the
// cycles, the chunk boundary (EIP back on the instruction after kRepChunk elements) and every
// fault are what the element loop gives; only the host work is less.
template <typename One, typename Run>
inline bool repeatRuns(Core& c, const Insn& i, const StringRegs& sr, uint32_t per, One one,
                       Run run) {
  uint32_t cnt = sr.get(c, kEcx);
  uint64_t done = 0;
  bool ok = true;
  while (cnt != 0) {
    if (done == kRepChunk) {
      c.eip_ = c.curEip_;  // more to do: run this instruction again after a boundary
      break;
    }
    if (uint32_t n = run(cnt, kRepChunk - done)) {
      done += n;
      cnt -= n;
      continue;  // run() has set ECX
    }
    if (!one()) {
      ok = false;
      break;
    }
    ++done;
    sr.set(c, kEcx, --cnt);
  }
  chargeRep(c, i, per, done);
  return ok;
}

// Elements of a forward string run that stay inside the page of `lin` and, with 16-bit
// addresses, below the 64 KB wrap of `off`; at most `limit`.
template <unsigned W>
inline uint32_t runRoom(const StringRegs& sr, uint32_t lin, uint32_t off, uint64_t limit) {
  uint32_t room = (mmu::kPageSize - (lin & mmu::kPageMask)) / W;
  if (!sr.a32) room = std::min(room, (0x10000 - off) / W);
  return static_cast<uint32_t>(std::min<uint64_t>(room, limit));
}

// One run of REP MOVS (see repeatRuns): forward, both segments' checks passing for every element,
// and both the source and the destination page answered by the MMU's host pointers (peeked with
// hostFrame, which counts nothing, before hostRead/hostWrite count the first element's hits).
template <unsigned W>
uint32_t movsRun(Core& c, const Insn& i, const StringRegs& sr, uint32_t cnt, uint64_t left) {
  if (sr.step < 0) return 0;
  const Segment& ds = c.seg_[i.seg];
  const Segment& es = c.seg_[kEs];
  uint32_t si = sr.get(c, kEsi), di = sr.get(c, kEdi);
  uint32_t ls = ds.base + si, ld = es.base + di;
  uint32_t n =
      std::min(runRoom<W>(sr, ls, si, std::min<uint64_t>(cnt, left)), runRoom<W>(sr, ld, di, left));
  if (n == 0 || !ds.readable || !es.writable || !segRangeOk(ds, si, n * W) ||
      !segRangeOk(es, di, n * W))
    return 0;
  bool user = c.user();
  if (c.mmu_.hostFrame(ls, mmu::Access::kRead, user) == mmu::Mmu::kNoFrame ||
      c.mmu_.hostFrame(ld, mmu::Access::kWrite, user) == mmu::Mmu::kNoFrame)
    return 0;
  uint8_t* src = c.mmu_.hostRead(ls, user);
  uint8_t* dst = c.mmu_.hostWrite(ld, user);
  c.mmu_.countHostHits(2 * uint64_t{n - 1});  // a read and a write per element
  // Element by element, forward: overlapping copies replicate exactly as the CPU's do.
  for (uint32_t k = 0; k < n; ++k) store<W>(dst + k * W, load<W>(src + k * W));
  sr.set(c, kEsi, si + n * W);
  sr.set(c, kEdi, di + n * W);
  sr.set(c, kEcx, cnt - n);
  return n;
}

// One run of REP STOS (see repeatRuns and movsRun).
template <unsigned W>
uint32_t stosRun(Core& c, const StringRegs& sr, uint32_t v, uint32_t cnt, uint64_t left) {
  if (sr.step < 0) return 0;
  const Segment& es = c.seg_[kEs];
  uint32_t di = sr.get(c, kEdi);
  uint32_t ld = es.base + di;
  uint32_t n = runRoom<W>(sr, ld, di, std::min<uint64_t>(cnt, left));
  if (n == 0 || !es.writable || !segRangeOk(es, di, n * W)) return 0;
  bool user = c.user();
  if (c.mmu_.hostFrame(ld, mmu::Access::kWrite, user) == mmu::Mmu::kNoFrame) return 0;
  uint8_t* dst = c.mmu_.hostWrite(ld, user);
  c.mmu_.countHostHits(uint64_t{n - 1});
  for (uint32_t k = 0; k < n; ++k) store<W>(dst + k * W, v);
  sr.set(c, kEdi, di + n * W);
  sr.set(c, kEcx, cnt - n);
  return n;
}

template <unsigned W>
bool strMovs(Core& c, const Insn& i) {
  StringRegs sr = stringRegs<W>(c, i);
  // Fast path: REP MOVS forward within one source and one destination page, both plain RAM.
  if ((i.pfx & (Insn::kPfxRep | Insn::kPfxRepne)) && sr.step > 0) {
    uint32_t cnt = sr.get(c, kEcx);
    uint64_t done = 0;
    const Segment& ds = c.seg_[i.seg];
    const Segment& es = c.seg_[kEs];
    while (cnt != 0 && done < kRepChunk) {
      uint32_t si = sr.get(c, kEsi), di = sr.get(c, kEdi);
      uint32_t ls = ds.base + si, ld = es.base + di;
      uint32_t room =
          std::min(mmu::kPageSize - (ls & mmu::kPageMask), mmu::kPageSize - (ld & mmu::kPageMask)) /
          W;
      if (!sr.a32) room = std::min({room, (0x10000 - si) / W, (0x10000 - di) / W});
      uint32_t n = std::min<uint32_t>(cnt, room);
      n = static_cast<uint32_t>(std::min<uint64_t>(n, kRepChunk - done));
      if (n == 0 || !ds.readable || !es.writable || !segRangeOk(ds, si, n * W) ||
          !segRangeOk(es, di, n * W))
        break;
      uint8_t* src = c.mmu_.hostRead(ls, c.user());
      if (src == nullptr) break;
      uint8_t* dst = c.mmu_.hostWrite(ld, c.user());
      if (dst == nullptr) break;
      // Element by element, forward: overlapping copies replicate exactly as the CPU's do.
      for (uint32_t k = 0; k < n; ++k) store<W>(dst + k * W, load<W>(src + k * W));
      sr.set(c, kEsi, si + n * W);
      sr.set(c, kEdi, di + n * W);
      cnt -= n;
      sr.set(c, kEcx, cnt);
      done += n;
    }
    c.cycles_ += cost::kRepMovsPer * done;
    if (cnt == 0) {
      c.cycles_ += cost::kRepBase;
      c.cycles_ -= i.cost;
      return true;
    }
    if (done >= kRepChunk) {
      c.eip_ = c.curEip_;
      return true;
    }
  }
  auto one = [&] {
    uint32_t v;
    if (!readMem<W>(c, i.seg, sr.get(c, kEsi), v)) return false;
    if (!writeMem<W>(c, kEs, sr.get(c, kEdi), v)) return false;
    sr.advance(c, kEsi);
    sr.advance(c, kEdi);
    return true;
  };
  if (!(i.pfx & (Insn::kPfxRep | Insn::kPfxRepne))) return one();
  return repeatRuns(c, i, sr, cost::kRepMovsPer, one,
                    [&](uint32_t cnt, uint64_t left) { return movsRun<W>(c, i, sr, cnt, left); });
}

template <unsigned W>
bool strStos(Core& c, const Insn& i) {
  StringRegs sr = stringRegs<W>(c, i);
  uint32_t v = getReg<W>(c, kEax);
  if ((i.pfx & (Insn::kPfxRep | Insn::kPfxRepne)) && sr.step > 0) {
    uint32_t cnt = sr.get(c, kEcx);
    uint64_t done = 0;
    const Segment& es = c.seg_[kEs];
    while (cnt != 0 && done < kRepChunk) {
      uint32_t di = sr.get(c, kEdi);
      uint32_t ld = es.base + di;
      uint32_t room = (mmu::kPageSize - (ld & mmu::kPageMask)) / W;
      if (!sr.a32) room = std::min(room, (0x10000 - di) / W);
      uint32_t n = std::min<uint32_t>(cnt, room);
      n = static_cast<uint32_t>(std::min<uint64_t>(n, kRepChunk - done));
      if (n == 0 || !es.writable || !segRangeOk(es, di, n * W)) break;
      uint8_t* dst = c.mmu_.hostWrite(ld, c.user());
      if (dst == nullptr) break;
      for (uint32_t k = 0; k < n; ++k) store<W>(dst + k * W, v);
      sr.set(c, kEdi, di + n * W);
      cnt -= n;
      sr.set(c, kEcx, cnt);
      done += n;
    }
    c.cycles_ += cost::kRepStosPer * done;
    if (cnt == 0) {
      c.cycles_ += cost::kRepBase;
      c.cycles_ -= i.cost;
      return true;
    }
    if (done >= kRepChunk) {
      c.eip_ = c.curEip_;
      return true;
    }
  }
  auto one = [&] {
    if (!writeMem<W>(c, kEs, sr.get(c, kEdi), v)) return false;
    sr.advance(c, kEdi);
    return true;
  };
  if (!(i.pfx & (Insn::kPfxRep | Insn::kPfxRepne))) return one();
  return repeatRuns(c, i, sr, cost::kRepStosPer, one,
                    [&](uint32_t cnt, uint64_t left) { return stosRun<W>(c, sr, v, cnt, left); });
}

template <unsigned W>
bool strLods(Core& c, const Insn& i) {
  StringRegs sr = stringRegs<W>(c, i);
  return repeat(c, i, sr, cost::kRepLodsPer, false, [&] {
    uint32_t v;
    if (!readMem<W>(c, i.seg, sr.get(c, kEsi), v)) return false;
    setReg<W>(c, kEax, v);
    sr.advance(c, kEsi);
    return true;
  });
}

// CMPS compares [seg:SI] with ES:[DI] (flags of the first minus the second).
template <unsigned W>
bool strCmps(Core& c, const Insn& i) {
  StringRegs sr = stringRegs<W>(c, i);
  return repeat(c, i, sr, cost::kRepCmpsPer, true, [&] {
    uint32_t a, b;
    if (!readMem<W>(c, i.seg, sr.get(c, kEsi), a)) return false;
    if (!readMem<W>(c, kEs, sr.get(c, kEdi), b)) return false;
    setArith(c, flagsSub<W>(a, b, 0));
    sr.advance(c, kEsi);
    sr.advance(c, kEdi);
    return true;
  });
}

template <unsigned W>
bool strScas(Core& c, const Insn& i) {
  StringRegs sr = stringRegs<W>(c, i);
  return repeat(c, i, sr, cost::kRepScasPer, true, [&] {
    uint32_t b;
    if (!readMem<W>(c, kEs, sr.get(c, kEdi), b)) return false;
    setArith(c, flagsSub<W>(getReg<W>(c, kEax), b, 0));
    sr.advance(c, kEdi);
    return true;
  });
}

// INS: the destination is translated before the port is read, so a page fault never loses a
// byte from a device FIFO.
template <unsigned W>
bool strIns(Core& c, const Insn& i) {
  uint16_t port = static_cast<uint16_t>(c.r_[kEdx]);
  if (!c.ioAllowed(port, W)) return false;
  StringRegs sr = stringRegs<W>(c, i);
  return repeat(c, i, sr, cost::kRepIoPer, false, [&] {
    Core::MemRef ref;
    if (!rmwMem<W>(c, kEs, sr.get(c, kEdi), ref)) return false;
    refStore<W>(c, ref, c.bus_.ioRead(port, W));
    sr.advance(c, kEdi);
    return true;
  });
}

template <unsigned W>
bool strOuts(Core& c, const Insn& i) {
  uint16_t port = static_cast<uint16_t>(c.r_[kEdx]);
  if (!c.ioAllowed(port, W)) return false;
  StringRegs sr = stringRegs<W>(c, i);
  return repeat(c, i, sr, cost::kRepIoPer, false, [&] {
    uint32_t v;
    if (!readMem<W>(c, i.seg, sr.get(c, kEsi), v)) return false;
    c.bus_.ioWrite(port, v, W);
    sr.advance(c, kEsi);
    return true;
  });
}

}  // namespace emu

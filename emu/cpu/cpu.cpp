// The CPU: state, the run loop, the fetch path and decoded-instruction cache, slow memory paths.
#include "emu/cpu/cpu.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "emu/cpu/decode.h"
#include "emu/cpu/exec_common.h"
#include "mmu/cost_model.h"

namespace emu {

namespace {
// attention_ bits
constexpr uint32_t kAttIntr = 1;    // INTR asserted and IF=1, or an NMI that may be taken
constexpr uint32_t kAttTrap = 2;    // TF=1: single-step trap after the next instruction
constexpr uint32_t kAttShadow = 4;  // interrupts held off for one instruction
constexpr uint32_t kAttHalt = 8;
constexpr uint32_t kAttStop = 16;
constexpr uint32_t kAttTrace = 32;        // an observer wants every retired instruction
constexpr uint32_t kEmptyRange = 0xFFFF;  // lo = 0xFFFF, hi = 0
}  // namespace

const char* stopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kInstructionLimit:
      return "instruction limit";
    case StopReason::kCycleDeadline:
      return "cycle deadline";
    case StopReason::kHalt:
      return "halted, waiting for an interrupt";
    case StopReason::kHaltInterruptsOff:
      return "halted with interrupts disabled";
    case StopReason::kTripleFault:
      return "triple fault";
    case StopReason::kUnsupportedOpcode:
      return "unsupported opcode";
    case StopReason::kStopRequested:
      return "stop requested";
  }
  return "?";
}

Core::Core(CpuBus& bus, mmu::Mmu& mmu, EventBus* sharedEvents)
    : bus_(bus),
      mmu_(mmu),
      codeFrame_(size_t{1} << 20),
      codeRange_(size_t{1} << 20),
      events_(sharedEvents != nullptr ? *sharedEvents : ownEvents_) {}

Cpu::Cpu(CpuBus& bus, mmu::Mmu& mmu) : Core(bus, mmu, nullptr), blocks_(size_t{1} << kBlockBits) {
  codeFrames_.reserve(4096);
  events_.bind(this, &mmu_);
  mmu_.setCycleCounter(&cycles_);
  mmu_.setInstructionPointer(&curEip_);
  reset();
}

Cpu::Cpu(CpuBus& bus, mmu::Mmu& mmu, EventBus& sharedEvents, unsigned processor)
    : Core(bus, mmu, &sharedEvents), blocks_(size_t{1} << kBlockBits) {
  codeFrames_.reserve(4096);
  processor_ = static_cast<uint8_t>(processor);
  // IA32_APIC_BASE (SDM vol. 3A 10.4.4): bit 8 marks the bootstrap processor.
  if (processor != 0) apicBase_ &= ~(1u << 8);
  events_.addMmu(&mmu_);
  if (processor == 0) events_.select(this, &mmu_);
  mmu_.setCycleCounter(&cycles_);
  mmu_.setInstructionPointer(&curEip_);
  reset();
}

Cpu::~Cpu() {
  mmu_.setObserver(nullptr);
  mmu_.setCycleCounter(nullptr);
  mmu_.setInstructionPointer(nullptr);
}

void Cpu::reset() {
  for (auto& r : r_) r = 0;
  r_[kEdx] = 0x0633;  // family 6, model 3, stepping 3: the CPUID identity below ([386PRM] 10.1)
  flags_ = flag::kFixed;
  lazyOp_ = kLazyNone;
  for (unsigned s = 0; s < 6; ++s) {
    Segment seg;
    seg.selector = 0;
    seg.base = 0;
    seg.limit = 0xFFFF;
    seg.access = 0x93;
    seg.flags = 0;
    seg_[s] = seg;
    deriveChecks(seg_[s]);
  }
  seg_[kCs].selector = 0xF000;
  seg_[kCs].base = 0xFFFF0000;  // CS: present, read/write, accessed, like the others
  deriveChecks(seg_[kCs]);
  eip_ = 0xFFF0;
  ldtr_ = Segment{};
  ldtr_.access = 0x82;
  ldtr_.limit = 0;
  tr_ = Segment{};
  tr_.access = 0x8B;
  tr_.limit = 0;
  gdtr_ = DescriptorTable{0, 0xFFFF};
  idtr_ = DescriptorTable{0, 0x3FF};
  cr2_ = 0;
  for (auto& d : dr_) d = 0;
  dr_[6] = 0xFFFF0FF0;
  dr_[7] = 0x400;
  dbHits_ = 0;
  updateDebug();
  mmu_.writeCr4(0);
  mmu_.writeCr3(0);
  fpu_.reset();
  mmu_.writeCr0(0x10);  // ET: a 387-class coprocessor interface, as every i686 reports
  halted_ = false;
  shutdown_ = false;
  shadow_ = 0;
  nmiPending_ = false;
  nmiBlocked_ = false;
  stopRequested_ = false;
  refreshMode();
}

void Cpu::setEip(uint32_t value) {
  branch(value);
  halted_ = false;    // a new EIP from outside (a loader, a test) leaves the HLT state
  shutdown_ = false;  // ... and the shutdown after a triple fault
  updateAttention();
}

void Core::setEflags(uint32_t value) {
  // VM is kept as given: the callers that may change it (IRET, task switches, interrupt delivery)
  // say so; the others pass the current VM bit through.
  flags_ = (value & (flag::kWritable | flag::kVm)) | flag::kFixed;
  lazyOp_ = kLazyNone;
  updateAttention();
}

namespace {
template <unsigned W>
uint32_t lazyArithOf(uint8_t kind, uint32_t a, uint32_t b, uint32_t r, uint32_t x) {
  switch (kind) {
    case Core::kLazyAdd:
      return flagsAdd<W>(a, b, 0);
    case Core::kLazyAdc:
      return flagsAdd<W>(a, b, x);
    case Core::kLazySub:
      return flagsSub<W>(a, b, 0);
    case Core::kLazySbb:
      return flagsSub<W>(a, b, x);
    case Core::kLazyInc:
      return (flagsAdd<W>(a, 1, 0) & ~flag::kCf) | x;
    case Core::kLazyDec:
      return (flagsSub<W>(a, 1, 0) & ~flag::kCf) | x;
    default:
      return szp<W>(r) | x;
  }
}
}  // namespace

uint32_t CoreState::lazyArith() const {
  uint8_t kind = lazyOp_ >> 2;
  switch (lazyOp_ & 3) {
    case 0:
      return lazyArithOf<1>(kind, lazyA_, lazyB_, lazyR_, lazyX_);
    case 1:
      return lazyArithOf<2>(kind, lazyA_, lazyB_, lazyR_, lazyX_);
    default:
      return lazyArithOf<4>(kind, lazyA_, lazyB_, lazyR_, lazyX_);
  }
}

void Core::updateAttention() {
  uint32_t a = 0;
  if ((intrLine_ && (flags_ & flag::kIf)) || (nmiPending_ && !nmiBlocked_)) a |= kAttIntr;
  if (flags_ & flag::kTf) a |= kAttTrap;
  if (shadow_) a |= kAttShadow;
  if (halted_) a |= kAttHalt;
  if (stopRequested_) a |= kAttStop;
  if (events_.instructionEvents()) a |= kAttTrace;
  if (debugExec_ || dbHits_) a |= kAttDebug;
  attention_ = a | (attention_ & kAttEndBlock);
}

// ---- debug registers (cpu.h draws DR6 and DR7) ----------------------------------------------

void Core::updateDebug() {
  debugExec_ = debugData_ = 0;
  std::vector<uint32_t> pages;
  uint32_t dr7 = dr_[7];
  for (unsigned n = 0; n < 4; ++n) {
    if (((dr7 >> (2 * n)) & 3) == 0) continue;
    unsigned rw = (dr7 >> (16 + 4 * n)) & 3;
    if (rw == 0) {
      debugExec_ |= static_cast<uint8_t>(1u << n);
    } else if (rw == 1 || rw == 3) {
      debugData_ |= static_cast<uint8_t>(1u << n);
      pages.push_back(dr_[n] & ~mmu::kPageMask);  // aligned to its length: one page
    }
  }
  for (const DataWatch& w : dataWatches_) {
    uint32_t first = w.address & ~mmu::kPageMask;
    uint32_t last = (w.address + w.length - 1) & ~mmu::kPageMask;
    pages.push_back(first);
    if (last != first) pages.push_back(last);
  }
  dataChecks_ = debugData_ != 0 || !dataWatches_.empty();
  if (pages != slowPages_) {
    slowPages_ = pages;
    mmu_.setSlowDataPages(pages);
  }
  updateAttention();
}

bool Cpu::setDataWatches(const std::vector<DataWatch>& watches) {
  size_t pages = 4;  // room kept for DR0-DR3
  for (const DataWatch& w : watches) {
    if (w.length == 0 || w.length > mmu::kPageSize) return false;
    pages += ((w.address & mmu::kPageMask) + w.length > mmu::kPageSize) ? 2 : 1;
  }
  if (pages > mmu::Mmu::kMaxSlowPages) return false;
  dataWatches_ = watches;
  watchHit_.reset();
  updateDebug();
  return true;
}

// An access of `size` bytes at `linear`: the armed data breakpoints it meets (the instruction
// traps after it retires) and the first debugger watch it meets.
void Core::noteData(uint32_t linear, unsigned size, bool read, bool write) {
  static constexpr uint32_t kLength[4] = {1, 2, 1, 4};  // LEN 10 is undefined on the 386
  uint64_t lo = linear, hi = uint64_t{linear} + size;
  for (unsigned n = 0; n < 4; ++n) {
    if (!((debugData_ >> n) & 1)) continue;
    unsigned rw = (dr_[7] >> (16 + 4 * n)) & 3;
    if (rw == 1 && !write) continue;
    uint32_t len = kLength[(dr_[7] >> (18 + 4 * n)) & 3];
    uint64_t at = dr_[n] & ~(len - 1);
    if (at < hi && lo < at + len) dbHits_ |= static_cast<uint8_t>(1u << n);
  }
  for (const DataWatch& w : dataWatches_) {
    if ((w.readsOnly && !read) || (w.writesOnly && !write) || watchHit_) continue;
    if (w.address < hi && lo < uint64_t{w.address} + w.length) watchHit_ = w.address;
  }
  if (dbHits_) attention_ |= kAttDebug;
}

uint8_t Core::executeBreakpoint(uint32_t linear) const {
  uint8_t hits = 0;
  for (unsigned n = 0; n < 4; ++n) {
    if (((debugExec_ >> n) & 1) && dr_[n] == linear) hits |= static_cast<uint8_t>(1u << n);
  }
  return hits;
}

void Cpu::requestStop() {
  stopRequested_ = true;
  stopReason_ = StopReason::kStopRequested;
  updateAttention();
}

void Cpu::setIntr(bool level) {
  intrLine_ = level;
  updateAttention();
}

void Cpu::raiseNmi() {
  nmiPending_ = true;
  updateAttention();
}

void Core::refreshMode() {
  pe_ = (mmu_.cr0() & mmu::kCr0Pe) != 0;
  codeBig_ = pe_ && seg_[kCs].big();
  stackBig_ = pe_ && seg_[kSs].big();
  // CPL changes only with CS loads (setCpl); leaving protected mode makes it 0. Setting PE keeps
  // CPL 0 until the far jump that loads a protected-mode CS ([386PRM] 10.3).
  if (!pe_) cpl_ = 0;
  ipMask_ = codeBig_ ? 0xFFFFFFFFu : 0xFFFFu;
  fetchLin_ = kNoPage;
  endBlock();
}

void Core::deriveChecks(Segment& s) {
  bool code = (s.access & 0x18) == 0x18;
  bool dataSeg = (s.access & 0x18) == 0x10;
  bool usable = s.present() && (code || dataSeg);
  s.readable = usable && (dataSeg || (s.access & 0x2));
  s.writable = usable && dataSeg && (s.access & 0x2);
  if (dataSeg && (s.access & 0x4)) {  // expand-down: valid offsets above the limit
    s.lo = s.limit + 1;
    s.hi = s.big() ? 0xFFFFFFFFu : 0xFFFFu;
    if (s.lo == 0 && s.limit == 0xFFFFFFFFu) s.lo = 0xFFFFFFFFu;  // degenerate: nothing valid
  } else {
    s.lo = 0;
    s.hi = s.limit;
  }
}

void Cpu::setSegment(SegReg s, const Segment& value) {
  seg_[s] = value;
  deriveChecks(seg_[s]);
  if (s == kCs) cpl_ = static_cast<uint8_t>(value.selector & 3);
  if (s == kCs || s == kSs) refreshMode();
}

void Core::setSegmentReal(SegReg s, uint16_t selector) {
  // Real mode: base = selector * 16; the limit stays (so "unreal" limits survive), and the
  // segment is a present, writable data-type segment, as after reset (SDM vol. 3A 9.1.1).
  // In virtual-8086 mode the segment is DPL 3 and CPL stays 3 ([386PRM] 15.1.2).
  seg_[s].selector = selector;
  seg_[s].base = uint32_t{selector} << 4;
  seg_[s].access = v86() ? 0xF3 : 0x93;
  if (s == kCs) {
    seg_[s].flags &= ~0x4;  // real-mode code is 16-bit
    cpl_ = v86() ? 3 : 0;
  }
  deriveChecks(seg_[s]);
  if (s == kCs || s == kSs) refreshMode();
}

bool Cpu::loadSegment(SegReg s, uint16_t selector) {
  if (s == kCs) return false;
  Segment saved[6];
  std::memcpy(static_cast<void*>(saved), seg_, sizeof(seg_));
  if (!loadSegmentChecked(s, selector)) {
    std::memcpy(static_cast<void*>(seg_), saved, sizeof(seg_));
    return false;
  }
  return true;
}

void Cpu::enterFlatProtectedMode(uint16_t cs, uint16_t ds) {
  mmu_.writeCr0((mmu_.cr0() | mmu::kCr0Pe | 0x10) & ~mmu::kCr0Pg);
  Segment code;
  code.selector = cs;
  code.base = 0;
  code.limit = 0xFFFFFFFF;
  code.access = 0x9B;  // present, DPL 0, execute/read, accessed
  code.flags = 0xC;    // G, D
  Segment data = code;
  data.selector = ds;
  data.access = 0x93;
  for (unsigned s = 0; s < 6; ++s) {
    seg_[s] = s == kCs ? code : data;
    deriveChecks(seg_[s]);
  }
  cpl_ = static_cast<uint8_t>(cs & 3);
  flags_ = flag::kFixed;
  lazyOp_ = kLazyNone;
  refreshMode();
  updateAttention();
}

void Core::setCr0(uint32_t value) {
  mmu_.writeCr0(value | 0x10);
  refreshMode();
}
void Core::setCr3(uint32_t value) {
  mmu_.writeCr3(value);
  fetchLin_ = kNoPage;
  endBlock();
}
void Core::setCr4(uint32_t value) {
  mmu_.writeCr4(value);
  fetchLin_ = kNoPage;
  endBlock();
}

EventContext Cpu::eventContext() const {
  const Segment& cs = segment(kCs);
  return EventContext{
      cycles_,   icount_, curEip_, cpl_, mmu_.cr3(), cs.base, protectedMode() && cs.big(),
      processor_};
}

// ---- slow memory paths ---------------------------------------------------------------------

void Core::slowStore(uint32_t pa, unsigned size, uint32_t value) {
  bus_.write(pa, value, size);
  mmu_.notePhysWrite(pa, size);
  if (codeFrame_[pa >> 12] == 1) [[unlikely]] {
    uint32_t range = codeRange_[pa >> 12];
    uint32_t off = pa & mmu::kPageMask;
    if (off < (range >> 16) && off + size > (range & 0xFFFF)) dropCodeFrame(pa >> 12);
  }
}

void Cpu::codeStored(uint32_t pa, unsigned size) {
  uint32_t range = codeRange_[pa >> 12];
  uint32_t off = pa & mmu::kPageMask;
  if (off < (range >> 16) && off + size > (range & 0xFFFF)) dropCodeFrame(pa >> 12);
}

bool Core::readLinear(uint32_t linear, unsigned size, uint32_t& value, bool user) {
  if (dataChecks_) [[unlikely]]
    noteData(linear, size, true, false);
  uint32_t first = mmu::kPageSize - (linear & mmu::kPageMask);
  if (first >= size) {
    if (uint8_t* p = mmu_.hostRead(linear, user)) {
      value = 0;
      std::memcpy(&value, p, size);
      return true;
    }
    uint32_t pa;
    if (auto f = mmu_.translate(linear, mmu::Access::kRead, user, pa)) return pageFault(*f);
    value = bus_.read(pa, size);
    return true;
  }
  uint32_t pa0, pa1;
  if (auto f = mmu_.translate(linear, mmu::Access::kRead, user, pa0)) return pageFault(*f);
  if (auto f = mmu_.translate(linear + first, mmu::Access::kRead, user, pa1)) return pageFault(*f);
  value = 0;
  for (unsigned k = 0; k < size; ++k) {
    uint32_t b = k < first ? bus_.read(pa0 + k, 1) : bus_.read(pa1 + (k - first), 1);
    value |= (b & 0xFF) << (8 * k);
  }
  return true;
}

bool Core::prepareWrite(uint32_t linear, unsigned size, MemRef& ref, bool user, bool read) {
  if (dataChecks_) [[unlikely]]
    noteData(linear, size, read, true);
  ref.linear = linear;
  uint32_t first = mmu::kPageSize - (linear & mmu::kPageMask);
  if (first >= size) {
    if (uint8_t* p = mmu_.hostWrite(linear, user)) {
      ref.host = p;
      return true;
    }
    ref.host = nullptr;
    ref.split = 0;
    if (auto f = mmu_.translate(linear, mmu::Access::kWrite, user, ref.pa0)) return pageFault(*f);
    return true;
  }
  // Crossing a page: both pages are checked before either is translated for writing, so a
  // fault on the second sets no D bit on the first (DESIGN.md: a faulting instruction writes
  // nothing but the A bits of the entries walked).
  ref.host = nullptr;
  ref.split = first;
  if (!checkWritable(linear, size, user)) return false;
  if (auto f = mmu_.translate(linear, mmu::Access::kWrite, user, ref.pa0)) return pageFault(*f);
  if (auto f = mmu_.translate(linear + first, mmu::Access::kWrite, user, ref.pa1))
    return pageFault(*f);
  return true;
}

uint32_t Core::loadRef(const MemRef& ref, unsigned size) {
  if (ref.host != nullptr) {
    uint32_t v = 0;
    std::memcpy(&v, ref.host, size);
    return v;
  }
  if (ref.split == 0) return bus_.read(ref.pa0, size);
  uint32_t v = 0;
  for (unsigned k = 0; k < size; ++k) {
    uint32_t b =
        k < ref.split ? bus_.read(ref.pa0 + k, 1) : bus_.read(ref.pa1 + (k - ref.split), 1);
    v |= (b & 0xFF) << (8 * k);
  }
  return v;
}

void Core::storeRef(const MemRef& ref, unsigned size, uint32_t value) {
  if (ref.host != nullptr) {
    std::memcpy(ref.host, &value, size);
    return;
  }
  if (ref.split == 0) {
    slowStore(ref.pa0, size, value);
    return;
  }
  for (unsigned k = 0; k < size; ++k) {
    uint32_t b = (value >> (8 * k)) & 0xFF;
    if (k < ref.split)
      slowStore(ref.pa0 + k, 1, b);
    else
      slowStore(ref.pa1 + (k - ref.split), 1, b);
  }
}

bool Core::writeLinear(uint32_t linear, unsigned size, uint32_t value, bool user) {
  MemRef ref;
  if (!prepareWrite(linear, size, ref, user, false)) return false;
  storeRef(ref, size, value);
  return true;
}

bool Core::checkWritable(uint32_t linear, unsigned size, bool user) {
  uint32_t last = linear + size - 1;
  uint32_t at = linear;
  for (;;) {
    if (mmu_.hostFrame(at, mmu::Access::kWrite, user) == mmu::Mmu::kNoFrame &&
        mmu_.probe(mmu_.cr3(), at, mmu::Access::kWrite, user).fault) {
      // The real access raises the fault: it walks (A bits), publishes it, fills CR2.
      uint32_t pa;
      if (auto f = mmu_.translate(at, mmu::Access::kWrite, user, pa)) return pageFault(*f);
    }
    if (((at ^ last) & ~mmu::kPageMask) == 0) return true;
    at = (at & ~mmu::kPageMask) + mmu::kPageSize;
  }
}

bool Core::probeWrite(uint32_t linear, unsigned size, bool user) {
  if (!checkWritable(linear, size, user)) return false;
  uint32_t last = linear + size - 1;
  uint32_t at = linear;
  for (;;) {
    uint32_t pa;
    if (mmu_.hostWrite(at, user) == nullptr) {
      if (auto f = mmu_.translate(at, mmu::Access::kWrite, user, pa)) return pageFault(*f);
    }
    if (((at ^ last) & ~mmu::kPageMask) == 0) return true;
    at = (at & ~mmu::kPageMask) + mmu::kPageSize;
  }
}

bool Cpu::fetchBytes(uint32_t linear, uint8_t* out, unsigned count) {
  while (count > 0) {
    unsigned room = mmu::kPageSize - (linear & mmu::kPageMask);
    unsigned n = room < count ? room : count;
    if (uint8_t* p = mmu_.hostFetch(linear, user())) {
      std::memcpy(out, p, n);
    } else {
      uint32_t pa;
      if (auto f = mmu_.translate(linear, mmu::Access::kFetch, user(), pa)) return pageFault(*f);
      for (unsigned k = 0; k < n; ++k) out[k] = static_cast<uint8_t>(bus_.read(pa + k, 1));
    }
    out += n;
    linear += n;
    count -= n;
  }
  return true;
}

bool Cpu::peekBytes(uint32_t linear, uint8_t* out, unsigned count) const {
  while (count > 0) {
    unsigned room = mmu::kPageSize - (linear & mmu::kPageMask);
    unsigned n = room < count ? room : count;
    // As the kernel: an IRET to user mode has already changed CPL when its own bytes are read.
    mmu::ProbeResult p = mmu_.probe(mmu_.cr3(), linear, mmu::Access::kFetch, false);
    if (p.fault) return false;
    uint8_t* f = bus_.frame(p.physical);
    if (f == nullptr) return false;
    std::memcpy(out, f + (p.physical & mmu::kPageMask), n);
    out += n;
    linear += n;
    count -= n;
  }
  return true;
}

// ---- decoded code and its invalidation -------------------------------------------------------

void Cpu::dropCodeFrame(uint32_t pfn) {
  codeFrame_[pfn] = 2;  // still listed in codeFrames_, no longer watched
  codeRange_[pfn] = kEmptyRange;
  mmu_.unwatchFrame(pfn, mmu::Mmu::kWatchCode);
  uint8_t* host = bus_.frame(pfn << 12);
  if (host == nullptr) return;  // code from a non-RAM frame is never cached
  uintptr_t lo = reinterpret_cast<uintptr_t>(host), hi = lo + mmu::kPageSize;
  size_t n = size_t{1} << kBlockBits;
  for (size_t k = 0; k < n; ++k) {
    uintptr_t hp = blocks_[k].key >> 1;
    if (hp >= lo && hp < hi) blocks_[k].key = 0;
  }
  endBlock();  // the running block may be one of them
}

void Cpu::invalidateCode(uint32_t pa, uint32_t size) {
  if (size == 0) return;
  uint64_t last = uint64_t{pa} + size - 1;
  if (last > 0xFFFFFFFFu) last = 0xFFFFFFFFu;
  for (uint64_t f = pa >> 12; f <= (last >> 12); ++f)
    if (codeFrame_[f] == 1) dropCodeFrame(static_cast<uint32_t>(f));
}

void Cpu::setState(const State& s) {
  static_cast<State&>(*this) = s;
  flushDecodedCode();
  updateDebug();  // the masks and the MMU's slow pages from DR7 and the watches
  // The page EIP was fetched from, when the MMU's restored shortcut still serves it: the next
  // fetch from it then counts what it counted in the run the snapshot was taken from.
  uint32_t pfn = s.fetchPage == kNoPage ? mmu::Mmu::kNoFrame
                                        : mmu_.hostFrame(s.fetchPage, mmu::Access::kFetch, user());
  if (pfn != mmu::Mmu::kNoFrame) {
    fetchHost_ = bus_.frame(pfn << 12);
    if (fetchHost_ != nullptr) fetchLin_ = s.fetchPage;
  }
}

void Cpu::flushDecodedCode() {
  for (uint32_t pfn : codeFrames_) {
    if (codeFrame_[pfn] == 1) mmu_.unwatchFrame(pfn, mmu::Mmu::kWatchCode);
    codeFrame_[pfn] = 0;
    codeRange_[pfn] = kEmptyRange;
  }
  codeFrames_.clear();
  for (size_t k = 0; k < (size_t{1} << kBlockBits); ++k) blocks_[k].key = 0;
  fetchLin_ = kNoPage;
  endBlock();
}

// Decodes the instruction at `linear` (EIP in CS). Sets `cacheable` when it lies in one RAM page.
bool Cpu::decodeAt(uint32_t linear, Insn& out, bool& cacheable) {
  unsigned room = mmu::kPageSize - (linear & mmu::kPageMask);
  cacheable = false;
  if (fetchHost_ != nullptr && (linear & ~mmu::kPageMask) == fetchLin_) {
    const uint8_t* p = fetchHost_ + (linear & mmu::kPageMask);
    if (decodeInstruction(p, room, codeBig_, out) == DecodeStatus::kOk) {
      cacheable = true;
      return true;
    }
  }
  // Never more than the 15 bytes an instruction may have: the buffer holds no more.
  uint8_t buf[15];
  unsigned first = room < 15 ? room : 15;
  if (!fetchBytes(linear, buf, first)) return false;
  if (decodeInstruction(buf, first, codeBig_, out) == DecodeStatus::kOk) return true;
  if (first < 15) {
    // It continues into the next page, which must be translated (and may fault) now.
    if (!fetchBytes(linear + room, buf + room, 15 - room)) return false;
    if (decodeInstruction(buf, 15, codeBig_, out) == DecodeStatus::kOk) return true;
  }
  // Fifteen bytes and still no whole instruction: longer than the limit, #GP(0) ([386PRM] 17.2).
  out = Insn{};
  out.fn = opTooLong;
  out.len = 15;
  return true;
}

// ---- the run loop ----------------------------------------------------------------------------

void Core::unsupportedStop(const Insn& insn) {
  uint8_t modrm = insn.modrm;
  char at[48];
  std::snprintf(at, sizeof at, " at %04X:%08X", seg_[kCs].selector, curEip_);
  stopMessage_ = describeOpcode(insn.op, modrm) + at;
}

// Unsupported opcode: #UD, and (unless told otherwise) stop the run before delivering it.
bool opUnsupported(Core& c, const Insn& i) {
  c.unsupportedStop(i);
  if (!c.stopOnUnsupported_) return c.ud();
  c.eip_ = c.curEip_;
  --c.icount_;
  c.stopRequested_ = true;
  c.stopReason_ = StopReason::kUnsupportedOpcode;
  c.updateAttention();
  return true;
}

// Executes one instruction on the slow path: tracing, single-step, uncached fetch.
void Cpu::executeOne(const Insn& insn) {
  curEip_ = eip_;
  eip_ = (eip_ + insn.len) & ipMask_;
  cycles_ += insn.cost;
  ++icount_;
  if (!insn.fn(*this, insn)) instructionFaulted();
}

// The instruction at curEip_ returned false: it does not retire (EIP back on it, not counted) and
// the fault it left pending is delivered.
void Cpu::instructionFaulted() {
  eip_ = curEip_;
  --icount_;
  dbHits_ = 0;  // its accesses did not happen: no data breakpoint is met
  watchHit_.reset();
  deliverFault();
}

// Decodes the block starting at `linear` (host bytes at `host`) into its slot and watches the
// frame it came from. Returns nullptr when not even the first instruction fits in the page.
Cpu::Block* Cpu::buildBlock(uint32_t linear, uint8_t* host, uintptr_t key, size_t slot) {
  Block& b = blocks_[slot];
  unsigned off = linear & mmu::kPageMask;
  unsigned pos = 0, count = 0;
  while (count < kMaxBlockInsns && off + pos < mmu::kPageSize) {
    Insn& in = b.insns[count];
    if (decodeInstruction(host + pos, mmu::kPageSize - off - pos, codeBig_, in) !=
        DecodeStatus::kOk)
      break;  // continues into the next page: left to the slow path
    ++count;
    pos += in.len;
    if (endsBlock(in)) break;
  }
  b.key = 0;
  if (count == 0) return nullptr;
  // The frame to watch for stores, from the host shortcut hostFetch just used: not an access, so
  // building a block counts no TLB hit, and the hit count does not depend on what the cache holds
  // (a machine restored from a snapshot starts with no decoded code: docs/debug.md).
  uint32_t pfn = mmu_.hostFrame(linear, mmu::Access::kFetch, user());
  if (pfn == mmu::Mmu::kNoFrame) return nullptr;
  if (codeFrame_[pfn] != 1) {
    if (codeFrame_[pfn] == 0) codeFrames_.push_back(pfn);
    codeFrame_[pfn] = 1;
    codeRange_[pfn] = kEmptyRange;
    mmu_.watchFrame(pfn, mmu::Mmu::kWatchCode);
  }
  uint32_t range = codeRange_[pfn];
  uint32_t lo = range & 0xFFFF, hi = range >> 16;
  if (off < lo) lo = off;
  if (off + pos > hi) hi = off + pos;
  codeRange_[pfn] = lo | (hi << 16);
  b.key = key;
  b.bytes = pos;
  b.count = count;
  return &b;
}

// One instruction the careful way: exact fetch across pages, the CS limit, the trace event and
// the single-step trap. Returns false when the run must stop (instruction limit is the caller's).
bool Cpu::stepSlow(bool trace) {
  bool trap = (flags_ & flag::kTf) != 0;
  uint32_t lin = seg_[kCs].base + eip_;
  curEip_ = eip_;
  if (debugExec_) [[unlikely]] {
    // An execute breakpoint faults before the instruction, unless RF says it was taken already
    // ([386PRM] 12.3.1.1); RF lasts one instruction (IRET and POPF reload it).
    if (flags_ & flag::kRf) {
      flags_ &= ~flag::kRf;
    } else if (uint8_t hit = executeBreakpoint(lin)) {
      dr_[6] |= hit;
      fault(vec::kDb);
      deliverFault();
      return true;
    }
  }
  fetchLin_ = kNoPage;
  fetchHost_ = mmu_.hostFetch(lin & ~mmu::kPageMask, user());
  if (fetchHost_ != nullptr) fetchLin_ = lin & ~mmu::kPageMask;
  Insn insn;
  bool cacheable;
  if (!decodeAt(lin, insn, cacheable)) {
    deliverFault();
    return true;
  }
  // The whole instruction must lie within CS ([386PRM] 9.8.13: #GP(0)).
  if (uint64_t{eip_} + insn.len - 1 > seg_[kCs].limit) {
    gp(0);
    deliverFault();
    return true;
  }
  uint64_t before = icount_;
  uint8_t cplBefore = cpl_;  // a far transfer or IRET changes these; the event is about before
  uint16_t csBefore = seg_[kCs].selector;
  uint32_t csBaseBefore = seg_[kCs].base;
  executeOne(insn);
  bool retired = icount_ != before;
  if (retired && trace && events_.active()) {
    InstructionEvent e{};
    e.eip = curEip_;
    e.cs = csBefore;
    e.cpl = cplBefore;
    e.length = insn.len;
    uint8_t buf[15];
    // Re-read the bytes for the trace through a probe: no TLB fill, A bit or cycle, so tracing
    // never changes the run; should the code page be gone they are left 0.
    if (peekBytes(csBaseBefore + curEip_, buf, insn.len)) std::memcpy(e.bytes, buf, insn.len);
    events_.instruction(e);
  }
  if (trap && retired && !stopRequested_) {
    // Single-step trap after the instruction ([386PRM] 12.3.1.4): DR6.BS, and B0-B3 of the data
    // breakpoints it met, in one #DB.
    dr_[6] |= 0x4000u | dbHits_;
    dbHits_ = 0;
    updateAttention();
    curEip_ = eip_;
    fault(vec::kDb);
    deliverFault();
  }
  return true;
}

// Data breakpoints met by the instruction that just retired: #DB, a trap, EIP after it
// ([386PRM] 12.3.1.2).
void Cpu::dataBreakpointTrap() {
  dr_[6] |= dbHits_;
  dbHits_ = 0;
  updateAttention();
  curEip_ = eip_;
  fault(vec::kDb);
  deliverFault();
}

RunResult Cpu::run(uint64_t maxInstructions, uint64_t cycleDeadline) {
  const uint64_t start = icount_;
  const uint64_t end =
      maxInstructions > ~uint64_t{0} - icount_ ? ~uint64_t{0} : icount_ + maxInstructions;
  if (shutdown_) return RunResult{StopReason::kTripleFault, 0};  // shutdown: only reset leaves it
  stopRequested_ = false;
  updateAttention();
  StopReason reason = StopReason::kInstructionLimit;
  for (;;) {
    if (attention_) [[unlikely]] {
      Pending p = servicePending(end, cycleDeadline, reason);
      if (p == Pending::kStop) break;
      if (p == Pending::kServiced) continue;
    }
    if (icount_ >= end) [[unlikely]]
      break;
    if (cycles_ >= cycleDeadline) [[unlikely]] {
      reason = StopReason::kCycleDeadline;
      break;
    }
    runBlock(end, cycleDeadline);
  }
  return RunResult{reason, icount_ - start};
}

// The work attention_ flags at an instruction boundary: a stop request, HLT, the interrupt
// shadow, a maskable interrupt, single-step and per-instruction tracing. kServiced when it ran an
// instruction or took an interrupt (the caller looks again), kStop with `reason` set when the run
// ends, kNone when the next block may run.
Cpu::Pending Cpu::servicePending(uint64_t end, uint64_t cycleDeadline, StopReason& reason) {
  attention_ &= ~kAttEndBlock;
  if (dbHits_) [[unlikely]] {
    // Before anything else: the trap belongs to the instruction that retired.
    dataBreakpointTrap();
    return Pending::kServiced;
  }
  if (stopRequested_) {
    reason = stopReason_;
    return Pending::kStop;
  }
  if (halted_) {
    if ((intrLine_ && (flags_ & flag::kIf)) || (nmiPending_ && !nmiBlocked_)) {
      halted_ = false;
      updateAttention();
    } else if (!(flags_ & flag::kIf)) {
      reason = StopReason::kHaltInterruptsOff;
      return Pending::kStop;
    } else {
      if (haltSkipsTime_ && cycleDeadline != kNoDeadline && cycles_ < cycleDeadline)
        cycles_ = cycleDeadline;
      reason = StopReason::kHalt;
      return Pending::kStop;
    }
  }
  if (shadow_) {
    // The instruction after STI / MOV SS runs before any interrupt is recognised.
    shadow_ = 0;
    updateAttention();
    if (icount_ >= end) return Pending::kStop;
    stepSlow((attention_ & kAttTrace) != 0);
    return Pending::kServiced;
  }
  if (attention_ & kAttIntr) {
    // Maskable interrupt at an instruction boundary ([386PRM] 9.7).
    if (cycles_ >= cycleDeadline) {
      reason = StopReason::kCycleDeadline;
      return Pending::kStop;
    }
    curEip_ = eip_;
    if (nmiPending_ && !nmiBlocked_) {  // the NMI before INTR ([386PRM] 9.9)
      if (!takeNmi()) deliverFault();
      return Pending::kServiced;
    }
    uint8_t v = bus_.interruptAcknowledge();
    if (events_.active()) events_.interrupt(InterruptEvent{v, true});
    if (!deliver(v, IntKind::kExternal, false, 0)) deliverFault();
    return Pending::kServiced;
  }
  if (attention_ & (kAttTrap | kAttTrace | kAttDebug)) {
    if (icount_ >= end) return Pending::kStop;
    if (cycles_ >= cycleDeadline) {
      reason = StopReason::kCycleDeadline;
      return Pending::kStop;
    }
    stepSlow((attention_ & kAttTrace) != 0);
    return Pending::kServiced;
  }
  return Pending::kNone;
}

// Enters the decoded block at EIP (translated through the TLB, built if it is not cached) and
// runs it until it ends, control leaves it or attention_ is raised; instructions that cannot be
// cached (code outside RAM, across a page, past the CS limit) take stepSlow one at a time.
[[gnu::always_inline]] inline void Cpu::runBlock(uint64_t end, uint64_t cycleDeadline) {
  uint32_t lin = seg_[kCs].base + eip_;
  uint8_t* page = mmu_.hostFetch(lin & ~mmu::kPageMask, user());
  if (page == nullptr) [[unlikely]] {
    uint32_t pa;
    curEip_ = eip_;  // the walk's TLB-miss event belongs to the instruction being fetched
    if (auto f = mmu_.translate(lin, mmu::Access::kFetch, user(), pa)) {
      pageFault(*f);
      deliverFault();
      return;
    }
    page = mmu_.hostFetch(lin & ~mmu::kPageMask, user());
    if (page == nullptr) {  // code outside RAM: decoded each time, never cached
      stepSlow(false);
      return;
    }
  }
  fetchLin_ = lin & ~mmu::kPageMask;
  fetchHost_ = page;
  uint8_t* hp = page + (lin & mmu::kPageMask);
  uintptr_t key = (reinterpret_cast<uintptr_t>(hp) << 1) | (codeBig_ ? 1 : 0);
  // The slot comes from the physical address, never the host pointer: which blocks share a slot
  // (and so how often one is rebuilt, with the TLB lookups that costs) must not depend on where
  // the host happened to allocate guest memory, or two runs of one image would count differently.
  uint32_t pa = (mmu_.hostFrame(lin, mmu::Access::kFetch, user()) << 12) | (lin & mmu::kPageMask);
  size_t slot = (pa ^ (pa >> kBlockBits)) & ((size_t{1} << kBlockBits) - 1);
  Block* b = &blocks_[slot];
  if (b->key != key) [[unlikely]] {
    b = buildBlock(lin, hp, key, slot);
    if (b == nullptr) {  // the first instruction crosses into the next page
      stepSlow(false);
      return;
    }
  }
  // The whole block must lie within CS; otherwise the slow path finds the faulting one.
  if (uint64_t{eip_} + b->bytes - 1 > seg_[kCs].limit) [[unlikely]] {
    stepSlow(false);
    return;
  }

  // The hot path: a loop back to this block's start is a block entry like any other (EIP
  // translated through the TLB again), minus the lookup when it lands on the same frame.
  const uint32_t blockEip = eip_;
  for (;;) {
    uint64_t left = end - icount_;
    const Insn* in = b->insns;
    const Insn* last = in + (left < b->count ? left : b->count);
    bool again = false;
    do {
      // The deadline is checked before every instruction, as the single-step path does, so a
      // device event (a timer interrupt) lands on the same instruction whether the run goes block
      // by block or one instruction at a time (tracing each instruction, a debugger stepping).
      if (cycles_ >= cycleDeadline) [[unlikely]]
        return;
      uint32_t next = (eip_ + in->len) & ipMask_;
      curEip_ = eip_;
      eip_ = next;
      cycles_ += in->cost;
      ++icount_;
      if (!in->fn(*this, *in)) [[unlikely]] {
        instructionFaulted();
        break;
      }
      if (eip_ != next || attention_) {
        again = eip_ == blockEip && !attention_ && icount_ < end &&
                mmu_.hostFetch(lin & ~mmu::kPageMask, user()) == page;
        break;
      }
    } while (++in != last);
    if (!again) return;
  }
}

std::string Core::registerDump() const {
  static const char* names[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
  static const char* segNames[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
  std::string out;
  char line[160];
  for (unsigned r = 0; r < 8; ++r) {
    std::snprintf(line, sizeof line, "%s=%08X%s", names[r], r_[r], r % 4 == 3 ? "\n" : " ");
    out += line;
  }
  std::snprintf(line, sizeof line,
                "EIP=%08X EFLAGS=%08X CPL=%u CR0=%08X CR2=%08X CR3=%08X CR4=%08X\n", eip_,
                eflagsValue(), cpl_, mmu_.cr0(), cr2_, mmu_.cr3(), mmu_.cr4());
  out += line;
  for (unsigned s = 0; s < 6; ++s) {
    std::snprintf(line, sizeof line, "%s=%04X base=%08X limit=%08X access=%02X flags=%X\n",
                  segNames[s], seg_[s].selector, seg_[s].base, seg_[s].limit, seg_[s].access,
                  seg_[s].flags);
    out += line;
  }
  std::snprintf(line, sizeof line,
                "GDTR=%08X/%04X IDTR=%08X/%04X LDTR=%04X TR=%04X cycles=%" PRIu64
                " instructions=%" PRIu64 "\n",
                gdtr_.base, gdtr_.limit, idtr_.base, idtr_.limit, ldtr_.selector, tr_.selector,
                cycles_, icount_);
  out += line;
  return out;
}

std::string describeOpcode(uint16_t op, uint8_t modrm) {
  char buf[96];
  unsigned reg = (modrm >> 3) & 7;
  if (op >= 0xD8 && op <= 0xDF) {
    std::snprintf(buf, sizeof buf, "x87 FPU opcode %02X /%u (modrm %02X)", op, reg, modrm);
  } else if (op == 0x19B) {
    std::snprintf(buf, sizeof buf, "x87 opcode 9B");
  } else if (op >= 0x100) {
    unsigned b = op & 0xFF;
    bool mmxSse = (b >= 0x10 && b <= 0x17) || (b >= 0x28 && b <= 0x2F) ||
                  (b >= 0x50 && b <= 0x7F) || (b >= 0xC2 && b <= 0xC6) || b >= 0xD0 || b == 0x77 ||
                  b == 0xAE || b == 0x38 || b == 0x3A;
    std::snprintf(buf, sizeof buf, "%s opcode 0F %02X /%u", mmxSse ? "MMX/SSE" : "unassigned", b,
                  reg);
  } else {
    std::snprintf(buf, sizeof buf, "unassigned opcode %02X /%u", op, reg);
  }
  return buf;
}

}  // namespace emu

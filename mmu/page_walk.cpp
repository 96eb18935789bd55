// The pure page walk and the mapping cursor (see page_walk.h).
#include "mmu/page_walk.h"

#include <cstring>

#include "mmu/mmu.h"

namespace mmu {

uint32_t accessErrorBits(Access access, bool user) {
  uint32_t bits = 0;
  if (access == Access::kWrite) bits |= ErrorCode::kWrite;
  if (user) bits |= ErrorCode::kUser;
  return bits;
}

uint32_t readPagingWord(PhysMemory& mem, uint32_t pa, bool peek) {
  pa &= ~3u;  // paging words are 4-byte aligned by construction (SDM vol. 3A 4.3)
  if (!peek) return mem.read(pa, 4);
  const uint8_t* frame = mem.frame(pa);
  if (frame == nullptr) return 0;
  uint32_t value;
  std::memcpy(&value, frame + (pa & kPageMask), 4);  // the host is little-endian, like the guest
  return value;
}

std::string flagsText(uint32_t word, unsigned cowBit) {
  using B = PagingBits;
  struct BitName {
    uint32_t bit;
    const char* name;
  };
  static constexpr BitName kNames[] = {
      {B::kPresent, "P"},        {B::kWritable, "W"},       {B::kUser, "U"},
      {B::kWriteThrough, "PWT"}, {B::kCacheDisable, "PCD"}, {B::kAccessed, "A"},
      {B::kDirty, "D"},          {B::kPageSize, "PS"},      {B::kGlobal, "G"},
  };
  std::string s;
  for (const BitName& b : kNames) {
    if (word & b.bit) s += (s.empty() ? "" : " ") + std::string(b.name);
  }
  if (cowBit < 32 && (word & (1u << cowBit))) s += (s.empty() ? "" : " ") + std::string("COW");
  return s.empty() ? "-" : s;
}

// The walk follows SDM vol. 3A 4.3 and 4.6: read the PDE; if it is not present, #PF with P=0. A PDE
// with PS=1 under CR4.PSE maps 4 MB (reserved bits -> #PF with P=1 and RSVD); otherwise read the
// PTE, #PF with P=0 if it is not present. Then check the combined permissions (#PF with P=1).
// Only a walk that passes all of these asks for accessed/dirty bits.
WalkResult walk(PhysMemory& mem, uint32_t cr3, uint32_t linear, Access access, bool user,
                PagingControl ctl, bool peek) {
  using B = PagingBits;
  WalkResult r;
  const uint32_t errBits = accessErrorBits(access, user);

  r.walk.pdeAddr = (cr3 & B::kFrame) | ((linear >> 22) << 2);
  r.walk.pde = readPagingWord(mem, r.walk.pdeAddr, peek);
  const uint32_t pde = r.walk.pde;
  if (!(pde & B::kPresent)) {
    r.errorCode = errBits;
    return r;
  }

  Translation t;
  uint32_t leaf;
  if (ctl.pse && (pde & B::kPageSize)) {
    r.walk.large = true;
    if (pde & B::kLargeReserved) {
      r.errorCode = ErrorCode::kPresent | ErrorCode::kReserved | errBits;
      return r;
    }
    leaf = pde;
    t.large = true;
    t.pageBase = linear & ~kLargePageMask;
    t.frame = pde & B::kLargeFrame;
    t.user = pde & B::kUser;
    t.writable = pde & B::kWritable;
  } else {
    r.walk.pteAddr = (pde & B::kFrame) | (((linear >> 12) & 0x3FF) << 2);
    r.walk.pte = readPagingWord(mem, r.walk.pteAddr, peek);
    const uint32_t pte = r.walk.pte;
    if (!(pte & B::kPresent)) {
      r.errorCode = errBits;
      return r;
    }
    leaf = pte;
    t.pageBase = linear & ~kPageMask;
    t.frame = pte & B::kFrame;
    t.user = (pde & B::kUser) && (pte & B::kUser);
    t.writable = (pde & B::kWritable) && (pte & B::kWritable);
  }

  if (!accessAllowed(t.user, t.writable, access, user, ctl.wp)) {
    r.errorCode = ErrorCode::kPresent | errBits;
    return r;
  }

  // Accessed in every entry used; dirty only in the leaf and only on a write (SDM vol. 3A 4.8).
  t.walk = r.walk;
  t.global = leaf & B::kGlobal;
  t.pdeNew = pde | B::kAccessed;
  if (t.large) {
    if (access == Access::kWrite) t.pdeNew |= B::kDirty;
    t.dirty = t.pdeNew & B::kDirty;
  } else {
    t.pteNew = r.walk.pte | B::kAccessed;
    if (access == Access::kWrite) t.pteNew |= B::kDirty;
    t.dirty = t.pteNew & B::kDirty;
  }
  r.translation = t;
  return r;
}

MappingCursor::MappingCursor(PhysMemory& mem, uint32_t cr3, PagingControl ctl)
    : mem_(mem), cr3_(cr3), ctl_(ctl) {}

std::optional<Mapping> MappingCursor::next() {
  using B = PagingBits;
  while (dir_ < 1024) {
    const uint32_t pdeAddr = (cr3_ & B::kFrame) | (dir_ << 2);
    const uint32_t pde = readPagingWord(mem_, pdeAddr, true);
    if (!(pde & B::kPresent)) {
      ++dir_;
      table_ = 0;
      continue;
    }
    if (ctl_.pse && (pde & B::kPageSize)) {
      const uint32_t index = dir_++;
      table_ = 0;
      if (pde & B::kLargeReserved) continue;  // any access would fault with RSVD: not mapped
      Mapping m;
      m.linear = index << 22;
      m.physical = pde & B::kLargeFrame;
      m.size = kLargePageSize;
      m.user = pde & B::kUser;
      m.writable = pde & B::kWritable;
      m.global = pde & B::kGlobal;
      m.accessed = pde & B::kAccessed;
      m.dirty = pde & B::kDirty;
      m.pdeAddr = pdeAddr;
      m.pde = pde;
      return m;
    }
    while (table_ < 1024) {
      const uint32_t index = table_++;
      const uint32_t pteAddr = (pde & B::kFrame) | (index << 2);
      const uint32_t pte = readPagingWord(mem_, pteAddr, true);
      if (!(pte & B::kPresent)) continue;
      Mapping m;
      m.linear = (dir_ << 22) | (index << 12);
      m.physical = pte & B::kFrame;
      m.size = kPageSize;
      m.user = (pde & B::kUser) && (pte & B::kUser);
      m.writable = (pde & B::kWritable) && (pte & B::kWritable);
      m.global = pte & B::kGlobal;
      m.accessed = pte & B::kAccessed;
      m.dirty = pte & B::kDirty;
      m.pdeAddr = pdeAddr;
      m.pde = pde;
      m.pteAddr = pteAddr;
      m.pte = pte;
      return m;
    }
    ++dir_;
    table_ = 0;
  }
  return std::nullopt;
}

void MappingCursor::skipTable() {
  if (table_ == 0) return;  // nothing read from a table yet, or the last mapping was 4 MB
  ++dir_;
  table_ = 0;
}

}  // namespace mmu

// Lazily allocated guest RAM (an anonymous private mapping: the kernel supplies zero pages on
// first touch), in transparent huge pages where the host allows them.
#include "devices/ram.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace devices {

Ram::Ram(uint32_t bytes) : size_(bytes) {
  if (bytes == 0 || bytes % 4096 != 0)
    throw std::runtime_error("RAM size must be a positive multiple of 4 KB");
  // Reserve a huge page more and trim, so the RAM starts on a 2 MB boundary: only then can the
  // host back it with 2 MB pages. A kernel that clears its memory at boot then takes one host
  // fault per 2 MB instead of one per 4 KB (a boot of the built-in guest spent most of its time
  // in those faults). Where THP is "madvise" (Debian's default) the advice is what enables them;
  // without THP it is refused, which changes nothing but speed. Guest-visible contents are the
  // same zero pages either way.
  const size_t reserve = size_t{bytes} + kHugePage;
  void* p = mmap(nullptr, reserve, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error("cannot reserve guest RAM");
  const uintptr_t start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHugePage - 1) & ~uintptr_t{kHugePage - 1};
  if (aligned > start) munmap(p, aligned - start);
  const uintptr_t end = aligned + bytes, reserveEnd = start + reserve;
  if (reserveEnd > end) munmap(reinterpret_cast<void*>(end), reserveEnd - end);
  base_ = reinterpret_cast<uint8_t*>(aligned);
#ifdef MADV_HUGEPAGE
  madvise(base_, bytes, MADV_HUGEPAGE);
#endif
}

Ram::~Ram() {
  munmap(base_, size_);
}

bool Ram::copyIn(uint32_t pa, const void* data, uint32_t len) {
  uint8_t* p = at(pa, len);
  if (!p) return false;
  if (len) std::memcpy(p, data, len);
  return true;
}

bool Ram::fill(uint32_t pa, uint8_t value, uint32_t len) {
  uint8_t* p = at(pa, len);
  if (!p) return false;
  if (len) std::memset(p, value, len);
  return true;
}

uint32_t Ram::read32(uint32_t pa) {
  uint8_t* p = at(pa, 4);
  if (!p) return 0xFFFFFFFFu;
  return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void Ram::write8(uint32_t pa, uint8_t v) {
  if (uint8_t* p = at(pa, 1)) p[0] = v;
}

void Ram::write16(uint32_t pa, uint16_t v) {
  if (uint8_t* p = at(pa, 2)) {
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
  }
}

void Ram::write32(uint32_t pa, uint32_t v) {
  if (uint8_t* p = at(pa, 4)) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
  }
}

Ram::Image Ram::save(const Image* previous) const {
  const size_t host = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t frames = size_ / 4096;
  std::vector<unsigned char> resident((size_ + host - 1) / host);
  bool known = mincore(base_, size_, resident.data()) == 0;
  Image image;
  image.frames.resize(frames);
  for (size_t f = 0; f < frames; ++f) {
    const size_t at = f * 4096;
    // Never touched: zero, and reading it would only make the host back it.
    if (known && !(resident[at / host] & 1)) continue;
    const uint8_t* p = base_ + at;
    if (previous != nullptr && f < previous->frames.size()) {
      const std::shared_ptr<const Frame>& before = previous->frames[f];
      if (before ? std::memcmp(before->data(), p, 4096) == 0
                 : std::all_of(p, p + 4096, [](uint8_t b) { return b == 0; })) {
        image.frames[f] = before;
        continue;
      }
    }
    // A frame of one byte repeated (zeroed memory, a kernel's junk fill of freed pages) shares
    // the one copy of that frame every image has.
    if (std::all_of(p + 1, p + 4096, [p](uint8_t b) { return b == p[0]; })) {
      static std::array<std::shared_ptr<const Frame>, 256> uniform;
      std::shared_ptr<const Frame>& u = uniform[p[0]];
      if (!u) {
        auto frame = std::make_shared<Frame>();
        frame->fill(p[0]);
        u = std::move(frame);
      }
      image.frames[f] = u;
      continue;
    }
    auto copy = std::make_shared<Frame>();
    std::memcpy(copy->data(), p, 4096);
    image.frames[f] = std::move(copy);
    ++image.copied;
  }
  return image;
}

void Ram::restore(const Image& image) {
  const size_t host = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((size_ + host - 1) / host);
  bool known = mincore(base_, size_, resident.data()) == 0;
  for (size_t f = 0; f < image.frames.size() && f * 4096 < size_; ++f) {
    uint8_t* p = base_ + f * 4096;
    if (const std::shared_ptr<const Frame>& saved = image.frames[f]) {
      if (std::memcmp(p, saved->data(), 4096) != 0) std::memcpy(p, saved->data(), 4096);
    } else if (!known || (resident[f * 4096 / host] & 1)) {
      if (!std::all_of(p, p + 4096, [](uint8_t b) { return b == 0; })) std::memset(p, 0, 4096);
    }
  }
}

size_t Ram::residentBytes() const {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t pages = (size_ + page - 1) / page;
  std::vector<unsigned char> vec(pages);
  if (mincore(base_, size_, vec.data()) != 0) return 0;
  size_t n = 0;
  for (unsigned char c : vec) n += c & 1;
  return n * page;
}

}  // namespace devices

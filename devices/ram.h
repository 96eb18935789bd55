// Guest RAM: one anonymous mapping, so pages the guest never touches cost the host nothing; 2 MB
// aligned and advised for transparent huge pages, so a guest that touches all of it (a kernel
// clearing its free memory) costs few host page faults.
//
// ram.cpp defines: Ram.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace devices {

class Ram {
 public:
  // `bytes` of zeroed RAM, a multiple of 4 KB. Throws std::runtime_error if the host refuses.
  explicit Ram(uint32_t bytes);
  ~Ram();
  Ram(const Ram&) = delete;
  Ram& operator=(const Ram&) = delete;

  uint32_t size() const { return size_; }
  // Host pointer to [pa, pa+len) when it lies inside RAM, else nullptr. Every host access to
  // guest memory goes through this bounds check.
  uint8_t* at(uint32_t pa, uint32_t len = 1) {
    return (len <= size_ && pa <= size_ - len) ? base_ + pa : nullptr;
  }
  bool contains(uint32_t pa, uint32_t len) const { return len <= size_ && pa <= size_ - len; }

  // Little-endian accessors for firmware and loaders; false when out of range.
  bool copyIn(uint32_t pa, const void* data, uint32_t len);
  bool fill(uint32_t pa, uint8_t value, uint32_t len);
  uint32_t read32(uint32_t pa);
  void write8(uint32_t pa, uint8_t v);
  void write16(uint32_t pa, uint16_t v);
  void write32(uint32_t pa, uint32_t v);

  // Snapshots (docs/debug.md): the contents, one 4 KB frame at a time. A frame the host never
  // backed (never touched) is held as nothing; a frame equal to the same frame of the image
  // before (`previous`, the last snapshot) shares its copy, so a snapshot costs the frames the
  // guest wrote since the one before; a frame of one byte repeated shares the one such frame of
  // every image. restore() writes back the frames that differ.
  using Frame = std::array<uint8_t, 4096>;
  struct Image {
    std::vector<std::shared_ptr<const Frame>> frames;  // nullptr: zero
    size_t copied = 0;                                 // frames this image copied itself
  };
  Image save(const Image* previous) const;
  void restore(const Image& image);

  // Host bytes actually resident (touched pages), for the run summary and the laziness test.
  size_t residentBytes() const;

 private:
  static constexpr size_t kHugePage = size_t{2} << 20;
  uint8_t* base_ = nullptr;
  uint32_t size_ = 0;
};

}  // namespace devices

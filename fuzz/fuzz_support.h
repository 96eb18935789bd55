// What the fuzz targets share: a console that drops the guest's output, a multiboot kernel made
// around raw code (the a.out kludge, so no ELF is needed), a machine that boots it, and a reader
// that takes little-endian fields off the front of the fuzzer's input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "devices/console.h"
#include "emu/machine/machine.h"

namespace fuzz {

class NullSink final : public devices::ByteSink {
 public:
  void put(uint8_t) override {}
};

// Takes bytes off the front of the input; past its end every field reads 0.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  bool empty() const { return n_ == 0; }
  size_t left() const { return n_; }
  const uint8_t* here() const { return p_; }
  uint32_t take(unsigned bytes) {
    uint32_t v = 0;
    for (unsigned k = 0; k < bytes; ++k) {
      if (n_ == 0) break;
      v |= uint32_t{*p_} << (8 * k);
      ++p_;
      --n_;
    }
    return v;
  }
  uint8_t byte() { return static_cast<uint8_t>(take(1)); }

 private:
  const uint8_t* p_;
  size_t n_;
};

// Multiboot v1 (Multiboot Specification 0.6.96, 3.1.1): magic, flags, checksum, and with flag 16
// header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr: 32 bytes.
constexpr uint32_t kMultibootMagic = 0x1BADB002;
constexpr uint32_t kAoutKludge = 1u << 16;
constexpr uint32_t kHeaderBytes = 32;
constexpr uint32_t kLoad = 0x100000;  // where the kludge kernel is loaded: 1 MB

// A kernel whose header loads the whole file at kLoad (load_end_addr 0: to the end of the file)
// and enters at the first byte after the header, in flat 32-bit protected mode with IF=0.
inline std::vector<uint8_t> kludgeKernel(std::span<const uint8_t> code) {
  std::vector<uint8_t> k(kHeaderBytes, 0);
  auto put = [&k](size_t at, uint32_t v) {
    for (unsigned i = 0; i < 4; ++i) k[at + i] = static_cast<uint8_t>(v >> (8 * i));
  };
  put(0, kMultibootMagic);
  put(4, kAoutKludge);
  put(8, 0u - kMultibootMagic - kAoutKludge);
  put(12, kLoad);  // header_addr: the header is the file's first byte
  put(16, kLoad);  // load_addr
  put(28, kLoad + kHeaderBytes);
  k.insert(k.end(), code.begin(), code.end());
  return k;
}

// A minimal ELF32 file with a .symtab of the given functions (System V ABI, "Object Files": the
// ELF header, three section headers: null, .symtab, .strtab), for the targets that need names.
struct ElfSymbol {
  std::string name;
  uint32_t value, size;
};
std::vector<uint8_t> symbolElf(const std::vector<ElfSymbol>& symbols);

// A 2 MB machine (the least --mem allows) booting `kernel`, its output dropped; aborts if the
// machine cannot be made, since every kernel given here is well formed.
std::unique_ptr<emu::Machine> bootKernel(const std::vector<uint8_t>& kernel, NullSink& sink);

}  // namespace fuzz

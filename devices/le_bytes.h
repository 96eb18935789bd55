#pragma once
// LeBytes: a growing byte buffer that firmware tables (the MP table, the ACPI tables) are built in,
// with little-endian fields as the PC's tables store them.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace devices {

struct LeBytes {
  std::vector<uint8_t> bytes;

  void u8(uint8_t v) { bytes.push_back(v); }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v));
    u8(static_cast<uint8_t>(v >> 8));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v));
    u16(static_cast<uint16_t>(v >> 16));
  }
  void zeros(size_t n) { bytes.insert(bytes.end(), n, 0); }
  // The string's bytes, no terminator.
  // (A byte at a time: gcc 12 at -O3 takes vector::insert of a string literal's range for an
  // overflow, -Wstringop-overflow, which -Werror makes an error in the release build.)
  void text(const char* s) {
    for (; *s != '\0'; ++s) u8(static_cast<uint8_t>(*s));
  }
  // A fixed-width field of n bytes: the string, padded with spaces (or cut to n).
  void text(const char* s, size_t n) {
    const size_t len = std::strlen(s);
    for (size_t i = 0; i < n; ++i) u8(i < len ? static_cast<uint8_t>(s[i]) : ' ');
  }
  // Overwrites 4 bytes at `at` (a length or address known only later).
  void put32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }
};

}  // namespace devices

// The GDB remote serial protocol's framing (GDB manual, "Remote Protocol", E.1 Overview): a
// packet is `$data#cc`, cc the two hex digits of the sum of the data bytes modulo 256; the
// receiver answers `+` (good) or `-` (resend) unless no-ack mode was agreed; a lone 0x03 byte is
// gdb's Ctrl-C. In the data, `}` escapes the next byte (XORed with 0x20).
//
// The parser is a pure function of the bytes received so far, so it can be fed anything: bad
// checksums, truncated packets, huge lengths and junk only ever give a Frame that says how many
// bytes to drop.
//
// packet.cpp defines: parseFrame, framePacket, checksum, hex helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gdb {

// The largest packet data the stub accepts (and announces in qSupported's PacketSize).
constexpr size_t kMaxPacket = 16384;

struct Frame {
  enum class Kind : uint8_t {
    kNeedMore,     // the buffer holds the start of a packet: wait for more bytes
    kPacket,       // a whole packet with a good checksum: `payload`
    kBadChecksum,  // a whole packet whose checksum does not match (answer `-`)
    kTooLong,      // a `$` not followed by `#cc` within kMaxPacket bytes (answer `-`)
    kInterrupt,    // 0x03
    kAck,          // +
    kNack,         // -
    kJunk,         // bytes outside any packet (line noise): dropped
  };
  Kind kind = Kind::kNeedMore;
  size_t consumed = 0;  // bytes at the front of the buffer this frame used (0 for kNeedMore)
  std::string payload;  // kPacket: the data, escapes undone
};

// The frame at the front of `buffer`. Never reads past the buffer; consumed <= buffer.size(),
// and consumed > 0 unless kind is kNeedMore.
Frame parseFrame(std::string_view buffer);

// The modulo-256 sum of the bytes.
uint8_t checksum(std::string_view data);
// `$data#cc` with `$`, `#`, `}` and `*` escaped in the data.
std::string framePacket(std::string_view data);

// Hex: two lowercase digits a byte; parsing takes either case.
std::string toHex(const uint8_t* bytes, size_t n);
std::string toHex(std::string_view text);
std::optional<std::vector<uint8_t>> fromHex(std::string_view hex);
// An unsigned hex number of 1 to 16 digits that fits in 64 bits; nullopt otherwise.
std::optional<uint64_t> parseHexNumber(std::string_view hex);
// Little-endian hex of a 32-bit value (register contents).
std::string hexWord(uint32_t value);

}  // namespace gdb

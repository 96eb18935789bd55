// The remote protocol's framing (emu/gdb/packet.h): good packets, bad checksums, truncated and
// huge packets, escapes, and junk never make the parser read past its buffer or stall.
#include "emu/gdb/packet.h"

#include <gtest/gtest.h>

#include <random>

namespace gdb {
namespace {

using Kind = Frame::Kind;

TEST(Packet, GoodPacket) {
  // "g": one byte 0x67, so the checksum is 67.
  Frame f = parseFrame("$g#67");
  EXPECT_EQ(f.kind, Kind::kPacket);
  EXPECT_EQ(f.payload, "g");
  EXPECT_EQ(f.consumed, 5u);
}

TEST(Packet, ChecksumOfQSupported) {
  // gdb's own first packet, checksum as gdb 13 sends it: the sum of "qSupported" is 0x437 & 0xff.
  EXPECT_EQ(checksum("qSupported"), 0x37);
  Frame f = parseFrame("$qSupported#37+");
  EXPECT_EQ(f.kind, Kind::kPacket);
  EXPECT_EQ(f.consumed, 14u);  // the "+" after it is the next frame's
}

TEST(Packet, BadChecksumIsConsumedWhole) {
  Frame f = parseFrame("$g#68$g#67");
  EXPECT_EQ(f.kind, Kind::kBadChecksum);
  EXPECT_EQ(f.consumed, 5u);
  Frame next = parseFrame(std::string_view("$g#68$g#67").substr(f.consumed));
  EXPECT_EQ(next.kind, Kind::kPacket);
}

TEST(Packet, ChecksumDigitsNotHex) {
  Frame f = parseFrame("$g#zz");
  EXPECT_EQ(f.kind, Kind::kBadChecksum);
  EXPECT_EQ(f.consumed, 5u);
}

TEST(Packet, TruncatedWaitsForMore) {
  for (std::string_view s : {"$", "$g", "$g#", "$g#6"}) {
    Frame f = parseFrame(s);
    EXPECT_EQ(f.kind, Kind::kNeedMore) << s;
    EXPECT_EQ(f.consumed, 0u) << s;
  }
  EXPECT_EQ(parseFrame("").kind, Kind::kNeedMore);
}

TEST(Packet, CutShortByTheNextPacket) {
  // gdb gave up on "$qSupp" and sent "$?#3f": the cut packet is junk up to the new "$".
  Frame f = parseFrame("$qSupp$?#3f");
  EXPECT_EQ(f.kind, Kind::kJunk);
  EXPECT_EQ(f.consumed, 6u);
  Frame next = parseFrame(std::string_view("$qSupp$?#3f").substr(f.consumed));
  EXPECT_EQ(next.kind, Kind::kPacket);
  EXPECT_EQ(next.payload, "?");
}

TEST(Packet, HugePacketIsDroppedNotBuffered) {
  // A "$" followed by more than kMaxPacket bytes without "#": dropped at once, up to the next
  // "$", so a peer that never ends a packet cannot make the stub hold its bytes for ever.
  std::string huge = "$" + std::string(kMaxPacket + 10, 'a') + "$g#67";
  Frame f = parseFrame(huge);
  EXPECT_EQ(f.kind, Kind::kTooLong);
  EXPECT_EQ(f.consumed, kMaxPacket + 11);
  EXPECT_EQ(parseFrame(std::string_view(huge).substr(f.consumed)).kind, Kind::kPacket);
}

TEST(Packet, ControlBytes) {
  EXPECT_EQ(parseFrame("\x03").kind, Kind::kInterrupt);
  EXPECT_EQ(parseFrame("+").kind, Kind::kAck);
  EXPECT_EQ(parseFrame("-").kind, Kind::kNack);
  Frame junk = parseFrame("xyz$g#67");
  EXPECT_EQ(junk.kind, Kind::kJunk);
  EXPECT_EQ(junk.consumed, 3u);
}

TEST(Packet, EscapesAreUndoneAndMade) {
  // "}" escapes the next byte XOR 0x20: "}]" is "}" (0x7d), "}\x03" is "#" (0x23).
  std::string framed = framePacket("a#b}c$d*");
  EXPECT_EQ(framed.substr(0, 13),
            "$a}\x03"
            "b}]c}\x04"
            "d}\x0a");
  Frame f = parseFrame(framed);
  ASSERT_EQ(f.kind, Kind::kPacket);
  EXPECT_EQ(f.payload, "a#b}c$d*");
  EXPECT_EQ(f.consumed, framed.size());
}

TEST(Packet, Hex) {
  EXPECT_EQ(hexWord(0x80102e10), "102e1080");
  EXPECT_EQ(toHex("OK\n"), "4f4b0a");
  EXPECT_EQ(fromHex("4f4B0a"), (std::vector<uint8_t>{0x4f, 0x4b, 0x0a}));
  EXPECT_FALSE(fromHex("4f4"));
  EXPECT_FALSE(fromHex("zz"));
  EXPECT_EQ(parseHexNumber("0000000080102e10"), 0x80102e10u);
  EXPECT_EQ(parseHexNumber("ffffffffffffffff"), ~uint64_t{0});
  EXPECT_FALSE(parseHexNumber("1ffffffffffffffff"));  // 17 digits: does not fit
  EXPECT_FALSE(parseHexNumber(""));
  EXPECT_FALSE(parseHexNumber("12,"));
}

TEST(Packet, RandomBytesAlwaysMakeProgress) {
  // 2000 buffers of random bytes, biased towards the framing characters: every frame consumes
  // at least one byte and never more than the buffer, or asks for more only when what is left
  // starts with "$" and is shorter than the largest packet.
  std::mt19937 random(15);
  const char alphabet[] = {'$', '#', '}', '+', '-', '\x03', 'g', '6', '7', 'a', '\0', '\xff'};
  for (int round = 0; round < 2000; ++round) {
    std::string buffer(random() % 600, '\0');
    for (char& c : buffer) {
      c = random() % 4 == 0 ? static_cast<char>(random()) : alphabet[random() % sizeof alphabet];
    }
    std::string_view left = buffer;
    while (!left.empty()) {
      Frame f = parseFrame(left);
      if (f.kind == Kind::kNeedMore) {
        EXPECT_EQ(left[0], '$');
        EXPECT_LE(left.size(), kMaxPacket + 3);
        break;
      }
      ASSERT_GE(f.consumed, 1u);
      ASSERT_LE(f.consumed, left.size());
      left.remove_prefix(f.consumed);
    }
  }
}

}  // namespace
}  // namespace gdb

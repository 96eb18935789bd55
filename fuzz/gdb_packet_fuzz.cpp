// The gdb remote protocol's framing (emu/gdb/packet.cpp): the input is the byte stream gdb sends,
// cut into frames as the stub does. Checks, besides ASan and UBSan: every frame consumes bytes
// inside the buffer (none only while it waits for more); a packet framed again by framePacket
// parses back to the same payload; hex that fromHex accepts comes back from toHex as written (in
// lowercase), and parseHexNumber agrees with it.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "emu/gdb/packet.h"

namespace {
[[noreturn]] void fail(const char* what, std::string_view data) {
  std::fprintf(stderr, "gdb_packet_fuzz: %s: [%.*s]\n", what, static_cast<int>(data.size()),
               data.data());
  std::abort();
}

void checkHex(std::string_view text) {
  std::optional<std::vector<uint8_t>> bytes = gdb::fromHex(text);
  if (!bytes) return;
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (gdb::toHex(bytes->data(), bytes->size()) != lower) fail("hex did not come back", text);
  std::optional<uint64_t> n = gdb::parseHexNumber(text);
  if (!text.empty() && text.size() <= 16 && !n) fail("parseHexNumber refused hex digits", text);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view buffer(reinterpret_cast<const char*>(data), size);
  while (!buffer.empty()) {
    gdb::Frame f = gdb::parseFrame(buffer);
    if (f.consumed > buffer.size()) fail("a frame consumed past the buffer", buffer);
    if (f.kind == gdb::Frame::Kind::kNeedMore) break;
    if (f.consumed == 0) fail("a frame consumed nothing", buffer);
    if (f.kind == gdb::Frame::Kind::kPacket) {
      // (Framed again, escapes can make it longer than the limit: then it need not parse.)
      std::string again = gdb::framePacket(f.payload);
      if (again.size() - 4 > gdb::kMaxPacket) {
        buffer.remove_prefix(f.consumed);
        continue;
      }
      gdb::Frame g = gdb::parseFrame(again);
      if (g.kind != gdb::Frame::Kind::kPacket || g.payload != f.payload ||
          g.consumed != again.size())
        fail("a packet framed again did not parse back", f.payload);
      // Packets carry hex after a letter and between commas (m addr,len; M addr,len:data).
      std::string_view p = f.payload;
      size_t start = p.empty() ? 0 : 1;
      while (start <= p.size()) {
        size_t end = p.find_first_of(",:;", start);
        if (end == std::string_view::npos) end = p.size();
        checkHex(p.substr(start, end - start));
        start = end + 1;
      }
    }
    buffer.remove_prefix(f.consumed);
  }
  return 0;
}

// The remote protocol's framing and hex, as pure functions.
#include "emu/gdb/packet.h"

namespace gdb {

namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool startsFrame(char c) {
  return c == '$' || c == '+' || c == '-' || c == '\x03';
}

}  // namespace

uint8_t checksum(std::string_view data) {
  unsigned sum = 0;
  for (char c : data) sum += static_cast<uint8_t>(c);
  return static_cast<uint8_t>(sum);
}

Frame parseFrame(std::string_view buffer) {
  Frame f;
  if (buffer.empty()) return f;
  switch (buffer[0]) {
    case '+':
      f.kind = Frame::Kind::kAck;
      f.consumed = 1;
      return f;
    case '-':
      f.kind = Frame::Kind::kNack;
      f.consumed = 1;
      return f;
    case '\x03':
      f.kind = Frame::Kind::kInterrupt;
      f.consumed = 1;
      return f;
    case '$':
      break;
    default: {
      // Junk: everything up to the next byte that can start a frame.
      size_t n = 1;
      while (n < buffer.size() && !startsFrame(buffer[n])) ++n;
      f.kind = Frame::Kind::kJunk;
      f.consumed = n;
      return f;
    }
  }
  // "$" data "#" hex hex. The data may hold escaped bytes ("}" x), so "#" after "}" is data.
  size_t i = 1;
  bool escaped = false;
  for (; i < buffer.size(); ++i) {
    if (escaped) {
      escaped = false;
    } else if (buffer[i] == '}') {
      escaped = true;
    } else if (buffer[i] == '#') {
      break;
    } else if (buffer[i] == '$') {
      // A packet cut short: a "$" never appears unescaped in data, so a new packet starts here.
      f.kind = Frame::Kind::kJunk;
      f.consumed = i;
      return f;
    }
    if (i > kMaxPacket) {
      // No end within the largest packet: drop the "$" and read on from the next frame start.
      f.kind = Frame::Kind::kTooLong;
      f.consumed = 1;
      while (f.consumed < buffer.size() && buffer[f.consumed] != '$') ++f.consumed;
      return f;
    }
  }
  if (i + 2 >= buffer.size()) return f;  // kNeedMore: the end or its checksum not here yet
  std::string_view raw = buffer.substr(1, i - 1);
  int hi = hexDigit(buffer[i + 1]), lo = hexDigit(buffer[i + 2]);
  f.consumed = i + 3;
  if (hi < 0 || lo < 0 || checksum(raw) != static_cast<uint8_t>(hi * 16 + lo)) {
    f.kind = Frame::Kind::kBadChecksum;
    return f;
  }
  f.kind = Frame::Kind::kPacket;
  f.payload.reserve(raw.size());
  for (size_t k = 0; k < raw.size(); ++k) {
    if (raw[k] == '}' && k + 1 < raw.size()) {
      f.payload += static_cast<char>(raw[++k] ^ 0x20);
    } else {
      f.payload += raw[k];
    }
  }
  return f;
}

std::string framePacket(std::string_view data) {
  std::string body;
  body.reserve(data.size() + 8);
  for (char c : data) {
    if (c == '$' || c == '#' || c == '}' || c == '*') {
      body += '}';
      body += static_cast<char>(c ^ 0x20);
    } else {
      body += c;
    }
  }
  static const char kDigits[] = "0123456789abcdef";
  uint8_t sum = checksum(body);
  std::string out = "$" + body + "#";
  out += kDigits[sum >> 4];
  out += kDigits[sum & 15];
  return out;
}

std::string toHex(const uint8_t* bytes, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

std::string toHex(std::string_view text) {
  return toHex(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

std::optional<std::vector<uint8_t>> fromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hexDigit(hex[i]), lo = hexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

std::optional<uint64_t> parseHexNumber(std::string_view hex) {
  if (hex.empty()) return std::nullopt;
  uint64_t v = 0;
  size_t digits = 0;
  for (char c : hex) {
    int d = hexDigit(c);
    if (d < 0) return std::nullopt;
    if (digits > 0 || d != 0) ++digits;  // leading zeros do not count against the width
    if (digits > 16) return std::nullopt;
    v = v * 16 + static_cast<unsigned>(d);
  }
  return v;
}

std::string hexWord(uint32_t value) {
  uint8_t b[4] = {static_cast<uint8_t>(value), static_cast<uint8_t>(value >> 8),
                  static_cast<uint8_t>(value >> 16), static_cast<uint8_t>(value >> 24)};
  return toHex(b, 4);
}

}  // namespace gdb

// A reader for the PNGs the view writes (8-bit RGB, filter type 0 on every row), for the tests.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace viewtest {

struct Image {
  int w = 0, h = 0;
  std::vector<uint32_t> px;  // 0x00RRGGBB
  uint32_t at(int x, int y) const { return px[static_cast<size_t>(y) * w + x]; }
};

inline uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return static_cast<uint32_t>(b[at]) << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3];
}

// Reads `path`; returns false with `error` for anything but what writePng produces.
inline bool readPng(const std::string& path, Image& img, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() < 8 + 25 || b[1] != 'P' || b[2] != 'N' || b[3] != 'G') {
    error = path + ": not a PNG";
    return false;
  }
  std::vector<uint8_t> z;
  for (size_t at = 8; at + 12 <= b.size();) {
    uint32_t len = be32(b, at);
    std::string type(b.begin() + static_cast<long>(at) + 4, b.begin() + static_cast<long>(at) + 8);
    if (at + 12 + len > b.size()) break;
    if (type == "IHDR") {
      img.w = static_cast<int>(be32(b, at + 8));
      img.h = static_cast<int>(be32(b, at + 12));
      if (b[at + 16] != 8 || b[at + 17] != 2) {
        error = "not 8-bit RGB";
        return false;
      }
    } else if (type == "IDAT") {
      z.insert(z.end(), b.begin() + static_cast<long>(at) + 8,
               b.begin() + static_cast<long>(at) + 8 + len);
    }
    at += 12 + len;
  }
  size_t rowBytes = 1 + 3 * static_cast<size_t>(img.w);
  std::vector<uint8_t> raw(rowBytes * img.h);
  uLongf size = raw.size();
  if (img.w <= 0 || uncompress(raw.data(), &size, z.data(), z.size()) != Z_OK ||
      size != raw.size()) {
    error = "bad image data";
    return false;
  }
  img.px.resize(static_cast<size_t>(img.w) * img.h);
  for (int y = 0; y < img.h; ++y) {
    const uint8_t* row = &raw[y * rowBytes];
    if (row[0] != 0) {
      error = "unexpected PNG filter";
      return false;
    }
    for (int x = 0; x < img.w; ++x) {
      img.px[static_cast<size_t>(y) * img.w + x] =
          static_cast<uint32_t>(row[1 + 3 * x]) << 16 | row[2 + 3 * x] << 8 | row[3 + 3 * x];
    }
  }
  return true;
}

}  // namespace viewtest

// mkarchive: pack files into the guest's initial archive (format: guest/kernel/archive.h).
//
//   mkarchive OUT NAME=PATH...
//
// Each NAME (at most 23 bytes) becomes one read-only file in the archive.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kNameLen = 24;     // archive_entry.name, NUL-padded
constexpr std::size_t kHeaderSize = 16;  // archive_header
constexpr std::size_t kEntrySize = 32;   // archive_entry
constexpr std::size_t kAlign = 16;       // each file starts on a 16-byte boundary

struct Input {
  std::string name;
  std::vector<char> bytes;
};

void put32(std::vector<char>& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; i++) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: mkarchive OUT NAME=PATH...\n");
    return 2;
  }
  std::vector<Input> inputs;
  for (int i = 2; i < argc; i++) {
    std::string arg = argv[i];
    auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq >= kNameLen) {
      std::fprintf(stderr, "mkarchive: bad argument '%s' (want NAME=PATH, NAME < 24 bytes)\n",
                   argv[i]);
      return 1;
    }
    std::ifstream in(arg.substr(eq + 1), std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "mkarchive: cannot read %s\n", arg.substr(eq + 1).c_str());
      return 1;
    }
    inputs.push_back(
        {arg.substr(0, eq), std::vector<char>(std::istreambuf_iterator<char>(in), {})});
  }

  std::size_t offset = kHeaderSize + kEntrySize * inputs.size();
  std::vector<char> out(offset, 0);
  std::memcpy(out.data(), "XRAY86AR", 8);
  put32(out, 8, static_cast<std::uint32_t>(inputs.size()));
  for (std::size_t i = 0; i < inputs.size(); i++) {
    offset = (out.size() + kAlign - 1) / kAlign * kAlign;
    out.resize(offset, 0);
    std::size_t entry = kHeaderSize + kEntrySize * i;
    std::memcpy(out.data() + entry, inputs[i].name.data(), inputs[i].name.size());
    put32(out, entry + kNameLen, static_cast<std::uint32_t>(offset));
    put32(out, entry + kNameLen + 4, static_cast<std::uint32_t>(inputs[i].bytes.size()));
    out.insert(out.end(), inputs[i].bytes.begin(), inputs[i].bytes.end());
  }
  put32(out, 12, static_cast<std::uint32_t>(out.size()));

  std::ofstream o(argv[1], std::ios::binary | std::ios::trunc);
  o.write(out.data(), static_cast<std::streamsize>(out.size()));
  if (!o) {
    std::fprintf(stderr, "mkarchive: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}

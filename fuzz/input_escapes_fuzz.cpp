// The C escapes of --input and --keys (devices::unescape: \n \r \t \\ \e \xHH), then what --keys
// does with the result (devices::scanCodesFor, the 8042's scan codes for each character). Checks,
// besides ASan and UBSan: a refusal comes with a one-line error; what is accepted is no longer
// than the text; and every byte written as \xHH comes back unchanged.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "devices/console.h"
#include "devices/i8042.h"

namespace {
[[noreturn]] void fail(const char* what, const std::string& text) {
  std::fprintf(stderr, "input_escapes_fuzz: %s: [%s]\n", what, text.c_str());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string out, error;
  if (!devices::unescape(text, out, error)) {
    if (error.empty() || error.find('\n') != std::string::npos)
      fail("refused without a one-line error", text);
  } else {
    if (out.size() > text.size()) fail("unescaping made the text longer", text);
    for (char c : out) (void)devices::scanCodesFor(c);
  }
  std::string hex;
  for (uint8_t b : text) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\x%02x", b);
    hex += buf;
  }
  std::string back;
  if (!devices::unescape(hex, back, error) || back != text)
    fail("\\xHH escapes did not give their bytes back", text);
  return 0;
}

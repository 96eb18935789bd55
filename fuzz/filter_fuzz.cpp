// The trace filter language (emu/trace/filter.cpp): the input's text up to its first zero byte
// is the filter; the bytes after it fill one record of each kind. Checks, besides ASan and UBSan
// (and the parser's depth and size limits: the recursion must never overflow the stack): a
// refusal comes with a one-line error; a record the filter matches has a kind in kinds().
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "emu/trace/filter.h"
#include "emu/trace/symbols.h"
#include "fuzz/fuzz_support.h"

namespace {

const trace::SymbolTable& symbols() {
  static const trace::SymbolTable table = [] {
    trace::SymbolTable t;
    std::string error;
    // Names the seeds use: `eip in main`, `writer in cowfault`.
    std::vector<uint8_t> elf = fuzz::symbolElf(
        {{"main", 0x1000, 0x40}, {"cowfault", 0x80102000, 0x100}, {"counter", 0x2000, 4}});
    if (!t.loadBytes(elf, "fuzz-symbols", error)) {
      std::fprintf(stderr, "filter_fuzz: the symbol table did not load: %s\n", error.c_str());
      std::abort();
    }
    return t;
  }();
  return table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* zero = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  size_t textLen = zero ? static_cast<size_t>(zero - data) : size;
  std::string text(reinterpret_cast<const char*>(data), textLen);
  std::string error;
  std::unique_ptr<trace::Filter> f = trace::Filter::parse(text, symbols(), error);
  if (!f) {
    if (error.empty() || error.find('\n') != std::string::npos) {
      std::fprintf(stderr, "filter_fuzz: refused without a one-line error: [%s]\n", error.c_str());
      std::abort();
    }
    return 0;
  }
  uint32_t kinds = f->kinds();
  fuzz::Reader in(zero ? zero + 1 : data + size, zero ? size - textLen - 1 : 0);
  for (unsigned k = 0; k < trace::kKindCount; ++k) {
    trace::Record r;
    r.kind = static_cast<trace::Kind>(k);
    r.ctx.cycle = in.take(4);
    r.ctx.instructions = in.take(4);
    r.ctx.eip = in.take(4);
    r.ctx.cpl = in.byte() & 3;
    r.ctx.cr3 = in.take(4);
    r.asid = in.take(1);
    r.pid = static_cast<int32_t>(in.take(1)) - 1;
    r.parent = in.take(1);
    r.address = in.take(4);
    r.errorCode = in.take(1) & 0x1F;
    r.repeat = in.take(1);
    r.resolution = static_cast<trace::Resolution>(in.byte() % xray86::kResolutions);
    r.vector = in.byte();
    r.hasError = r.vector & 1;
    r.eax = in.take(4);
    r.writeEip = in.take(4);
    if (f->matches(r) && !(kinds & (1u << k))) {
      std::fprintf(stderr, "filter_fuzz: [%s] matches a %s record, not in kinds() %#x\n",
                   text.c_str(), trace::kindName(r.kind), kinds);
      std::abort();
    }
  }
  return 0;
}

// --trace-filter: which events reach the trace. The grammar (docs/trace.md has examples):
//
//   expr  := and { ("or" | "||") and }
//   and   := unary { ("and" | "&&") unary }
//   unary := ("not" | "!") unary | "(" expr ")" | test
//   test  := "kind" ("=" | "!=") KIND { "," KIND }
//          | FIELD CMP NUMBER
//          | FIELD "in" NUMBER ".." NUMBER       the half-open range [first, last)
//          | "eip" ("in" | "=") SYMBOL           EIP inside that function or object
//   FIELD := "cr3" | "eip" | "cr2" | "addr" | "cpl" | "cycle" | "insns"
//   CMP   := "=" | "!=" | "<" | "<=" | ">" | ">="
//   NUMBER:= decimal, or hex with 0x
//
// `cr3` compares the page-directory base (CR3 & ~0xFFF); `cr2` exists only for page faults and
// their resolutions, `addr` for events with an address (pf, resolve, miss, stale, invlpg, io,
// cr3): a test on a field an event lacks is false.
//
// filter.cpp defines: Filter::parse, Filter::matches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emu/trace/record.h"
#include "emu/trace/symbols.h"

namespace trace {

class Filter {
 public:
  // Parses `text`; on failure returns nullptr and a one-line `error` naming the column.
  static std::unique_ptr<Filter> parse(const std::string& text, const SymbolTable& symbols, std::string& error);
  bool matches(const Record& r) const;

  enum class Field : uint8_t { kKind, kCr3, kEip, kCr2, kAddr, kCpl, kCycle, kInsns };
  enum class Op : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kAnd, kOr, kNot };
  struct Node {
    Op op;
    Field field = Field::kKind;
    uint64_t a = 0, b = 0;  // value, or range [a, b); kKind: a bit per Kind
    int left = -1, right = -1;  // kAnd, kOr, kNot (left only)
  };

 private:
  bool eval(int node, const Record& r) const;
  std::vector<Node> nodes_;
  int root_ = -1;
};

// Parses a --trace list ("pf,tlb" or "all") into a bit per Kind; false and `error` on an unknown name.
bool parseKindList(const std::string& text, uint32_t& kinds, std::string& error);

}  // namespace trace

// --trace-filter: which events reach the trace; the C++ API counts with the same language
// (xray86::Filter). The grammar (docs/trace.md has examples):
//
//   expr  := and { ("or" | "||") and }
//   and   := unary { ("and" | "&&") unary }
//   unary := ("not" | "!") unary | "(" expr ")" | test
//   test  := "kind" ("=" | "!=") KIND { "," KIND }
//          | FIELD CMP NUMBER
//          | FIELD "in" NUMBER ".." NUMBER       the half-open range [first, last)
//          | "eip" ("in" | "=") SYMBOL           EIP inside that function or object
//          | "writer" ("in" | "=") SYMBOL        (missing-flush) the store's EIP inside it
//          | ("asid" | "pid" | "parent") NUMBER  the same as FIELD = NUMBER
//          | "child" "of" NUMBER                 parent = NUMBER (an asid)
//          | CLASS
//   FIELD := "cr3" | "asid" | "pid" | "parent" | "eip" | "cr2" | "addr" | "cpl" | "cycle" |
//   "insns" | "vector" | "eax" | "repeat" | "writer" KIND  := a --trace name ("pf": a page fault
//   and its resolution, "sys": a system call and its
//            return, "tlb", "miss", ...) | "fault" | "resolve" | "syscall" | "sysret" (one record
//            kind)
//   CLASS := "not-present" | "protection" | "read" | "write" | "kernel" | "user" | "reserved"
//            (the #PF error code, spelled as the trace prints it; pf and resolve records)
//          | "copied" | "made-writable" | "mapped" | "unchanged" | "killed" | "unresolved"
//            (how a fault ended; resolve records)
//   CMP   := "=" | "!=" | "<" | "<=" | ">" | ">="
//   NUMBER:= decimal, or hex with 0x
//
// `cr3` compares the page-directory base (CR3 & ~0xFFF); `asid` the address space's id for its
// lifetime, `pid` the kernel's pid, `parent` the asid it was forked from (each false where
// unknown: no address space yet, no process table, no parent); `cr2` exists only for page faults
// and their resolutions, `addr` for events with an address (pf, resolve, miss, stale, invlpg, io,
// cr3), `vector` for exc, int, sys and sysret, `eax` (the call number) for sys and sysret,
// `repeat` (faults in a row at this EIP and CR2) for faults, `writer` (the EIP of the store that
// changed the paging word) for missing-flush: a test on a field or class an event lacks is false.
//
// filter.cpp defines: Filter::parse, Filter::matches, Filter::kinds, parseKindList, kindName,
// resolutionName.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "emu/trace/record.h"
#include "emu/trace/symbols.h"

namespace trace {

class Filter {
 public:
  // Parses `text`; on failure returns nullptr and a one-line `error` naming the column.
  static std::unique_ptr<Filter> parse(const std::string& text, const SymbolTable& symbols,
                                       std::string& error);
  bool matches(const Record& r) const;
  // The kinds a matching record can have, a bit per Kind (every test but `kind` is taken as
  // possibly true and possibly false): what a caller must record for the filter to see.
  uint32_t kinds() const;

  enum class Field : uint8_t {
    kKind,
    kCr3,
    kAsid,
    kPid,
    kParent,
    kEip,
    kCr2,
    kAddr,
    kCpl,
    kCpu,
    kCycle,
    kInsns,
    kVector,
    kEax,
    kRepeat,
    kWriter,      // missing-flush: the EIP of the store that changed the paging word
    kErrorClass,  // (errorCode & a) == b
    kResolution,  // resolution == a
  };
  enum class Op : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kAnd, kOr, kNot };
  struct Node {
    Op op;
    Field field = Field::kKind;
    uint64_t a = 0, b = 0;      // value, or range [a, b); kKind: a bit per Kind
    int left = -1, right = -1;  // kAnd, kOr, kNot (left only)
  };

 private:
  bool eval(int node, const Record& r) const;
  // For a record of kind `k`: whether node `n` can be true (first) and can be false (second).
  std::pair<bool, bool> possible(int n, unsigned k) const;
  std::vector<Node> nodes_;
  int root_ = -1;
};

// Parses a --trace list ("pf,tlb" or "all") into a bit per Kind; false and `error` on an unknown
// name.
bool parseKindList(const std::string& text, uint32_t& kinds, std::string& error);

}  // namespace trace

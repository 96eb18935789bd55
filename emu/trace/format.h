// Turning records into words: symbols, Capstone disassembly, page-table flags, error codes; and
// the three sinks that write a trace (text, JSON lines, Perfetto/Chrome trace-event JSON).
//
// format.cpp defines: Describer, TextSink, JsonlSink, PerfettoSink, formatText.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "emu/trace/guest_info.h"
#include "emu/trace/programs.h"
#include "emu/trace/record.h"
#include "emu/trace/symbols.h"

namespace trace {

// Names for what a record holds. Disassembly is Capstone's (Intel syntax), cached per EIP+bytes.
class Describer {
 public:
  Describer(const SymbolTable& symbols, unsigned cowBit);
  ~Describer();
  Describer(const Describer&) = delete;
  Describer& operator=(const Describer&) = delete;

  std::string symbol(uint32_t address) const { return symbols_.describe(address); }
  // `address` named in the address space `cr3`. A user address (below the kernel's half) is
  // named by the symbols of the program the space runs, never by another program's (user
  // programs all link at 0): where no program is known to run, a name the run's tables give
  // from some user program is left out (""). Kernel addresses: the run's symbol tables.
  std::string symbol(uint32_t address, uint32_t cr3) const;
  // The programs whose symbols name user addresses (may stay null: the run's tables only).
  void setPrograms(const Programs* programs) { programs_ = programs; }
  // The instruction of a record ("mov dword ptr [eax], 1"), or "?" when its bytes are unknown,
  // and how many of its bytes the instruction takes (0 when unknown).
  struct Decoded {
    std::string text;
    unsigned size = 0;
  };
  const Decoded& disassemble(const Record& r);
  // The instruction's own bytes in hex, separated by `sep`.
  std::string instructionBytes(const Record& r, const char* sep);
  // "P W U A D COW" style names of the set bits of a PDE or PTE ("-" when none).
  std::string pagingFlags(uint32_t word) const;
  unsigned cowBit() const { return cowBit_; }
  // The machine's processors (docs/smp.md): with more than one, every line says which one the
  // event is of (a `cpu` column, a "cpu" JSON field); with one, the format stays as it was.
  void setProcessors(unsigned n) { processors_ = n; }
  unsigned processors() const { return processors_; }
  // What the tracer learned of the guest (system call and program names); may stay null.
  void setGuestInfo(const GuestInfo* info) { info_ = info; }
  const GuestInfo* guestInfo() const { return info_; }
  std::string syscallName(uint32_t number) const {
    return info_ ? info_->syscallName(number) : std::string();
  }

 private:
  const SymbolTable& symbols_;
  unsigned cowBit_;
  unsigned processors_ = 1;
  const GuestInfo* info_ = nullptr;
  const Programs* programs_ = nullptr;
  size_t cs32_ = 0, cs16_ = 0;  // Capstone handles (csh)
  bool ok32_ = false, ok16_ = false;
  std::unordered_map<std::string, Decoded> cache_;
};

// "not-present|write|user" (Intel SDM vol. 3A 4.7), with "|reserved" when RSVD is set.
std::string errorCodeText(uint32_t errorCode);
// "mov cr3", "invlpg", "cr0", "cr4".
const char* flushKindText(mmu::FlushKind k);
// "#PF" and friends ([386PRM] 9.8), or "vector 0x41".
std::string vectorName(uint8_t vector);
const char* accessText(mmu::Access a);  // "read", "write", "fetch"

// The event's own fields, in the text format.
std::string eventText(const Record& r, Describer& d, bool colour);
// One whole text line (no newline).
std::string formatText(const Record& r, Describer& d, bool colour);
// One JSON object (no newline), schema in docs/trace.md.
std::string formatJson(const Record& r, Describer& d);

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(const Record& r) = 0;
  // Something ran in user mode in address space `cr3` (any event, traced or not): Perfetto
  // closes the slice of a system call there.
  virtual void userActivity(const emu::EventContext&) {}
  virtual void finish() = 0;  // write the trailer and flush
};

// Output goes to a FILE* the sink does not own (stdout) or one it opened (--trace-out).
class FileOut {
 public:
  FileOut(std::FILE* f, bool owned);
  ~FileOut();
  std::FILE* get() const { return f_; }

 private:
  std::FILE* f_;
  bool owned_;
};

std::unique_ptr<Sink> makeTextSink(std::shared_ptr<FileOut> out, Describer& d, bool colour);
std::unique_ptr<Sink> makeJsonlSink(std::shared_ptr<FileOut> out, Describer& d);
std::unique_ptr<Sink> makePerfettoSink(std::shared_ptr<FileOut> out, Describer& d);

// The text header line that names the columns.
std::string textHeader(unsigned processors = 1);

}  // namespace trace

// Where `xray86 run` writes the guest's console, and the progress line on standard error.
//
// console_out.cpp defines: ConsoleOut, Progress.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "devices/console.h"
#include "emu/run/run.h"

namespace cli {

class Progress;

// The console as `xray86 run` prints it: to a stream, flushed at each newline; whole lines only
// when `lines` is set (a text trace on the same stream: xv6 prints a character per system call,
// which would cut every trace line in two). Clears the progress line before it writes.
class ConsoleOut final : public devices::ByteSink {
 public:
  ConsoleOut(std::FILE* file, bool lines, Progress* progress)
      : file_(file), lines_(lines), progress_(progress) {}
  void put(uint8_t byte) override;
  // A line not yet ended goes out as it is (the end of the run).
  void flush();
  // What is written but still in the stream's buffer goes out: a prompt ("$ ") has no newline,
  // and a person must see it while the guest waits. Whole-line output keeps its lines.
  void push() {
    if (!lines_) std::fflush(file_);
  }

 private:
  std::FILE* file_;
  bool lines_;
  Progress* progress_;
  std::string line_;
};

// A one-line status on standard error, redrawn a few times a second of host time: guest time,
// instructions, MIPS, page faults and TLB flushes. Only when standard error is a terminal.
class Progress {
 public:
  explicit Progress(bool on) : on_(on) {}
  bool on() const { return on_; }
  // Redraws the line if a quarter of a second has passed since the last time.
  void update(run::Run& r);
  // Erases the line (before other output, and at the end).
  void clear();

 private:
  bool on_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
};

}  // namespace cli

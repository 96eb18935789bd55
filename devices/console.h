// Where guest output goes and guest input comes from: the host terminal, a file, a script.
//
// console.cpp defines: ByteSink, FileSink, StringSink, ByteSource, ScriptSource, TerminalSource,
// unescape.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace devices {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void put(uint8_t byte) = 0;
};

// Writes to a stdio stream (stdout or a file the caller opened), flushing at newlines.
class FileSink : public ByteSink {
 public:
  explicit FileSink(std::FILE* file) : file_(file) {}
  void put(uint8_t byte) override;

 private:
  std::FILE* file_;
};

// Collects output in memory (tests, the run summary).
class StringSink : public ByteSink {
 public:
  void put(uint8_t byte) override { text += static_cast<char>(byte); }
  std::string text;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // The next input byte, or -1 when none is available yet. `now` is the cycle count, for
  // sources that pace themselves.
  virtual int next(uint64_t now) = 0;
};

// A fixed script, every byte available from cycle 0: the same input for every run.
class ScriptSource : public ByteSource {
 public:
  explicit ScriptSource(std::string script) : script_(std::move(script)) {}
  int next(uint64_t) override {
    return pos_ < script_.size() ? static_cast<uint8_t>(script_[pos_++]) : -1;
  }

 private:
  std::string script_;
  size_t pos_ = 0;
};

// The host terminal's standard input, polled without blocking. Not deterministic by nature.
// When standard input is a terminal it is switched to raw mode (no line editing, no echo: the
// guest echoes) for the source's lifetime; Ctrl-C still interrupts the emulator.
class TerminalSource : public ByteSource {
 public:
  TerminalSource();
  ~TerminalSource() override;
  TerminalSource(const TerminalSource&) = delete;
  TerminalSource& operator=(const TerminalSource&) = delete;
  int next(uint64_t now) override;

 private:
  uint64_t lastPoll_ = 0;
  bool eof_ = false;
  bool restore_ = false;
  unsigned char saved_[64] = {};  // the original termios settings
};

// C escapes in a command-line script ("usertests\n"): \n \r \t \\ \e \xHH. Returns false (and
// an error message in `error`) on a malformed escape.
bool unescape(const std::string& in, std::string& out, std::string& error);

}  // namespace devices

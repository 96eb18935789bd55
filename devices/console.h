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
  // True once no byte will ever come again (a script typed in full, standard input at its end).
  virtual bool ended() const { return false; }
};

// A fixed script: the same input for every run. Unpaced, every byte is there from cycle 0. Paced,
// it is typed a line at a time, as a person at the console would: each line (through its '\n')
// waits for release(), which the machine calls when the guest waits for input; so a line's echo
// follows the output of the command before it instead of piling up at the first prompt.
class ScriptSource : public ByteSource {
 public:
  explicit ScriptSource(std::string script, bool paced = false)
      : script_(std::move(script)), paced_(paced) {}
  int next(uint64_t) override {
    if (pos_ >= script_.size() || (paced_ && !released_)) return -1;
    uint8_t c = static_cast<uint8_t>(script_[pos_++]);
    if (paced_ && c == '\n') released_ = false;
    return c;
  }
  bool ended() const override { return pos_ >= script_.size(); }
  // Snapshots (docs/debug.md): how far it was typed, and whether a line is let go.
  struct State {
    size_t pos = 0;
    bool released = false;
  };
  State state() const { return {pos_, released_}; }
  void setState(const State& s) {
    pos_ = s.pos;
    released_ = s.released;
  }
  // Paced: the next line may be typed.
  void release() { released_ = true; }
  // Paced, with a line held back.
  bool waiting() const { return paced_ && !released_ && pos_ < script_.size(); }
  // Lines (a last one without '\n' counts) not yet typed in full.
  size_t linesLeft() const {
    size_t n = 0;
    for (size_t i = pos_; i < script_.size(); ++i) n += script_[i] == '\n';
    return n + (pos_ < script_.size() && script_.back() != '\n');
  }

 private:
  std::string script_;
  size_t pos_ = 0;
  bool paced_;
  bool released_ = false;
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
  bool ended() const override { return eof_; }

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

// Console sinks and sources.
#include "devices/console.h"

#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "devices/clock.h"

namespace devices {

void FileSink::put(uint8_t byte) {
  std::fputc(byte, file_);
  if (byte == '\n') std::fflush(file_);
}

namespace {
// The terminal settings to put back if a signal ends the process while in raw mode.
termios gSavedTerminal;
volatile sig_atomic_t gTerminalRaw = 0;

void restoreTerminalAndDie(int sig) {
  if (gTerminalRaw) tcsetattr(0, TCSANOW, &gSavedTerminal);
  signal(sig, SIG_DFL);
  raise(sig);
}
}  // namespace

TerminalSource::TerminalSource() {
  static_assert(sizeof(termios) <= sizeof(saved_), "termios does not fit");
  termios t{};
  if (!isatty(0) || tcgetattr(0, &t) != 0) return;
  std::memcpy(saved_, &t, sizeof t);
  t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  t.c_iflag &= ~static_cast<tcflag_t>(ICRNL);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  std::memcpy(&gSavedTerminal, saved_, sizeof t);
  restore_ = tcsetattr(0, TCSANOW, &t) == 0;
  if (restore_) {
    gTerminalRaw = 1;
    signal(SIGINT, restoreTerminalAndDie);
    signal(SIGTERM, restoreTerminalAndDie);
    signal(SIGQUIT, restoreTerminalAndDie);
  }
}

TerminalSource::~TerminalSource() {
  if (!restore_) return;
  termios t{};
  std::memcpy(&t, saved_, sizeof t);
  tcsetattr(0, TCSANOW, &t);
  gTerminalRaw = 0;
}

int TerminalSource::next(uint64_t now) {
  // Poll at most once per millisecond of guest time: a system call per register read would
  // dominate a guest that spins on the line status register.
  if (eof_ || (now - lastPoll_ < kCpuHz / 1000 && lastPoll_ != 0)) return -1;
  lastPoll_ = now ? now : 1;
  pollfd p{0, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP))) return -1;
  unsigned char c;
  ssize_t n = read(0, &c, 1);
  if (n <= 0) {
    eof_ = true;
    return -1;
  }
  lastPoll_ = 0;  // more may be waiting: look again on the next call
  return c;
}

namespace {
int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool unescape(const std::string& in, std::string& out, std::string& error) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (++i == in.size()) {
      error = "input script ends with a lone backslash";
      return false;
    }
    switch (in[i]) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'e':
        out += '\x1b';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x': {
        int hi = i + 1 < in.size() ? hexDigit(in[i + 1]) : -1;
        int lo = i + 2 < in.size() ? hexDigit(in[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          error = "input script: \\x needs two hex digits";
          return false;
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      default: {
        // The error is one line on a terminal: a byte that does not print is named by its value.
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c > 0x20 && c < 0x7F) {
          error = std::string("input script: unknown escape \\") + in[i];
        } else {
          char byte[8];
          std::snprintf(byte, sizeof byte, "0x%02x", c);
          error = std::string("input script: unknown escape: a backslash then byte ") + byte;
        }
        return false;
      }
    }
  }
  return true;
}

}  // namespace devices

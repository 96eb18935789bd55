// The console and the progress line of `xray86 run`.
#include "emu/cli/console_out.h"

#include "devices/clock.h"

namespace cli {

void ConsoleOut::put(uint8_t byte) {
  if (!lines_) {
    if (progress_) progress_->clear();
    std::fputc(byte, file_);
    if (byte == '\n') std::fflush(file_);
    return;
  }
  line_ += static_cast<char>(byte);
  if (byte == '\n') flush();
}

void ConsoleOut::flush() {
  if (line_.empty()) return;
  if (progress_) progress_->clear();
  std::fwrite(line_.data(), 1, line_.size(), file_);
  std::fflush(file_);
  line_.clear();
}

void Progress::update(run::Run& r) {
  if (!on_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  double host = std::chrono::duration<double>(now - start_).count();
  const mmu::MmuStats& s = r.machine().mmu().stats();
  uint64_t flushes = 0;
  for (uint64_t n : s.flushes) flushes += n;
  std::fprintf(stderr,
               "\r\x1b[Kxray86: guest %.2f s, %llu instructions, %.1f MIPS, %llu page faults, "
               "%llu TLB flushes",
               static_cast<double>(r.cycles()) / devices::kCpuHz,
               static_cast<unsigned long long>(r.instructions()),
               host > 0 ? static_cast<double>(r.instructions()) / host / 1e6 : 0.0,
               static_cast<unsigned long long>(s.pageFaultTotal()),
               static_cast<unsigned long long>(flushes));
  std::fflush(stderr);
  shown_ = true;
}

void Progress::clear() {
  if (!shown_) return;
  std::fflush(stdout);
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace cli

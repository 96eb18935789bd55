// MC146818 registers (datasheet, "Address map"):
//   0 seconds, 2 minutes, 4 hours (bit 7 PM in 12-hour mode), 6 day of week, 7 day of month,
//   8 month, 9 year; 1, 3, 5 the alarm; 0x32 century (IBM PC convention).
//   0x0A status A: bit 7 UIP (update in progress), bits 6-4 divider, 3-0 rate.
//   0x0B status B: bit 7 SET, 6 PIE, 5 AIE, 4 UIE, 2 DM (1 = binary), 1 24/12 (1 = 24-hour).
//   0x0C status C: interrupt flags, cleared by reading.  0x0D status D: bit 7 VRT (battery good).
//   PC CMOS: 0x0F shutdown status, 0x10 floppy types, 0x12 disk types, 0x14 equipment,
//   0x15/0x16 base memory in KB, 0x17/0x18 and 0x30/0x31 extended memory in KB (above 1 MB, at
//   most 65535), 0x34/0x35 memory above 16 MB in 64 KB units (the Bochs/QEMU convention).
// UIP is set in the last 244 us of each second, when the chip would begin its update cycle.
#include "devices/cmos.h"

#include <algorithm>

namespace devices {

CivilTime civilFromEpoch(int64_t seconds) {
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t rem = seconds - days * 86400;
  CivilTime t{};
  t.hour = static_cast<int>(rem / 3600);
  t.minute = static_cast<int>(rem / 60 % 60);
  t.second = static_cast<int>(rem % 60);
  t.weekday = static_cast<int>(((days % 7) + 7 + 4) % 7) + 1;  // 1970-01-01 was a Thursday (5)
  // Days to year/month/day in the proleptic Gregorian calendar, with eras of 400 years
  // (146097 days) counted from 0000-03-01 so that leap days fall at the end of a year.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = static_cast<int>(yoe + era * 400 + (t.month <= 2 ? 1 : 0));
  return t;
}

namespace {
int64_t epochFromCivil(int y, int m, int d) {  // days since 1970 for a Gregorian date
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
}  // namespace

Cmos::Cmos(Clock& clock, int64_t epoch, uint32_t ramBytes) : clock_(clock), epoch_(epoch) {
  ram_[0x0A] = 0x26;  // 32.768 kHz time base, 1024 Hz periodic rate
  ram_[0x0B] = 0x02;  // 24-hour, BCD
  ram_[0x0D] = 0x80;  // valid RAM and time
  ram_[0x10] = 0x00;  // no floppy drives
  ram_[0x14] = 0x20;  // equipment: bits 5-4 = 10 (80x25 colour), no FPU, no floppy
  uint32_t base = 640;
  uint32_t ext = ramBytes > 0x100000 ? std::min<uint32_t>((ramBytes - 0x100000) / 1024, 65535) : 0;
  uint32_t above16 =
      ramBytes > 0x1000000 ? std::min<uint32_t>((ramBytes - 0x1000000) / 65536, 65535) : 0;
  ram_[0x15] = static_cast<uint8_t>(base);
  ram_[0x16] = static_cast<uint8_t>(base >> 8);
  ram_[0x17] = ram_[0x30] = static_cast<uint8_t>(ext);
  ram_[0x18] = ram_[0x31] = static_cast<uint8_t>(ext >> 8);
  ram_[0x34] = static_cast<uint8_t>(above16);
  ram_[0x35] = static_cast<uint8_t>(above16 >> 8);
}

void Cmos::attach(PortBus& bus) {
  bus.map(0x70, 2, this);
}

int64_t Cmos::seconds() const {
  return epoch_ + offset_ + static_cast<int64_t>(clock_.now() / kCpuHz);
}

uint8_t Cmos::encode(int value) const {
  if (ram_[0x0B] & 0x04) return static_cast<uint8_t>(value);
  return static_cast<uint8_t>((value / 10) << 4 | value % 10);
}

int Cmos::decode(uint8_t value) const {
  if (ram_[0x0B] & 0x04) return value;
  return (value >> 4) * 10 + (value & 0x0F);
}

uint8_t Cmos::readTime(unsigned index) const {
  CivilTime t = civilFromEpoch(seconds());
  switch (index) {
    case 0x00:
      return encode(t.second);
    case 0x02:
      return encode(t.minute);
    case 0x04:
      if (ram_[0x0B] & 0x02) return encode(t.hour);
      {
        int h12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
        return static_cast<uint8_t>(encode(h12) | (t.hour >= 12 ? 0x80 : 0));
      }
    case 0x06:
      return encode(t.weekday);
    case 0x07:
      return encode(t.day);
    case 0x08:
      return encode(t.month);
    case 0x09:
      return encode(t.year % 100);
    default:
      return encode(t.year / 100);  // 0x32 century
  }
}

void Cmos::writeTime(unsigned index, uint8_t value) {
  CivilTime t = civilFromEpoch(seconds());
  int v = decode(value & (index == 0x04 ? 0x7F : 0xFF));
  switch (index) {
    case 0x00:
      t.second = v;
      break;
    case 0x02:
      t.minute = v;
      break;
    case 0x04:
      if (ram_[0x0B] & 0x02) {
        t.hour = v;
      } else {
        t.hour = (v % 12) + ((value & 0x80) ? 12 : 0);
      }
      break;
    case 0x07:
      t.day = v;
      break;
    case 0x08:
      t.month = v;
      break;
    case 0x09:
      t.year = t.year / 100 * 100 + v;
      break;
    case 0x32:
      t.year = v * 100 + t.year % 100;
      break;
    default:
      return;  // day of week follows from the date
  }
  int64_t wanted =
      epochFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
  offset_ += wanted - seconds();
}

uint32_t Cmos::ioRead(uint16_t port, unsigned) {
  if (port == 0x70) return 0xFF;  // the index register is write-only
  switch (index_) {
    case 0x00:
    case 0x02:
    case 0x04:
    case 0x06:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x32:
      return readTime(index_);
    case 0x0A: {
      // The update cycle begins 244 us before the second changes: UIP is visible then.
      uint64_t inSecond = clock_.now() % kCpuHz;
      bool uip = (ram_[0x0A] & 0x70) == 0x20 && inSecond >= kCpuHz - kCpuHz * 244 / 1'000'000;
      return static_cast<uint8_t>((ram_[0x0A] & 0x7F) | (uip ? 0x80 : 0));
    }
    case 0x0C: {
      uint8_t v = ram_[0x0C];
      ram_[0x0C] = 0;  // reading status C clears the flags
      return v;
    }
    default:
      return ram_[index_];
  }
}

void Cmos::ioWrite(uint16_t port, uint32_t value, unsigned) {
  uint8_t v = static_cast<uint8_t>(value);
  if (port == 0x70) {
    index_ = v & 0x7F;
    nmiOff_ = v & 0x80;
    return;
  }
  switch (index_) {
    case 0x00:
    case 0x02:
    case 0x04:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x32:
      writeTime(index_, v);
      return;
    case 0x06:
      return;
    case 0x0A:
      ram_[0x0A] = v & 0x7F;
      return;  // UIP is read-only
    case 0x0C:
    case 0x0D:
      return;  // read-only
    default:
      ram_[index_] = v;
      return;
  }
}

}  // namespace devices

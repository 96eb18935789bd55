// ATA-2 PIO protocol (ANSI X3.279, sections 7 and 9). Registers at the command block:
//   +0 data (16 bits; 32-bit accesses move two words, as host adapters do for rep insl)
//   +1 error (read) / features (write)   +2 sector count   +3 sector number
//   +4 cylinder low   +5 cylinder high   +6 device/head   +7 status (read) / command (write)
// Control block +0 (0x3F6): alternate status (read), device control (write: bit 1 nIEN, bit 2
// SRST). Status bits: 7 BSY, 6 DRDY, 5 DF, 4 DSC, 3 DRQ, 0 ERR. Reading the status register
// (not the alternate) clears the pending interrupt.
// Commands: 0x20/0x21 READ SECTORS, 0x30/0x31 WRITE SECTORS, 0xC4 READ MULTIPLE, 0xC5 WRITE
// MULTIPLE, 0xC6 SET MULTIPLE MODE, 0xEC IDENTIFY DEVICE, 0x91 INITIALIZE DEVICE PARAMETERS,
// 0x10-0x1F RECALIBRATE, 0x70 SEEK, 0x40/0x41 READ VERIFY, 0xE7 FLUSH CACHE, 0xEF SET FEATURES,
// 0xE0-0xE5 power management; anything else is aborted. Commands complete at once: a read has
// its data ready (DRQ) and its interrupt raised by the time the next instruction runs.
#include "devices/ata.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace devices {

namespace {
// Status bits; BSY (0x80) is never set: every command completes within the access that starts it.
constexpr uint8_t kDrdy = 0x40, kDsc = 0x10, kDrq = 0x08, kErr = 0x01;
constexpr uint8_t kAbrt = 0x04, kIdnf = 0x10;
}  // namespace

std::unique_ptr<Disk> Disk::open(const std::string& path, bool snapshot, std::string& error) {
  if (path.empty()) {
    std::unique_ptr<Disk> none(new Disk());
    none->absent_ = true;
    return none;
  }
  int fd = ::open(path.c_str(), snapshot ? O_RDONLY : O_RDWR);
  if (fd < 0 && !snapshot && (errno == EACCES || errno == EROFS)) {
    error = "disk image " + path + " is read-only (use --snapshot to keep writes in memory)";
    return nullptr;
  }
  if (fd < 0) {
    error = "cannot open disk image " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error = "disk image " + path + " is not a regular file";
    return nullptr;
  }
  if (st.st_size == 0 || st.st_size % 512 != 0) {
    ::close(fd);
    error = "disk image " + path + " is " + std::to_string(st.st_size) +
            " bytes, not a positive multiple of 512";
    return nullptr;
  }
  if (st.st_size / 512 > 0x0FFFFFFF) {
    ::close(fd);
    error = "disk image " + path + " is larger than LBA28 can address (128 GB)";
    return nullptr;
  }
  std::unique_ptr<Disk> d(new Disk);
  d->fd_ = fd;
  d->path_ = path;
  d->snapshot_ = snapshot;
  d->sectors_ = static_cast<uint32_t>(st.st_size / 512);
  return d;
}

std::unique_ptr<Disk> Disk::fromBytes(std::vector<uint8_t> bytes) {
  std::unique_ptr<Disk> d(new Disk);
  bytes.resize((bytes.size() + 511) / 512 * 512);
  d->sectors_ = static_cast<uint32_t>(bytes.size() / 512);
  d->memory_ = std::move(bytes);
  return d;
}

Disk::~Disk() {
  if (fd_ >= 0) ::close(fd_);
}

uint32_t Disk::cylinders() const {
  uint32_t c = sectors_ / (kHeads * kSectorsPerTrack);
  return c > 16383 ? 16383 : (c ? c : 1);
}

bool Disk::read(uint32_t lba, uint8_t* out) {
  if (lba >= sectors_) return false;
  if (auto it = overlay_.find(lba); it != overlay_.end()) {
    std::memcpy(out, it->second.data(), 512);
    return true;
  }
  if (fd_ < 0) {
    std::memcpy(out, memory_.data() + size_t{lba} * 512, 512);
    return true;
  }
  return pread(fd_, out, 512, off_t{lba} * 512) == 512;
}

bool Disk::write(uint32_t lba, const uint8_t* data) {
  if (lba >= sectors_) return false;
  if (snapshot_) {
    overlay_[lba].assign(data, data + 512);
    return true;
  }
  if (fd_ < 0) {
    std::memcpy(memory_.data() + size_t{lba} * 512, data, 512);
    return true;
  }
  // A short write is retried for the rest, so a refusal ends with the host's reason (errno).
  size_t done = 0;
  while (done < 512) {
    ssize_t n = pwrite(fd_, data + done, 512 - done, off_t{lba} * 512 + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (writeError_.empty()) {
        writeError_ = "disk image " + path_ + ": writing sector " + std::to_string(lba) +
                      " failed: " + (n < 0 ? std::strerror(errno) : "nothing written");
      }
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

AtaChannel::AtaChannel(IrqSink& irq, unsigned irqLine) : irq_(irq), line_(irqLine) {}

void AtaChannel::attach(PortBus& bus, uint16_t base, uint16_t control) {
  base_ = base;
  bus.map(base, 8, this);
  bus.map(control, 1, this);
}

void AtaChannel::setDisk(unsigned unit, std::unique_ptr<Disk> disk) {
  if (disk && disk->absent()) disk.reset();
  disks_[unit & 1] = std::move(disk);
}

void AtaChannel::raise() {
  if (control_ & 0x02) return;  // nIEN: the device keeps INTRQ released
  if (!irq_level_) {
    irq_level_ = true;
    irq_.setIrq(line_, true);
  }
}

void AtaChannel::reset() {
  status_ = kDrdy | kDsc;
  error_ = 0x01;  // diagnostic code: device 0 passed
  count_ = sector_ = 1;
  cylLow_ = cylHigh_ = 0;
  device_ = 0;
  transfer_ = Transfer::kNone;
  multiple_ = 0;
}

bool AtaChannel::address(uint32_t& lba) const {
  Disk* d = disks_[unit()].get();
  if (device_ & 0x40) {
    lba = static_cast<uint32_t>(device_ & 0x0F) << 24 | cylHigh_ << 16 | cylLow_ << 8 | sector_;
    return true;
  }
  // CHS: LBA = (C x heads + H) x sectors per track + S - 1 (sector numbers start at 1).
  uint32_t c = cylHigh_ << 8 | cylLow_, h = device_ & 0x0F, s = sector_;
  if (s == 0 || s > Disk::kSectorsPerTrack || h >= Disk::kHeads || !d) return false;
  lba = (c * Disk::kHeads + h) * Disk::kSectorsPerTrack + s - 1;
  return true;
}

void AtaChannel::nextAddress(uint32_t lba) {
  // After a command the task file names the last sector transferred (ATA-2 9.2, 9.3).
  if (device_ & 0x40) {
    sector_ = static_cast<uint8_t>(lba);
    cylLow_ = static_cast<uint8_t>(lba >> 8);
    cylHigh_ = static_cast<uint8_t>(lba >> 16);
    device_ = static_cast<uint8_t>((device_ & 0xF0) | ((lba >> 24) & 0x0F));
  } else {
    uint32_t s = lba % Disk::kSectorsPerTrack + 1, t = lba / Disk::kSectorsPerTrack;
    sector_ = static_cast<uint8_t>(s);
    device_ = static_cast<uint8_t>((device_ & 0xF0) | (t % Disk::kHeads));
    cylLow_ = static_cast<uint8_t>(t / Disk::kHeads);
    cylHigh_ = static_cast<uint8_t>((t / Disk::kHeads) >> 8);
  }
}

void AtaChannel::abort(uint8_t error) {
  error_ = error;
  status_ = kDrdy | kDsc | kErr;
  transfer_ = Transfer::kNone;
  raise();
}

void AtaChannel::readBlock() {
  uint32_t n = remaining_ < blockSectors_ ? remaining_ : blockSectors_;
  buffer_.assign(size_t{n} * 512, 0);
  for (uint32_t i = 0; i < n; ++i) {
    if (!disks_[unit()]->read(lba_ + i, buffer_.data() + size_t{i} * 512)) {
      nextAddress(lba_ + i);
      abort(kIdnf);
      return;
    }
  }
  pos_ = 0;
  transfer_ = Transfer::kIn;
  status_ = kDrdy | kDsc | kDrq;
  raise();
}

void AtaChannel::finishWrite() {
  uint32_t n = static_cast<uint32_t>(buffer_.size() / 512);
  for (uint32_t i = 0; i < n; ++i) {
    if (!disks_[unit()]->write(lba_ + i, buffer_.data() + size_t{i} * 512)) {
      nextAddress(lba_ + i);
      abort(kIdnf);
      return;
    }
  }
  nextAddress(lba_ + n - 1);
  lba_ += n;
  remaining_ -= n;
  if (remaining_ == 0) {
    transfer_ = Transfer::kNone;
    count_ = 0;
    status_ = kDrdy | kDsc;
  } else {
    uint32_t next = remaining_ < blockSectors_ ? remaining_ : blockSectors_;
    buffer_.assign(size_t{next} * 512, 0);
    pos_ = 0;
    status_ = kDrdy | kDsc | kDrq;
  }
  raise();  // one interrupt per block written, the last one signalling completion
}

void AtaChannel::identify() {
  Disk* d = disks_[unit()].get();
  uint16_t w[256] = {};
  auto text = [&w](unsigned first, unsigned words, const char* s) {
    // ATA strings: two characters per word, the first in the high byte, space padded.
    size_t len = std::strlen(s);
    for (unsigned i = 0; i < words * 2; ++i) {
      uint8_t c = i < len ? static_cast<uint8_t>(s[i]) : ' ';
      w[first + i / 2] |= static_cast<uint16_t>(i % 2 ? c : c << 8);
    }
  };
  uint32_t sectors = d->sectors();
  uint32_t cyl = d->cylinders();
  w[0] = 0x0040;  // fixed disk
  w[1] = static_cast<uint16_t>(cyl);
  w[3] = Disk::kHeads;
  w[6] = Disk::kSectorsPerTrack;
  text(10, 10, unit() ? "XRAY86-DISK-1" : "XRAY86-DISK-0");
  text(23, 4, "1.0");
  text(27, 20, "xray86 ATA disk");
  w[47] = 0x8000 | 16;  // READ/WRITE MULTIPLE: up to 16 sectors per block
  w[49] = 1u << 9;      // LBA supported
  w[51] = 0x0200;       // PIO mode 2 timing
  w[53] = 0x0001;       // words 54-58 valid
  w[54] = static_cast<uint16_t>(cyl);
  w[55] = Disk::kHeads;
  w[56] = Disk::kSectorsPerTrack;
  uint32_t chsSectors = cyl * Disk::kHeads * Disk::kSectorsPerTrack;
  w[57] = static_cast<uint16_t>(chsSectors);
  w[58] = static_cast<uint16_t>(chsSectors >> 16);
  w[59] = multiple_ ? static_cast<uint16_t>(0x100 | multiple_) : 0;
  w[60] = static_cast<uint16_t>(sectors);
  w[61] = static_cast<uint16_t>(sectors >> 16);
  w[80] = 0x0006;  // ATA-1 and ATA-2
  buffer_.resize(512);
  for (unsigned i = 0; i < 256; ++i) {
    buffer_[2 * i] = static_cast<uint8_t>(w[i]);
    buffer_[2 * i + 1] = static_cast<uint8_t>(w[i] >> 8);
  }
  pos_ = 0;
  remaining_ = 1;
  blockSectors_ = 1;
  transfer_ = Transfer::kIn;
  command_ = 0xEC;
  status_ = kDrdy | kDsc | kDrq;
  raise();
}

void AtaChannel::command(uint8_t cmd) {
  if (!present()) return;  // an absent device ignores commands (and its status reads 0)
  error_ = 0;
  command_ = cmd;
  uint32_t sectors = count_ ? count_ : 256;
  switch (cmd) {
    case 0x20:
    case 0x21:
    case 0xC4:
    case 0x30:
    case 0x31:
    case 0xC5: {
      bool multiple = cmd == 0xC4 || cmd == 0xC5;
      if (multiple && multiple_ == 0) {
        abort(kAbrt);
        return;
      }
      uint32_t lba;
      if (!address(lba) || lba >= disks_[unit()]->sectors() ||
          sectors > disks_[unit()]->sectors() - lba) {
        abort(kIdnf);
        return;
      }
      lba_ = lba;
      remaining_ = sectors;
      blockSectors_ = multiple ? multiple_ : 1;
      if (cmd == 0x30 || cmd == 0x31 || cmd == 0xC5) {
        // Data-out: DRQ at once, no interrupt before the first block (ATA-2 9.5).
        uint32_t n = remaining_ < blockSectors_ ? remaining_ : blockSectors_;
        buffer_.assign(size_t{n} * 512, 0);
        pos_ = 0;
        transfer_ = Transfer::kOut;
        status_ = kDrdy | kDsc | kDrq;
      } else {
        readBlock();
      }
      return;
    }
    case 0xC6:  // SET MULTIPLE MODE: a power of two up to 16, or 0 to disable
      if (count_ > 16 || (count_ & (count_ - 1))) {
        abort(kAbrt);
        return;
      }
      multiple_ = count_;
      break;
    case 0xEC:
      identify();
      return;
    case 0x40:
    case 0x41: {  // READ VERIFY: check the range, move no data
      uint32_t lba;
      if (!address(lba) || lba >= disks_[unit()]->sectors() ||
          sectors > disks_[unit()]->sectors() - lba) {
        abort(kIdnf);
        return;
      }
      nextAddress(lba + sectors - 1);
      break;
    }
    case 0x70:
    case 0x91:
    case 0xE7:
    case 0xEF:
    case 0xE0:
    case 0xE1:
    case 0xE2:
    case 0xE3:
    case 0xE5:
      if (cmd == 0xE5) count_ = 0xFF;  // CHECK POWER MODE: active
      break;
    default:
      if (cmd >= 0x10 && cmd <= 0x1F) break;  // RECALIBRATE
      abort(kAbrt);
      return;
  }
  status_ = kDrdy | kDsc;
  transfer_ = Transfer::kNone;
  raise();
}

uint16_t AtaChannel::dataWord() {
  if (transfer_ != Transfer::kIn || pos_ + 2 > buffer_.size()) return 0xFFFF;
  uint16_t w = static_cast<uint16_t>(buffer_[pos_] | buffer_[pos_ + 1] << 8);
  pos_ += 2;
  if (pos_ == buffer_.size()) {
    if (command_ == 0xEC) {
      transfer_ = Transfer::kNone;
      status_ = kDrdy | kDsc;
      return w;
    }
    uint32_t n = static_cast<uint32_t>(buffer_.size() / 512);
    nextAddress(lba_ + n - 1);
    lba_ += n;
    remaining_ -= n;
    if (remaining_ == 0) {
      transfer_ = Transfer::kNone;
      count_ = 0;
      status_ = kDrdy | kDsc;
    } else {
      readBlock();  // the next block is ready at once, with its own interrupt
    }
  }
  return w;
}

void AtaChannel::putDataWord(uint16_t w) {
  if (transfer_ != Transfer::kOut || pos_ + 2 > buffer_.size()) return;
  buffer_[pos_] = static_cast<uint8_t>(w);
  buffer_[pos_ + 1] = static_cast<uint8_t>(w >> 8);
  pos_ += 2;
  if (pos_ == buffer_.size()) finishWrite();
}

uint32_t AtaChannel::ioRead(uint16_t port, unsigned size) {
  if (!disks_[0] && !disks_[1]) return allOnes(size);  // no devices: the bus floats high
  // With one device present, registers of the absent one read 0: nothing drives the bus for
  // it but the pull-downs (this is how xv6 finds that disk 1 is missing).
  switch (port - base_) {
    case 0: {
      if (size == 4) {
        uint32_t lo = dataWord();
        return lo | static_cast<uint32_t>(dataWord()) << 16;
      }
      uint16_t w = dataWord();
      return size == 1 ? (w & 0xFF) : w;
    }
    case 1:
      return present() ? error_ : 0;
    case 2:
      return present() ? count_ : 0;
    case 3:
      return present() ? sector_ : 0;
    case 4:
      return present() ? cylLow_ : 0;
    case 5:
      return present() ? cylHigh_ : 0;
    case 6:
      return device_ | 0xA0;
    case 7:
      if (irq_level_) {
        irq_level_ = false;
        irq_.setIrq(line_, false);
      }
      return present() ? status_ : 0;
    default:  // alternate status: no side effect
      return present() ? status_ : 0;
  }
}

void AtaChannel::ioWrite(uint16_t port, uint32_t value, unsigned size) {
  uint8_t v = static_cast<uint8_t>(value);
  if (port != base_ && port - base_ >= 8) {
    // Device control: bit 2 SRST resets both devices; bit 1 nIEN releases INTRQ.
    if ((v & 0x04) && !(control_ & 0x04)) reset();
    control_ = v;
    if ((v & 0x02) && irq_level_) {
      irq_level_ = false;
      irq_.setIrq(line_, false);
    }
    return;
  }
  switch (port - base_) {
    case 0:
      putDataWord(static_cast<uint16_t>(value));
      if (size == 4) putDataWord(static_cast<uint16_t>(value >> 16));
      break;
    case 1:
      features_ = v;
      break;
    case 2:
      count_ = v;
      break;
    case 3:
      sector_ = v;
      break;
    case 4:
      cylLow_ = v;
      break;
    case 5:
      cylHigh_ = v;
      break;
    case 6:
      device_ = v;
      break;
    default:
      if (irq_level_) {  // writing a command clears a pending interrupt
        irq_level_ = false;
        irq_.setIrq(line_, false);
      }
      command(v);
      break;
  }
}

}  // namespace devices

// ATA/IDE primary channel (command block 0x1F0-0x1F7, control block 0x3F6, IRQ14) with a
// master and a slave disk, each a raw image file (ATA-2, PIO only).
//
// ata.cpp defines: Disk, AtaChannel.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "devices/bus.h"

namespace devices {

// A raw disk image: 512-byte sectors, written through to the file unless `snapshot`, in which
// case writes stay in memory and the file is never modified.
class Disk {
 public:
  // Returns nullptr and sets `error` (one line) if the file is missing, unreadable, not a
  // multiple of 512 bytes, or empty. An empty path is no drive at that position: a disk that is
  // absent(), which AtaChannel::setDisk leaves out (a slave attached alone).
  static std::unique_ptr<Disk> open(const std::string& path, bool snapshot, std::string& error);
  bool absent() const { return absent_; }
  // A disk held in memory only (tests, generated images).
  static std::unique_ptr<Disk> fromBytes(std::vector<uint8_t> bytes);
  ~Disk();

  uint32_t sectors() const { return sectors_; }
  bool read(uint32_t lba, uint8_t* out);          // false past the end or on a host error
  bool write(uint32_t lba, const uint8_t* data);  // likewise
  // The first write the host refused (a full file system, a file size limit, an I/O error), in
  // one line: "disk image PATH: writing sector N failed: REASON"; "" while none was.
  const std::string& writeError() const { return writeError_; }
  // Snapshots (docs/debug.md): what the guest wrote that is not in the file, the sectors of an
  // in-memory disk or of --snapshot's overlay. A disk written through to its file has none to
  // give back: restoring it would not undo the file's writes (reverse execution refuses it).
  struct State {
    std::vector<uint8_t> memory;
    std::unordered_map<uint32_t, std::vector<uint8_t>> overlay;
    std::string writeError;
  };
  State state() const { return {memory_, overlay_, writeError_}; }
  void setState(const State& s) {
    memory_ = s.memory;
    overlay_ = s.overlay;
    writeError_ = s.writeError;
  }
  // CHS geometry reported by IDENTIFY and used for CHS addressing: 16 heads, 63 sectors.
  uint32_t cylinders() const;
  static constexpr uint32_t kHeads = 16, kSectorsPerTrack = 63;

 private:
  Disk() = default;
  int fd_ = -1;
  bool snapshot_ = false;
  bool absent_ = false;
  uint32_t sectors_ = 0;
  std::string path_;
  std::string writeError_;
  std::vector<uint8_t> memory_;                                 // fromBytes disks
  std::unordered_map<uint32_t, std::vector<uint8_t>> overlay_;  // snapshot writes
};

// What a snapshot of the channel holds: the task file and the transfer under way (the disks
// keep their own: Disk::State).
struct AtaChannelState {
  // Task file (ATA-2 section 7): features/error, sector count, sector number (LBA 7-0),
  // cylinder low/high (LBA 23-8), device/head (bit 6 LBA, bit 4 DEV, bits 3-0 head / LBA 27-24).
  uint8_t error_ = 0, features_ = 0, count_ = 0, sector_ = 0, cylLow_ = 0, cylHigh_ = 0,
          device_ = 0;
  uint8_t status_ = 0x50, control_ = 0;
  bool irq_level_ = false;

  enum class Transfer { kNone, kIn, kOut } transfer_ = Transfer::kNone;
  uint8_t command_ = 0;
  uint32_t lba_ = 0;        // next sector of the transfer
  uint32_t remaining_ = 0;  // sectors still to move
  uint32_t blockSectors_ = 1;
  unsigned multiple_ = 0;  // SET MULTIPLE MODE block size (0: disabled)
  std::vector<uint8_t> buffer_;
  size_t pos_ = 0;
};

class AtaChannel : public PortDevice, private AtaChannelState {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = AtaChannelState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  AtaChannel(IrqSink& irq, unsigned irqLine = 14);
  void attach(PortBus& bus, uint16_t base = 0x1F0, uint16_t control = 0x3F6);
  void setDisk(unsigned unit, std::unique_ptr<Disk> disk);  // 0 master, 1 slave
  Disk* disk(unsigned unit) { return disks_[unit].get(); }
  const Disk* disk(unsigned unit) const { return disks_[unit].get(); }

  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;
  unsigned width(uint16_t port) const override { return port == base_ ? 4 : 1; }

  uint8_t status() const { return status_; }
  bool irqAsserted() const { return irq_level_; }

 private:
  void command(uint8_t cmd);
  bool address(uint32_t& lba) const;  // the LBA the task file names (LBA28 or CHS)
  void nextAddress(uint32_t lba);     // write the task file back after a transfer
  void readBlock();                   // fill the buffer for the next data-in block
  void finishWrite();                 // store the buffer; continue or complete
  void abort(uint8_t error);
  void raise();
  void reset();
  uint16_t dataWord();
  void putDataWord(uint16_t w);
  void identify();
  bool present() const { return disks_[unit()] != nullptr; }
  unsigned unit() const { return (device_ >> 4) & 1; }

  IrqSink& irq_;
  unsigned line_;
  uint16_t base_ = 0x1F0;
  std::unique_ptr<Disk> disks_[2];
};

}  // namespace devices

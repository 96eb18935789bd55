// ATA PIO as xv6's ide.c and the firmware drive it: IDENTIFY, READ/WRITE SECTORS, multiple
// mode, CHS, nIEN, absent devices, 32-bit data access and --snapshot.
#include "devices/ata.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "fake_irq.h"

using namespace devices;

namespace {
std::vector<uint8_t> pattern(uint32_t sectors) {
  std::vector<uint8_t> v(sectors * 512);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i / 512 * 7 + i);
  return v;
}

struct Fixture {
  FakeIrq irq;
  AtaChannel ata{irq};
  PortBus bus;
  explicit Fixture(uint32_t sectors = 2048) {
    ata.attach(bus);
    ata.setDisk(0, Disk::fromBytes(pattern(sectors)));
  }
  void lba(uint32_t sector, uint8_t count, unsigned unit = 0) {
    bus.write(0x1F2, count, 1);
    bus.write(0x1F3, sector & 0xFF, 1);
    bus.write(0x1F4, (sector >> 8) & 0xFF, 1);
    bus.write(0x1F5, (sector >> 16) & 0xFF, 1);
    bus.write(0x1F6, 0xE0 | unit << 4 | ((sector >> 24) & 0x0F), 1);
  }
  std::vector<uint8_t> readData(size_t bytes) {
    std::vector<uint8_t> v;
    for (size_t i = 0; i < bytes; i += 4) {
      uint32_t d = bus.read(0x1F0, 4);  // rep insl
      for (int k = 0; k < 4; ++k) v.push_back(static_cast<uint8_t>(d >> (8 * k)));
    }
    return v;
  }
};
}  // namespace

TEST(Ata, ReadSectorsLba28WithInterrupt) {
  Fixture f;
  f.bus.write(0x3F6, 0, 1);  // interrupts on (nIEN = 0)
  f.lba(100, 2);
  f.bus.write(0x1F7, 0x20, 1);
  EXPECT_TRUE(f.irq.level[14]);
  EXPECT_EQ(f.bus.read(0x3F6, 1), 0x58u);  // alternate status: DRDY DSC DRQ, IRQ untouched
  EXPECT_TRUE(f.irq.level[14]);
  EXPECT_EQ(f.bus.read(0x1F7, 1), 0x58u);  // status read acknowledges the interrupt
  EXPECT_FALSE(f.irq.level[14]);
  auto expect = pattern(2048);
  auto got = f.readData(512);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), expect.begin() + 100 * 512));
  EXPECT_TRUE(f.irq.level[14]);  // second sector ready: another interrupt
  f.bus.read(0x1F7, 1);
  got = f.readData(512);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), expect.begin() + 101 * 512));
  EXPECT_EQ(f.bus.read(0x1F7, 1), 0x50u);  // done: DRDY DSC, no DRQ
  EXPECT_EQ(f.bus.read(0x1F3, 1), 101u);   // task file names the last sector
}

TEST(Ata, WriteSectorsThenReadBack16Bit) {
  Fixture f;
  f.lba(5, 1);
  f.bus.write(0x1F7, 0x30, 1);
  EXPECT_EQ(f.bus.read(0x1F7, 1), 0x58u);  // DRQ for data-out
  EXPECT_FALSE(f.irq.level[14]);           // no interrupt before the first block
  for (int i = 0; i < 256; ++i) f.bus.write(0x1F0, static_cast<uint32_t>(0xA000 + i), 2);
  EXPECT_TRUE(f.irq.level[14]);  // block written
  EXPECT_EQ(f.bus.read(0x1F7, 1), 0x50u);
  f.lba(5, 1);
  f.bus.write(0x1F7, 0x20, 1);
  for (int i = 0; i < 256; ++i) ASSERT_EQ(f.bus.read(0x1F0, 2), static_cast<uint32_t>(0xA000 + i));
}

TEST(Ata, IdentifyReportsGeometryAndCapacity) {
  Fixture f(16 * 63 * 10);  // 10 cylinders
  f.bus.write(0x1F6, 0xA0, 1);
  f.bus.write(0x1F7, 0xEC, 1);
  std::vector<uint16_t> w;
  for (int i = 0; i < 256; ++i) w.push_back(static_cast<uint16_t>(f.bus.read(0x1F0, 2)));
  EXPECT_EQ(w[1], 10);              // cylinders
  EXPECT_EQ(w[3], 16);              // heads
  EXPECT_EQ(w[6], 63);              // sectors per track
  EXPECT_EQ(w[49] & 0x200, 0x200);  // LBA supported
  EXPECT_EQ(w[60] | w[61] << 16, 16 * 63 * 10);
  EXPECT_EQ(w[27], ('x' << 8) | 'r');  // model string, first character in the high byte
  EXPECT_EQ(f.bus.read(0x1F7, 1), 0x50u);
}

TEST(Ata, ChsAddressing) {
  Fixture f;
  // C=1 H=2 S=3 -> LBA (1*16 + 2)*63 + 3 - 1 = 1136.
  f.bus.write(0x1F2, 1, 1);
  f.bus.write(0x1F3, 3, 1);
  f.bus.write(0x1F4, 1, 1);
  f.bus.write(0x1F5, 0, 1);
  f.bus.write(0x1F6, 0xA2, 1);
  f.bus.write(0x1F7, 0x20, 1);
  auto got = f.readData(512);
  auto expect = pattern(2048);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), expect.begin() + 1136 * 512));
}

TEST(Ata, ReadMultipleMovesBlocksOfTheSetSize) {
  Fixture f;
  f.bus.write(0x1F2, 4, 1);
  f.bus.write(0x1F6, 0xE0, 1);
  f.bus.write(0x1F7, 0xC6, 1);  // SET MULTIPLE MODE 4
  f.bus.read(0x1F7, 1);
  f.lba(0, 8);
  f.bus.write(0x1F7, 0xC4, 1);
  f.bus.read(0x1F7, 1);
  f.readData(4 * 512);
  EXPECT_TRUE(f.irq.level[14]);  // one interrupt per 4-sector block
  EXPECT_EQ(f.bus.read(0x1F7, 1), 0x58u);
  f.readData(4 * 512);
  EXPECT_EQ(f.bus.read(0x1F7, 1), 0x50u);
}

TEST(Ata, ErrorsAbortWithErrBit) {
  Fixture f(64);
  f.lba(64, 1);  // one past the end
  f.bus.write(0x1F7, 0x20, 1);
  EXPECT_EQ(f.bus.read(0x1F7, 1), 0x51u);  // DRDY DSC ERR
  EXPECT_EQ(f.bus.read(0x1F1, 1), 0x10u);  // IDNF
  f.bus.write(0x1F7, 0xA1, 1);             // IDENTIFY PACKET: not a packet device
  EXPECT_EQ(f.bus.read(0x1F1, 1), 0x04u);  // ABRT
}

TEST(Ata, NienSuppressesInterrupt) {
  Fixture f;
  f.bus.write(0x3F6, 0x02, 1);
  f.lba(0, 1);
  f.bus.write(0x1F7, 0x20, 1);
  EXPECT_FALSE(f.irq.level[14]);
  EXPECT_EQ(f.bus.read(0x1F7, 1), 0x58u);
}

TEST(Ata, AbsentSlaveReadsZeroStatusAndNoDrivesFloat) {
  Fixture f;
  f.bus.write(0x1F6, 0xF0, 1);  // select disk 1, as xv6's ideinit probes
  EXPECT_EQ(f.bus.read(0x1F7, 1), 0x00u);
  FakeIrq irq;
  AtaChannel empty(irq);
  PortBus bus;
  empty.attach(bus);
  EXPECT_EQ(bus.read(0x1F7, 1), 0xFFu);
}

TEST(Disk, RejectsBadImagesWithOneLineErrors) {
  std::string err;
  EXPECT_EQ(Disk::open("/nonexistent/disk.img", false, err), nullptr);
  EXPECT_EQ(err, "cannot open disk image /nonexistent/disk.img: No such file or directory");
  std::string path = ::testing::TempDir() + "odd.img";
  std::ofstream(path) << std::string(700, 'x');
  EXPECT_EQ(Disk::open(path, false, err), nullptr);
  EXPECT_EQ(err, "disk image " + path + " is 700 bytes, not a positive multiple of 512");
}

TEST(Disk, SnapshotLeavesTheFileUntouched) {
  std::string path = ::testing::TempDir() + "snap.img";
  std::ofstream(path, std::ios::binary) << std::string(1024, 'A');
  std::string err;
  auto d = Disk::open(path, true, err);
  ASSERT_NE(d, nullptr) << err;
  std::vector<uint8_t> b(512, 'B'), r(512);
  ASSERT_TRUE(d->write(1, b.data()));
  ASSERT_TRUE(d->read(1, r.data()));
  EXPECT_EQ(r[0], 'B');  // the guest sees its write
  d.reset();
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(s, std::string(1024, 'A'));  // the file does not
  // Without --snapshot, writes reach the file.
  auto w = Disk::open(path, false, err);
  ASSERT_TRUE(w->write(0, b.data()));
  w.reset();
  std::ifstream in2(path, std::ios::binary);
  std::string s2((std::istreambuf_iterator<char>(in2)), {});
  EXPECT_EQ(s2.substr(0, 512), std::string(512, 'B'));
  unlink(path.c_str());
}

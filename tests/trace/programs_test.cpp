// trace::Programs: an address space is named by the user program whose code it maps. ELF files
// are built here byte by byte (System V ABI "Object Files": a 52-byte header, 40-byte section
// headers), page tables with tests/mmu/flat_ram.h.
#include "emu/trace/programs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "tests/mmu/flat_ram.h"

namespace {

using namespace mmutest;

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  std::memcpy(b.data() + at, &v, 2);
}
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  std::memcpy(b.data() + at, &v, 4);
}

// An ELF32 file whose .text (at `address`) holds `code`: sections null, .text, .shstrtab.
std::vector<uint8_t> elfWithText(uint32_t address, const std::vector<uint8_t>& code) {
  const char names[] = "\0.text\0.shstrtab";  // .text at 1, .shstrtab at 7
  size_t textOff = 0x40, namesOff = textOff + code.size(),
         shoff = (namesOff + sizeof names + 3) & ~size_t{3};
  std::vector<uint8_t> b(shoff + 3 * 40, 0);
  std::memcpy(b.data(),
              "\x7F"
              "ELF\x01\x01\x01",
              7);   // ELF32, little-endian, version 1
  put16(b, 16, 2);  // ET_EXEC
  put16(b, 18, 3);  // EM_386
  put32(b, 32, static_cast<uint32_t>(shoff));
  put16(b, 46, 40);  // e_shentsize
  put16(b, 48, 3);   // e_shnum
  put16(b, 50, 2);   // e_shstrndx
  std::memcpy(b.data() + textOff, code.data(), code.size());
  std::memcpy(b.data() + namesOff, names, sizeof names);
  size_t text = shoff + 40, strtab = shoff + 80;
  put32(b, text, 1);
  put32(b, text + 4, 1);      // SHT_PROGBITS
  put32(b, text + 8, 2 | 4);  // SHF_ALLOC | SHF_EXECINSTR
  put32(b, text + 12, address);
  put32(b, text + 16, static_cast<uint32_t>(textOff));
  put32(b, text + 20, static_cast<uint32_t>(code.size()));
  put32(b, strtab, 7);
  put32(b, strtab + 4, 3);  // SHT_STRTAB
  put32(b, strtab + 16, static_cast<uint32_t>(namesOff));
  put32(b, strtab + 20, sizeof names);
  return b;
}

std::vector<uint8_t> bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

class ProgramsTest : public ::testing::Test {
 protected:
  ProgramsTest() {
    mmu.writeCr3(kDir);
    mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg);
  }
  // Copies `code` to physical `frame` and maps it at linear `va` with `flags`.
  void load(uint32_t va, uint32_t frame, const std::vector<uint8_t>& code, uint32_t flags = P | U) {
    std::memcpy(ram.data() + frame, code.data(), code.size());
    for (uint32_t off = 0; off < code.size(); off += 0x1000)
      space.map(va + off, frame + off, flags);
  }
  static constexpr uint32_t kDir = 0x10000;
  FlatRam ram;
  Space space{ram, kDir, 0x11000};
  mmu::Mmu mmu{ram};
  trace::Programs programs;
};

TEST_F(ProgramsTest, NamesTheSpaceByTheProgramItsCodeIs) {
  std::vector<uint8_t> alpha = bytes(300, 1), beta = bytes(300, 2);
  ASSERT_TRUE(programs.add(elfWithText(0, alpha), "build/guest/user/_alpha"));  // xv6's "_name"
  ASSERT_TRUE(programs.add(elfWithText(0, beta), "beta"));
  load(0, 0x200000, beta);
  EXPECT_EQ(programs.identify(mmu, ram, kDir), "beta");
  load(0, 0x200000, alpha);
  EXPECT_EQ(programs.identify(mmu, ram, kDir), "alpha");
  // One byte different (a program not in the list): no name.
  ram.data()[0x200000 + 299] ^= 1;
  EXPECT_EQ(programs.identify(mmu, ram, kDir), "");
}

TEST_F(ProgramsTest, OnlyUserPagesCount) {
  std::vector<uint8_t> code = bytes(100, 3);
  ASSERT_TRUE(programs.add(elfWithText(0x1000, code), "prog"));
  EXPECT_EQ(programs.identify(mmu, ram, kDir), "");  // not mapped at all
  load(0x1000, 0x300000, code, P);                   // the right bytes, but kernel-only
  EXPECT_EQ(programs.identify(mmu, ram, kDir), "");
  space.map(0x1000, 0x300000, P | U);
  EXPECT_EQ(programs.identify(mmu, ram, kDir), "prog");
}

TEST_F(ProgramsTest, CodeAcrossPagesAndTheLongerMatchWins) {
  // "small" is the first 100 bytes of "large", whose 6000 bytes span two pages mapped to frames
  // that are not adjacent: both match, the one with more matching bytes (4096, the most compared)
  // names the space.
  std::vector<uint8_t> large = bytes(6000, 4), small(large.begin(), large.begin() + 100);
  ASSERT_TRUE(programs.add(elfWithText(0, small), "small"));
  ASSERT_TRUE(programs.add(elfWithText(0, large), "large"));
  std::memcpy(ram.data() + 0x400000, large.data(), 0x1000);
  std::memcpy(ram.data() + 0x500000, large.data() + 0x1000, 6000 - 0x1000);
  space.map(0, 0x400000, P | U);
  space.map(0x1000, 0x500000, P | U);
  EXPECT_EQ(programs.identify(mmu, ram, kDir), "large");
}

TEST_F(ProgramsTest, KernelsAndDamagedFilesAreNotPrograms) {
  EXPECT_FALSE(programs.add(elfWithText(0x80100000, bytes(64, 5)), "kernel"));  // above KERNBASE
  std::vector<uint8_t> good = elfWithText(0, bytes(64, 6));
  for (size_t cut = 0; cut < good.size(); ++cut) {  // every truncation: refused, never a crash
    std::vector<uint8_t> part(good.begin(), good.begin() + static_cast<long>(cut));
    EXPECT_FALSE(programs.add(part, "cut")) << cut;
  }
  std::vector<uint8_t> bad = good;
  put32(bad, 32, 0xFFFFFFF0u);  // section headers beyond the file
  EXPECT_FALSE(programs.add(bad, "bad"));
  EXPECT_TRUE(programs.empty());
}

TEST_F(ProgramsTest, ArchiveOfPrograms) {
  // guest/kernel/archive.h: "XRAY86AR", count, total; entries of name[24], offset, size.
  std::vector<uint8_t> one = elfWithText(0, bytes(80, 7)), two = elfWithText(0, bytes(80, 8));
  std::vector<uint8_t> a(16 + 3 * 32, 0);
  std::memcpy(a.data(), "XRAY86AR", 8);
  put32(a, 8, 3);
  auto entry = [&](unsigned i, const char* name, const std::vector<uint8_t>& file) {
    std::memcpy(a.data() + 16 + i * 32, name, std::strlen(name));
    put32(a, 16 + i * 32 + 24, static_cast<uint32_t>(a.size()));
    put32(a, 16 + i * 32 + 28, static_cast<uint32_t>(file.size()));
    a.insert(a.end(), file.begin(), file.end());
  };
  entry(0, "_one", one);
  entry(1, "README", std::vector<uint8_t>(10, 'x'));  // not an ELF file: skipped
  entry(2, "two", two);
  put32(a, 12, static_cast<uint32_t>(a.size()));
  EXPECT_EQ(programs.addArchive(a), 2u);
  load(0, 0x600000, bytes(80, 8));
  EXPECT_EQ(programs.identify(mmu, ram, kDir), "two");
  put32(a, 8, 1000000);  // more entries than the archive holds
  trace::Programs other;
  EXPECT_EQ(other.addArchive(a), 0u);
  EXPECT_EQ(other.addArchive(std::vector<uint8_t>(8, 0)), 0u);
}

}  // namespace

// The x87 FPU (emu/cpu/fpu.h). Most expected values come from the host's own x87 running the
// same bytes: each case is a short x87 program (load two operands, set the control word, one
// instruction, FNSAVE) run as guest code on our CPU and, copied into an executable page, natively
// on the host with RBX pointing at the same data. x87 instructions with [ebx+disp] operands
// encode the same way in 32- and 64-bit mode, so both run identical bytes. Compared: the whole
// data area, i.e. the memory operands the instruction stores and the FNSAVE image (control,
// status and tag words, all eight registers), except the instruction and data pointers, which
// hold host addresses on the host (checked separately against the code's layout), and ZF PF CF.
// Other tests use constants the manuals give.
#include <sys/mman.h>

#include <cmath>
#include <cstring>

#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

// The data area both runs share (offsets from EBX).
constexpr uint32_t kData = 0x20000;
constexpr unsigned kDataSize = 0x100;
constexpr unsigned kCw = 0x00, kA = 0x10, kB = 0x20, kM32 = 0x30, kM64 = 0x38, kI16 = 0x40,
                   kI32 = 0x44, kI64 = 0x48, kBcd = 0x50, kFlags = 0x70, kAx = 0x74, kSave = 0x80;

struct Ext {  // an 80-bit value
  uint64_t m;
  uint16_t se;
};
void putExt(uint8_t* p, Ext v) {
  std::memcpy(p, &v.m, 8);
  std::memcpy(p + 8, &v.se, 2);
}

// Operands: zeros, ones, specials, the encodings the 387 defines beyond IEEE (pseudo-denormal,
// unnormal, pseudo-NaN), and values that overflow or underflow when stored narrower.
const Ext kValues[] = {
    {0, 0x0000},                   // +0
    {0, 0x8000},                   // -0
    {0x8000000000000000, 0x3FFF},  // 1
    {0x8000000000000000, 0xBFFF},  // -1
    {0xC000000000000000, 0x4000},  // 3
    {0xAAAAAAAAAAAAAAAB, 0x3FFD},  // 1/3
    {0xC90FDAA22168C235, 0x4000},  // pi
    {0xF000000000000000, 0xC001},  // -7.5
    {0x8000000000000000, 0x403F},  // 2^64
    {0xD6BF94D5E57A42BC, 0x4042},  // 1e20 (FPREM, FSIN beyond 2^63)
    {0xFFFFFFFFFFFFFFFF, 0x7FFE},  // largest
    {0x8000000000000000, 0x0001},  // smallest normal
    {0x0000000000000001, 0x0000},  // denormal
    {0x8000000000000001, 0x0000},  // pseudo-denormal
    {0x4000000000000000, 0x4000},  // unnormal
    {0x8000000000000000, 0x7FFF},  // +inf
    {0x8000000000000000, 0xFFFF},  // -inf
    {0xC000000000000001, 0x7FFF},  // QNaN
    {0xA000000000000000, 0x7FFF},  // SNaN
    {0xC000000000000000, 0xFFFF},  // real indefinite
    {0x4000000000000001, 0x7FFF},  // pseudo-NaN (integer bit clear)
    {0x8000000000000000, 0x43FF},  // 2^1024: overflows a double
    {0x8000000000000000, 0x3B80},  // 2^-1151: underflows a double to a denormal
    {0x8765432187654321, 0x401D},  // 1.13e9: FIST m16 overflows, m32 fits
};
constexpr unsigned kValueCount = sizeof kValues / sizeof kValues[0];
const uint32_t kSingles[] = {0x00000000, 0x80000000, 0x3F800000, 0xC0490FDB, 0x7F800000,
                             0xFF800000, 0x7FC00000, 0x7FA00000, 0x00000001, 0x007FFFFF,
                             0x7F7FFFFF, 0x3EAAAAAB, 0x4B000001};
const uint64_t kDoubles[] = {0x0000000000000000, 0x8000000000000000, 0x3FF0000000000000,
                             0x400921FB54442D18, 0x7FF0000000000000, 0xFFF0000000000000,
                             0x7FF8000000000000, 0x7FF4000000000000, 0x0000000000000001,
                             0x000FFFFFFFFFFFFF, 0x7FEFFFFFFFFFFFFF, 0xC3E0000000000000};
const int16_t kInt16s[] = {0, 1, -1, 32767, -32768, 1234, -7};
const int32_t kInt32s[] = {0, 1, -1, 0x7FFFFFFF, INT32_MIN, 16777217, -123456789};
const int64_t kInt64s[] = {0, -1, INT64_MAX, INT64_MIN, 0x20000000000001, 1234567890123};
const uint8_t kBcds[][10] = {
    {0x21, 0x43, 0x65, 0x87, 0x09, 0x21, 0x43, 0x65, 0x87, 0x00},  // +87654321098765432 1
    {0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x80},  // -999...9 (18 digits)
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80},  // -0
    {0xFA, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // invalid digits
};

// Control words: precision (single, double, extended) x rounding (nearest, down, up, chop), with
// every exception masked, or none, or only precision (the common unmasked setting).
uint16_t controlWordFor(unsigned k) {
  static constexpr uint16_t kPc[] = {0x000, 0x200, 0x300};
  static constexpr uint16_t kMasks[] = {0x3F, 0x00, 0x20};
  return static_cast<uint16_t>(0x40 | kPc[k % 3] | ((k / 3) % 4) << 10 | kMasks[(k / 12) % 3]);
}

struct Op {
  std::string name;
  std::vector<uint8_t> bytes;
  bool maskedOnly = false;  // more than one waiting instruction: an unmasked error would trap
};

uint8_t mrm(unsigned reg) {  // [ebx+disp8]
  return static_cast<uint8_t>(0x43 | reg << 3);
}

std::vector<Op> allOps() {
  std::vector<Op> ops;
  static const char* kArith[8] = {"fadd", "fmul",  "fcom", "fcomp",
                                  "fsub", "fsubr", "fdiv", "fdivr"};
  for (unsigned r = 0; r < 8; ++r) {
    std::string n = kArith[r];
    ops.push_back({n + " st,st(1)", {0xD8, static_cast<uint8_t>(0xC1 | r << 3)}});
    ops.push_back({n + " st,st(0)", {0xD8, static_cast<uint8_t>(0xC0 | r << 3)}});
    ops.push_back({n + " m32", {0xD8, mrm(r), kM32}});
    ops.push_back({n + " m64", {0xDC, mrm(r), kM64}});
    ops.push_back({"fi" + n.substr(1) + " m32", {0xDA, mrm(r), kI32}});
    ops.push_back({"fi" + n.substr(1) + " m16", {0xDE, mrm(r), kI16}});
    ops.push_back({"DC reg form", {0xDC, static_cast<uint8_t>(0xC1 | r << 3)}});
    ops.push_back({"DE reg form", {0xDE, static_cast<uint8_t>(0xC1 | r << 3)}});
  }
  ops.push_back({"fcompp", {0xDE, 0xD9}});
  for (unsigned v = 0xC0; v <= 0xFF; ++v) {  // D9 C0-FF: every defined one and the FSTP1 alias
    uint8_t b = static_cast<uint8_t>(v);
    if ((b >= 0xD1 && b <= 0xD7) || b == 0xE2 || b == 0xE3 || b == 0xE6 || b == 0xE7 || b == 0xEF)
      continue;
    if (b >= 0xC8 && b <= 0xCF && b != 0xC9) continue;
    if (b >= 0xC2 && b <= 0xC7) continue;
    ops.push_back({"D9 reg form", {0xD9, b}});
  }
  ops.push_back({"fld st(7) (empty)", {0xD9, 0xC7}});
  ops.push_back({"fxch st(5) (empty)", {0xD9, 0xCD}});
  for (uint8_t b : {0xC1, 0xC9, 0xD1, 0xD9}) {  // FCMOVcc both ways: CF clear, then set
    ops.push_back({"fcmov", {0xDA, b}});
    ops.push_back({"fcmov", {0xDB, b}});
    ops.push_back({"stc; fcmov", {0xF9, 0xDA, b}});
    ops.push_back({"stc; fcmov", {0xF9, 0xDB, b}});
  }
  ops.push_back({"fcmovb st,st(6) (empty)", {0xDA, 0xC6}});
  ops.push_back({"fucompp", {0xDA, 0xE9}});
  ops.push_back({"fnclex", {0xDB, 0xE2}});
  ops.push_back({"fninit", {0xDB, 0xE3}});
  ops.push_back({"fnop-like FNENI", {0xDB, 0xE0}});
  ops.push_back({"fucomi", {0xDB, 0xE9}});
  ops.push_back({"fcomi", {0xDB, 0xF1}});
  ops.push_back({"fucomip", {0xDF, 0xE9}});
  ops.push_back({"fcomip", {0xDF, 0xF1}});
  ops.push_back({"fcomi st,st(4) (empty)", {0xDB, 0xF4}});
  for (uint8_t b : {0xC1, 0xC9, 0xD1, 0xD9, 0xE1, 0xE9, 0xC6}) ops.push_back({"DD reg", {0xDD, b}});
  for (uint8_t b : {0xC1, 0xC9, 0xD1, 0xD9}) ops.push_back({"DF alias", {0xDF, b}});
  ops.push_back({"fnstsw ax", {0xDF, 0xE0, 0x66, 0x89, 0x43, kAx}});
  // Memory forms.
  ops.push_back({"fld m32", {0xD9, mrm(0), kM32}});
  ops.push_back({"fst m32", {0xD9, mrm(2), kM32}});
  ops.push_back({"fstp m32", {0xD9, mrm(3), kM32}});
  ops.push_back({"fldcw", {0xD9, mrm(5), kI16}});
  ops.push_back({"fnstcw", {0xD9, mrm(7), kI16}});
  ops.push_back({"fild m32", {0xDB, mrm(0), kI32}});
  ops.push_back({"fist m32", {0xDB, mrm(2), kI32}});
  ops.push_back({"fistp m32", {0xDB, mrm(3), kI32}});
  ops.push_back({"fld m80", {0xDB, mrm(5), kB}});
  ops.push_back({"fstp m80", {0xDB, mrm(7), kBcd}});
  ops.push_back({"fld m64", {0xDD, mrm(0), kM64}});
  ops.push_back({"fst m64", {0xDD, mrm(2), kM64}});
  ops.push_back({"fstp m64", {0xDD, mrm(3), kM64}});
  ops.push_back({"fnstsw m16", {0xDD, mrm(7), kI16}});
  ops.push_back({"fild m16", {0xDF, mrm(0), kI16}});
  ops.push_back({"fist m16", {0xDF, mrm(2), kI16}});
  ops.push_back({"fistp m16", {0xDF, mrm(3), kI16}});
  ops.push_back({"fbld", {0xDF, mrm(4), kBcd}});
  ops.push_back({"fild m64", {0xDF, mrm(5), kI64}});
  ops.push_back({"fbstp", {0xDF, mrm(6), kBcd}});
  ops.push_back({"fistp m64", {0xDF, mrm(7), kI64}});
  // Sequences: stack overflow (two operands + seven pushes), underflow, FFREE then use, TOP moves.
  ops.push_back(
      {"7 x fld1",
       {0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xE8},
       true});
  ops.push_back({"fstp, fstp, fadd", {0xDD, 0xD8, 0xDD, 0xD8, 0xD8, 0xC1}, true});
  ops.push_back({"ffree st(1); fsub st,st(1)", {0xDD, 0xC1, 0xD8, 0xE1}, true});
  ops.push_back({"fdecstp x3; fincstp", {0xD9, 0xF6, 0xD9, 0xF6, 0xD9, 0xF6, 0xD9, 0xF7}, true});
  ops.push_back({"fsincos; fpatan; fsqrt", {0xD9, 0xFB, 0xD9, 0xF3, 0xD9, 0xFA}, true});
  ops.push_back({"fxtract; fscale; frndint", {0xD9, 0xF4, 0xD9, 0xFD, 0xD9, 0xFC}, true});
  return ops;
}

// The program around an instruction: FNINIT, the operands (b then a, so ST0 = a, ST1 = b) with
// every exception masked, FNCLEX, the control word under test, CMP BL,BL (ZF=PF=1, CF=0), the
// instruction, ZF PF CF to memory (SETB/SETE/SETP), FNSAVE.
std::vector<uint8_t> program(const std::vector<uint8_t>& op) {
  std::vector<uint8_t> p = {0xDB, 0xE3, 0xDB, 0x6B, kB,  0xDB, 0x6B, kA,
                            0xDB, 0xE2, 0xD9, 0x6B, kCw, 0x38, 0xDB};
  p.insert(p.end(), op.begin(), op.end());
  for (unsigned b : {0x0Fu, 0x92u, 0x43u, kFlags, 0x0Fu, 0x94u, 0x43u, kFlags + 1, 0x0Fu, 0x9Au,
                     0x43u, kFlags + 2, 0xDDu, 0xB3u, kSave, 0u, 0u, 0u})
    p.push_back(static_cast<uint8_t>(b));
  return p;
}

// Runs `code` natively with RBX = data: PUSH RBX; MOV RBX, RDI; code; POP RBX; RET.
class HostRunner {
 public:
  HostRunner() {
    page_ = static_cast<uint8_t*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  }
  ~HostRunner() {
    if (page_ != MAP_FAILED) munmap(page_, 4096);
  }
  bool ok() const { return page_ != MAP_FAILED; }
  void run(const std::vector<uint8_t>& code, uint8_t* data) {
    std::vector<uint8_t> c = {0x53, 0x48, 0x89, 0xFB};
    c.insert(c.end(), code.begin(), code.end());
    c.push_back(0x5B);
    c.push_back(0xC3);
    std::memcpy(page_, c.data(), c.size());
    reinterpret_cast<void (*)(uint8_t*)>(page_)(data);
  }

 private:
  uint8_t* page_;
};

class Fpu : public CpuTest {
 protected:
  void SetUp() override { ASSERT_TRUE(host.ok()); }
  HostRunner host;

  // Guest: flat ring 0, CR0.NE set, EBX = kData; runs to the HLT after the program.
  void guest(const std::vector<uint8_t>& code, const uint8_t* data, bool newCode) {
    std::vector<uint8_t> c = code;
    c.push_back(0xF4);
    cpu.enterFlatProtectedMode();
    cpu.setCr0(cpu.cr0() | 0x20);
    bus.load(kCode, c.data(), c.size());
    bus.load(kData, data, kDataSize);
    if (newCode) cpu.flushDecodedCode();
    cpu.setEip(kCode);
    cpu.setReg(kEbx, kData);
    cpu.setReg(kEsp, kStack);
    RunResult r = cpu.run(100);
    ASSERT_EQ(r.reason, StopReason::kHaltInterruptsOff) << cpu.registerDump();
    ASSERT_EQ(cpu.eip(), kCode + c.size()) << "an exception was raised";
  }

  // Runs one case both ways and compares; returns false (with a message) on a difference.
  bool compare(const Op& op, const uint8_t* data, bool newCode, std::string& why) {
    std::vector<uint8_t> code = program(op.bytes);
    alignas(16) uint8_t h[kDataSize];
    std::memcpy(h, data, kDataSize);
    host.run(code, h);
    guest(code, data, newCode);
    if (::testing::Test::HasFatalFailure()) return false;
    for (unsigned k = 0; k < kDataSize; ++k) {
      if (k >= kSave + 12 && k < kSave + 28) continue;  // FIP, FCS|FOP, FDP, FDS
      bool flagsByte = k >= kFlags && k < kFlags + 3;
      bool comi = (op.bytes[0] == 0xDB || op.bytes[0] == 0xDF) && op.bytes.size() == 2 &&
                  op.bytes[1] >= 0xE8 && op.bytes[1] < 0xF8;
      if (flagsByte && !comi) continue;  // only FCOMI and friends set them from the FPU
      uint8_t g = static_cast<uint8_t>(bus.read(kData + k, 1));
      if (g != h[k]) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s: byte 0x%02X: guest %02X host %02X (cw %04X)",
                      op.name.c_str(), k, g, h[k], data[kCw] | data[kCw + 1] << 8);
        why = buf;
        return false;
      }
    }
    return true;
  }
};

TEST_F(Fpu, EveryInstructionMatchesTheHostsX87) {
  std::vector<Op> ops = allOps();
  unsigned cases = 0, failures = 0;
  for (size_t o = 0; o < ops.size(); ++o) {
    bool newCode = true;
    for (unsigned a = 0; a < kValueCount; ++a) {
      for (unsigned b = 0; b < kValueCount; ++b) {
        unsigned k = a * kValueCount + b;
        alignas(16) uint8_t data[kDataSize] = {};
        unsigned cwIndex = static_cast<unsigned>(k + o * 7) % 36;
        uint16_t cw = controlWordFor(ops[o].maskedOnly ? cwIndex % 12 : cwIndex);
        std::memcpy(data + kCw, &cw, 2);
        putExt(data + kA, kValues[a]);
        putExt(data + kB, kValues[b]);
        std::memcpy(data + kM32, &kSingles[k % std::size(kSingles)], 4);
        std::memcpy(data + kM64, &kDoubles[k % std::size(kDoubles)], 8);
        std::memcpy(data + kI16, &kInt16s[k % std::size(kInt16s)], 2);
        std::memcpy(data + kI32, &kInt32s[k % std::size(kInt32s)], 4);
        std::memcpy(data + kI64, &kInt64s[k % std::size(kInt64s)], 8);
        std::memcpy(data + kBcd, kBcds[k % std::size(kBcds)], 10);
        std::string why;
        ++cases;
        if (!compare(ops[o], data, newCode, why)) {
          if (::testing::Test::HasFatalFailure()) return;
          if (++failures <= 20) ADD_FAILURE() << why;
        }
        newCode = false;
      }
    }
  }
  EXPECT_EQ(failures, 0u) << "of " << cases;
  EXPECT_GT(cases, 80000u);
}

// ---- values the manuals give ------------------------------------------------------------------

class FpuValues : public CpuTest {
 protected:
  // Runs flat 32-bit code with EBX = kData and CR0.NE set to its HLT.
  void run(std::initializer_list<uint8_t> code) {
    std::vector<uint8_t> c(code);
    c.push_back(0xF4);
    cpu.enterFlatProtectedMode();
    cpu.setCr0(cpu.cr0() | 0x20);
    bus.load(kCode, c.data(), c.size());
    cpu.setEip(kCode);
    cpu.setReg(kEbx, kData);
    cpu.setReg(kEsp, kStack);
    runToHalt();
  }
  Ext st(unsigned i) const {
    const emu::Fpu& f = cpu.fpu();
    const uint8_t* r = f.reg[(f.top() + i) & 7];
    Ext v;
    std::memcpy(&v.m, r, 8);
    std::memcpy(&v.se, r + 8, 2);
    return v;
  }
};

TEST_F(FpuValues, ConstantsAndSquareRootHaveTheirExactBits) {
  // FNINIT; FLDPI; FLDCW [ebx] (rounding down); FLDPI; FLD1; FLD1; FADDP; FSQRT
  uint16_t down = 0x077F;
  bus.load(kData, reinterpret_cast<uint8_t*>(&down), 2);
  run({0xDB, 0xE3, 0xD9, 0xEB, 0xD9, 0x2B, 0xD9, 0xEB, 0xD9, 0xE8, 0xD9, 0xE8, 0xDE, 0xC1, 0xD9,
       0xFA});
  // pi = C90FDAA2 2168C234 C4C6628B...: rounded to nearest ...C235, down ...C234 (SDM vol. 1
  // 8.3.8, "Pi").
  EXPECT_EQ(st(2).m, 0xC90FDAA22168C235u);
  EXPECT_EQ(st(2).se, 0x4000u);
  EXPECT_EQ(st(1).m, 0xC90FDAA22168C234u);
  // sqrt(2) = 1.6A09E667F3BCC908B2FB... = B504F333F9DE6484 597D... x 2^-63: rounded down, and
  // C1 (rounded up) clear.
  EXPECT_EQ(st(0).m, 0xB504F333F9DE6484u);
  EXPECT_EQ(st(0).se, 0x3FFFu);
  EXPECT_EQ(cpu.fpu().sw & 0x3FFF, 0x2800u | emu::Fpu::kPe);  // TOP 5, PE
}

TEST_F(FpuValues, PrecisionControlRoundsTheSignificand) {
  // FLDCW [ebx] = 007Fh (single precision, nearest); FLD1; FLD [ebx+4] (3.0f); FDIVP: 1/3 rounded
  // to 24 bits = AAAAAB x 2^-25 (0.AAAAAA|AA... rounds up), exponent -2.
  uint16_t single = 0x007F;
  uint32_t three = 0x40400000;
  bus.load(kData, reinterpret_cast<uint8_t*>(&single), 2);
  bus.load(kData + 4, reinterpret_cast<uint8_t*>(&three), 4);
  run({0xDB, 0xE3, 0xD9, 0x2B, 0xD9, 0xE8, 0xD9, 0x43, 0x04, 0xDE, 0xF9});
  EXPECT_EQ(st(0).m, 0xAAAAAB0000000000u);
  EXPECT_EQ(st(0).se, 0x3FFDu);
  EXPECT_EQ(cpu.fpu().sw & (emu::Fpu::kC1 | emu::Fpu::kPe), emu::Fpu::kC1 | emu::Fpu::kPe);
}

// ---- the environment formats --------------------------------------------------------------

uint32_t word32(const FlatRamBus& b, uint32_t a) {
  return const_cast<FlatRamBus&>(b).peek32(a);
}

TEST_F(FpuValues, ProtectedModeEnvironmentHoldsTheLastInstructionAndOperand) {
  // FNINIT; ES: FLD dword [ebx+0x30] (1.0f); FNSTENV [ebx+0x80]; o16 FNSTENV [ebx+0xC0]
  uint32_t one = 0x3F800000;
  bus.load(kData + 0x30, reinterpret_cast<uint8_t*>(&one), 4);
  cpu.enterFlatProtectedMode();
  Segment es = cpu.segment(kDs);
  es.selector = 0x2B;
  cpu.setSegment(kEs, es);
  std::vector<uint8_t> c = {0xDB, 0xE3, 0x26, 0xD9, 0x43, 0x30, 0xD9, 0xB3, 0x80, 0,
                            0,    0,    0x66, 0xD9, 0xB3, 0xC0, 0,    0,    0,    0xF4};
  bus.load(kCode, c.data(), c.size());
  cpu.setEip(kCode);
  cpu.setReg(kEbx, kData);
  runToHalt();
  // SDM vol. 1 figure 8-9: CW SW TW, FIP, FCS | FOP << 16, FDP, FDS; reserved halves FFFFh.
  uint32_t e = kData + 0x80;
  EXPECT_EQ(word32(bus, e + 0), 0xFFFF037Fu);
  EXPECT_EQ(word32(bus, e + 4), 0xFFFF3800u);              // TOP 7
  EXPECT_EQ(word32(bus, e + 8), 0xFFFF3FFFu);              // R7 valid, the others empty
  EXPECT_EQ(word32(bus, e + 12), kCode + 2);               // the ES prefix
  EXPECT_EQ(word32(bus, e + 16), 0x08u | (0x143u << 16));  // FOP: D9 & 7, ModR/M 43
  EXPECT_EQ(word32(bus, e + 20), kData + 0x30);
  EXPECT_EQ(word32(bus, e + 24), 0xFFFF002Bu);
  // 16-bit (figure 8-10): CW SW TW FIP FCS FDP FDS, a word each. FNSTENV masked everything.
  uint32_t s = kData + 0xC0;
  EXPECT_EQ(bus.read(s + 0, 2), 0x037Fu);
  EXPECT_EQ(bus.read(s + 6, 2), (kCode + 2) & 0xFFFF);
  EXPECT_EQ(bus.read(s + 8, 2), 0x08u);
  EXPECT_EQ(bus.read(s + 10, 2), (kData + 0x30) & 0xFFFF);
  EXPECT_EQ(bus.read(s + 12, 2), 0x2Bu);
}

TEST_F(FpuValues, RealModeEnvironmentHoldsLinearAddresses) {
  // CS = 1100h, IP = 1000h (linear 12000h), DS = 0200h, BX = 10h:
  // FNINIT; FLD dword [bx+30h]; FNSTENV [bx+80h]; o32 FNSTENV [bx+0A0h]
  std::vector<uint8_t> c = {0xDB, 0xE3, 0xD9, 0x47, 0x30, 0xD9, 0xB7, 0x80,
                            0x00, 0x66, 0xD9, 0xB7, 0xA0, 0x00, 0xF4};
  bus.load(0x12000, c.data(), c.size());
  for (SegReg sr : {kEs, kSs, kFs, kGs}) cpu.setSegmentReal(sr, 0);
  cpu.setSegmentReal(kCs, 0x1100);
  cpu.setSegmentReal(kDs, 0x0200);
  cpu.setEip(0x1000);
  cpu.setReg(kEbx, 0x10);
  cpu.setReg(kEsp, 0x8000);
  runToHalt();
  // 16-bit real format (SDM vol. 1 figure 8-11): FIP 15-0, FOP | FIP 19-16 << 12, FDP 15-0,
  // FDP 19-16 << 12. FIP = 12002h, FDP = 2000h + 10h + 30h.
  uint32_t e = 0x2000 + 0x10 + 0x80;
  EXPECT_EQ(bus.read(e + 6, 2), 0x2002u);
  EXPECT_EQ(bus.read(e + 8, 2), 0x1000u | 0x147u);
  EXPECT_EQ(bus.read(e + 10, 2), 0x2040u);
  EXPECT_EQ(bus.read(e + 12, 2), 0x0000u);
  // 32-bit real format (figure 8-12): FIP 15-0, FOP | FIP 31-16 << 12, FDP 15-0, FDP 31-16 << 12.
  uint32_t d = 0x2000 + 0x10 + 0xA0;
  EXPECT_EQ(word32(bus, d + 12), 0xFFFF2002u);
  EXPECT_EQ(word32(bus, d + 16), (1u << 12) | 0x147u);
  EXPECT_EQ(word32(bus, d + 20), 0xFFFF2040u);
  EXPECT_EQ(word32(bus, d + 24), 0u);
}

TEST_F(FpuValues, FrstorGivesBackWhatFnsaveStored) {
  // FNINIT; FLDPI; FLD1; FLDZ; FNSAVE [ebx]; FLDL2T; FRSTOR [ebx]; FNSAVE [ebx+0x80]
  run({0xDB, 0xE3, 0xD9, 0xEB, 0xD9, 0xE8, 0xD9, 0xEE, 0xDD, 0x33,
       0xD9, 0xE9, 0xDD, 0x23, 0xDD, 0xB3, 0x80, 0,    0,    0});
  for (unsigned k = 0; k < 108; ++k) {
    if (k >= 12 && k < 16) continue;  // FIP: the FLDZ before the first, FLDL2T before the second
    EXPECT_EQ(bus.read(kData + k, 1), bus.read(kData + 0x80 + k, 1)) << "byte " << k;
  }
  EXPECT_EQ(bus.read(kData + 8, 2), 0x07FFu);  // TW: R5 zero (01), R6 valid, R7 valid: 0000 0111
  EXPECT_EQ(cpu.fpu().sw, 0u);                 // FNSAVE initialised
  EXPECT_EQ(cpu.fpu().empty, 0xFFu);
}

// ---- #NM, #MF, faults ---------------------------------------------------------------------

class FpuExceptions : public CpuTest {
 protected:
  void start(std::initializer_list<uint8_t> code, uint32_t cr0Bits) {
    protectedMode(code);
    cpu.setCr0(cpu.cr0() | cr0Bits);
    cpu.setReg(kEbx, kData);
    cpu.flushDecodedCode();
  }
};

TEST_F(FpuExceptions, EmOrTsMakeEscapesNm) {
  // CR0.EM (bit 2) or CR0.TS (bit 3): FLD1 raises #NM at itself ([386PRM] 9.8.7).
  for (uint32_t bits : {0x4u, 0x8u, 0xCu}) {
    start({0xD9, 0xE8}, bits);
    runToHalt();
    EXPECT_EQ(stubVector(), vec::kNm) << bits;
    EXPECT_EQ(stack(0), kCode);
  }
}

TEST_F(FpuExceptions, WaitIsNmOnlyWithMpAndTs) {
  // WAIT: #NM when MP (bit 1) and TS are set; TS alone or EM do nothing ([386PRM] WAIT).
  start({0x9B, 0xF4}, 0x8);
  runToHalt();
  EXPECT_EQ(stubVector(), -1);
  EXPECT_EQ(cpu.eip(), kCode + 2);
  start({0x9B, 0xF4}, 0x4);
  runToHalt();
  EXPECT_EQ(cpu.eip(), kCode + 2);
  start({0x9B, 0xF4}, 0xA);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kNm);
  EXPECT_EQ(stack(0), kCode);
}

TEST_F(FpuExceptions, CltsLetsTheNextEscapeRun) {
  // A kernel's lazy switch: #NM, then CLTS in the handler and the escape again.
  start({0xDB, 0xE3, 0xD9, 0xE8, 0xF4}, 0x8);         // fninit; fld1
  place({0x0F, 0x06, 0xCF}, kStubs + 16 * vec::kNm);  // clts; iret
  runToHalt();
  EXPECT_EQ(cpu.eip(), kCode + 5);
  EXPECT_EQ(cpu.fpu().top(), 7u);
  EXPECT_EQ(cpu.cr0() & 0x8, 0u);
}

// FNINIT; FLDCW [ebx] (037Bh: ZE unmasked); FLDZ; FLD1; FDIV ST,ST(1); FNSTSW AX; FWAIT
constexpr std::initializer_list<uint8_t> kZeroDivide = {0xDB, 0xE3, 0xD9, 0x2B, 0xD9, 0xEE, 0xD9,
                                                        0xE8, 0xD8, 0xF1, 0xDF, 0xE0, 0x9B, 0xF4};

TEST_F(FpuExceptions, UnmaskedErrorIsMfAtTheNextWaitingInstructionWithNe) {
  start(kZeroDivide, 0x20);
  uint16_t cw = 0x037B;
  bus.load(kData, reinterpret_cast<uint8_t*>(&cw), 2);
  runToHalt();
  EXPECT_EQ(stubVector(), kMfVector);
  EXPECT_EQ(stack(0), kCode + 12);  // the FWAIT, not the FDIV
  // FNSTSW AX (non-waiting) ran: B, ES and ZE, TOP 6; the destination kept its 1.0.
  EXPECT_EQ(cpu.reg(kEax) & 0xFFFF, 0x8000u | 0x3000u | 0x80u | 0x4u);
  EXPECT_EQ(cpu.fpu().reg[6][7], 0x80u);
  EXPECT_EQ(cpu.fpu().fop, 0x0F1u);  // D8 F1: the instruction that raised it
  EXPECT_EQ(cpu.fpu().fip, kCode + 8);
}

TEST_F(FpuExceptions, WithoutNeTheWaitingInstructionFreezesUntilAnInterrupt) {
  // CR0.NE clear: the PC's FERR#/IRQ 13 path; with IF = 0 nothing can interrupt the freeze, so
  // the run stops halted on the FWAIT.
  start(kZeroDivide, 0);
  uint16_t cw = 0x037B;
  bus.load(kData, reinterpret_cast<uint8_t*>(&cw), 2);
  runToHalt();
  EXPECT_EQ(cpu.eip(), kCode + 12);
  EXPECT_EQ(stubVector(), -1);
}

TEST_F(FpuExceptions, FaultingStoreChangesNoFpuState) {
  // FNINIT; FLD1; FSTP dword [0x400000] (beyond the identity map: not present) -> #PF, and the
  // stack still holds the 1.0 (TOP 7, R7 not empty).
  start({0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0x1D, 0x00, 0x00, 0x40, 0x00}, 0x20);
  pagingIdentity4M();
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), 0x400000u);
  EXPECT_EQ(cpu.fpu().top(), 7u);
  EXPECT_EQ(cpu.fpu().empty, 0x7Fu);
  EXPECT_EQ(cpu.fpu().fip, kCode + 2);  // the FLD1: the faulting store did not become "last"
}

}  // namespace
}  // namespace emu::test

// System instructions that touch the MMU or model-specific state: MOV CRn/DRn, CPUID, RDTSC,
// RDMSR/WRMSR.
#include "emu/cpu/exec_system.h"

namespace emu {

namespace {
// CR0 bits software may set on an i686 ([386PRM] 4.1.3, SDM vol. 3A 2.5): PE MP EM TS ET NE WP AM
// NW CD PG.
constexpr uint32_t kCr0Writable = 0xE005003Fu;
// CR4 bits: TSD DE PSE PGE. Others (VME PVI PAE MCE PCE OSFXSR ...) are not modelled: #GP(0).
constexpr uint32_t kCr4Writable = (1u << 2) | (1u << 3) | mmu::kCr4Pse | mmu::kCr4Pge;
}  // namespace

bool movToCr(Core& c, const Insn& i) {
  if (!privileged(c)) return c.gp(0);
  uint32_t v = c.r_[i.rm()];
  switch (i.reg()) {
    case 0:
      if ((v & mmu::kCr0Pg) && !(v & mmu::kCr0Pe)) return c.gp(0);
      if ((v & (1u << 29)) && !(v & (1u << 30))) return c.gp(0);  // NW without CD
      c.setCr0(v & kCr0Writable);
      c.cycles_ += cost::kMovCr0;
      return true;
    case 2:
      c.cr2_ = v;
      c.cycles_ += cost::kMovCr2;
      return true;
    case 3:
      c.setCr3(v);
      c.cycles_ += cost::kMovCr3;  // in the MMU section of the table; the MMU does not charge it
      return true;
    case 4:
      if (v & ~kCr4Writable) return c.gp(0);
      c.setCr4(v);
      c.cycles_ += cost::kMovCr2;
      return true;
    default:
      return c.ud();
  }
}

bool movFromCr(Core& c, const Insn& i) {
  if (!privileged(c)) return c.gp(0);
  uint32_t v;
  switch (i.reg()) {
    case 0:
      v = c.cr0();
      break;
    case 2:
      v = c.cr2_;
      break;
    case 3:
      v = c.cr3();
      break;
    case 4:
      v = c.cr4();
      break;
    default:
      return c.ud();
  }
  c.r_[i.rm()] = v;
  return true;
}

// Debug registers (cpu.h draws DR6 and DR7; Core::updateDebug arms what DR7 enables). CPL 0
// only: #GP(0) otherwise. DR4/DR5 alias DR6/DR7 (CR4.DE=0).
bool movToDr(Core& c, const Insn& i) {
  if (!privileged(c)) return c.gp(0);
  unsigned n = i.reg();
  if (n == 4 || n == 5) {
    if (c.cr4() & (1u << 3)) return c.ud();
    n += 2;
  }
  c.dr_[n] = c.r_[i.rm()];
  if (n == 7 || n < 4) c.updateDebug();
  return true;
}

bool movFromDr(Core& c, const Insn& i) {
  if (!privileged(c)) return c.gp(0);
  unsigned n = i.reg();
  if (n == 4 || n == 5) {
    if (c.cr4() & (1u << 3)) return c.ud();
    n += 2;
  }
  c.r_[i.rm()] = c.dr_[n];
  return true;
}

// CPUID: the model docs/cpu.md describes, a P6-family processor ("GenuineIntel", family 6
// model 3 stepping 3) with its x87 FPU and without MMX or SSE, which are not modelled; features
// FPU PSE TSC MSR CX8 PGE CMOV (SDM vol. 2A CPUID, table 3-11). The instruction set agrees: the
// x87 with FCMOVcc and FCOMI (what FPU and CMOV together promise), CMOV, CMPXCHG8B, RDTSC,
// RDMSR/WRMSR, RDPMC and NOPL (0F 1F) execute; MMX and SSE opcodes raise #UD.
bool opCpuid(Core& c, const Insn&) {
  uint32_t leaf = c.r_[kEax];
  if (leaf == 0) {
    c.r_[kEax] = 1;
    c.r_[kEbx] = 0x756E6547;  // "Genu"
    c.r_[kEdx] = 0x49656E69;  // "ineI"
    c.r_[kEcx] = 0x6C65746E;  // "ntel"
  } else if (leaf == 1) {
    c.r_[kEax] = 0x0633;
    c.r_[kEbx] = uint32_t{c.processor_} << 24;  // the initial APIC ID
    c.r_[kEcx] = 0;
    // FPU (bit 0): the x87; APIC (bit 9): every processor has its local APIC at IA32_APIC_BASE.
    c.r_[kEdx] = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 8) | (1u << 9) |
                 (1u << 13) | (1u << 15);
  } else {
    c.r_[kEax] = c.r_[kEbx] = c.r_[kEcx] = c.r_[kEdx] = 0;
  }
  return true;
}

// RDTSC: the cycle counter; #GP(0) outside ring 0 when CR4.TSD is set.
bool opRdtsc(Core& c, const Insn&) {
  if ((c.cr4() & (1u << 2)) && c.pe_ && c.cpl_ != 0) return c.gp(0);
  uint64_t t = c.cycles_ + c.tscOffset_;
  c.r_[kEax] = static_cast<uint32_t>(t);
  c.r_[kEdx] = static_cast<uint32_t>(t >> 32);
  return true;
}

// RDPMC: performance counter ECX (0 or 1 on the P6, SDM vol. 2B RDPMC); #GP(0) for another
// ECX, or outside ring 0 in protected mode unless CR4.PCE (which MOV CR4 refuses: not modelled).
// The counters hold what WRMSR stored; no event is counted.
bool opRdpmc(Core& c, const Insn&) {
  if (c.pe_ && c.cpl_ != 0 && !(c.cr4() & (1u << 8))) return c.gp(0);
  uint32_t n = c.r_[kEcx];
  if (n > 1) return c.gp(0);
  c.r_[kEax] = static_cast<uint32_t>(c.perfCtr_[n]);
  c.r_[kEdx] = static_cast<uint32_t>(c.perfCtr_[n] >> 32) & 0xFF;  // 40-bit counters
  return true;
}

// The MSRs that exist (any other index is #GP(0), SDM vol. 2B RDMSR): TSC (0x10), APIC base
// (0x1B), PerfCtr0/1 (0xC1/0xC2), SYSENTER CS/ESP/EIP (0x174-0x176), PerfEvtSel0/1
// (0x186/0x187).
bool opRdmsr(Core& c, const Insn&) {
  if (!privileged(c)) return c.gp(0);
  uint64_t v;
  switch (c.r_[kEcx]) {
    case 0xC1:
    case 0xC2:
      v = c.perfCtr_[c.r_[kEcx] - 0xC1];
      break;
    case 0x186:
    case 0x187:
      v = c.perfEvtSel_[c.r_[kEcx] - 0x186];
      break;
    case 0x10:
      v = c.cycles_ + c.tscOffset_;
      break;
    case 0x1B:
      v = c.apicBase_;
      break;
    case 0x174:
      v = c.sysenterCs_;
      break;
    case 0x175:
      v = c.sysenterEsp_;
      break;
    case 0x176:
      v = c.sysenterEip_;
      break;
    default:
      return c.gp(0);
  }
  c.r_[kEax] = static_cast<uint32_t>(v);
  c.r_[kEdx] = static_cast<uint32_t>(v >> 32);
  return true;
}

bool opWrmsr(Core& c, const Insn&) {
  if (!privileged(c)) return c.gp(0);
  uint64_t v = (uint64_t{c.r_[kEdx]} << 32) | c.r_[kEax];
  switch (c.r_[kEcx]) {
    case 0x10:
      c.tscOffset_ = v - c.cycles_;
      break;  // the cycle counter itself never moves
    case 0x1B:
      // Only the enable bit (11) and the base (bits 12-31) are writable; BSP (8) stays.
      c.apicBase_ = (static_cast<uint32_t>(v) & 0xFFFFF800u) | (c.apicBase_ & 0x100);
      break;
    case 0xC1:
    case 0xC2:
      // The P6 writes the low 32 bits sign-extended to the counter's 40 (SDM vol. 3B 19.6.8).
      c.perfCtr_[c.r_[kEcx] - 0xC1] =
          static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v))) & 0xFFFFFFFFFFull;
      break;
    case 0x186:
    case 0x187:
      c.perfEvtSel_[c.r_[kEcx] - 0x186] = static_cast<uint32_t>(v);
      break;
    case 0x174:
      c.sysenterCs_ = static_cast<uint32_t>(v);
      break;
    case 0x175:
      c.sysenterEsp_ = static_cast<uint32_t>(v);
      break;
    case 0x176:
      c.sysenterEip_ = static_cast<uint32_t>(v);
      break;
    default:
      return c.gp(0);
  }
  return true;
}

}  // namespace emu

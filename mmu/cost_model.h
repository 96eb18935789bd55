// The cost model: how many cycles each thing the machine does adds to the cycle counter.
// One table for the whole emulator, so that a run's cycle count can be explained line by line.
//
// Sources:
//   [386PRM] Intel 80386 Programmer's Reference Manual (1986), chapter 17 (clock counts).
//   [P5]     Pentium Processor Family Developer's Manual vol. 3 (INVLPG, 25 clocks).
//   A TLB fill reads the PDE and the PTE, two bus cycles of 2 clocks plus overhead; PCem and
//   86Box charge 9 cycles per fill, which we follow.
#pragma once

#include <cstdint>

namespace cost {

// ---- MMU (mmu/) ---------------------------------------------------------------------------------
// Mmu charges the translation costs (hit, miss, A/D write-back). kPageFault, kMovCr3 and kInvlpg are
// instruction and delivery costs: the CPU charges them (see mmu/mmu.h), so nothing counts twice.
constexpr uint32_t kTlbHit = 0;         // served from the TLB
constexpr uint32_t kTlbMiss = 9;        // two page-table reads (PCem/86Box)
constexpr uint32_t kAdWriteBack = 2;    // each accessed/dirty bit written back to a PDE or PTE
constexpr uint32_t kPageFault = 99;     // #PF delivery on top of the walk ([386PRM] INT, priv. change)
constexpr uint32_t kMovCr3 = 5;         // [386PRM] MOV CR3,r32
constexpr uint32_t kInvlpg = 25;        // [P5] INVLPG

// ---- CPU (emu/) ---------------------------------------------------------------------------------
// The CPU's instruction costs follow, from [386PRM] chapter 17.

}  // namespace cost

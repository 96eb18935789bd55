// The registers gdb sees, in the order of the target description served by qXfer:features:read
// (gdb's i386 core feature, then xray86's control registers), and their bytes in g/G/p/P.
//
//   regnum  name                         bytes  from
//   0-7     eax ecx edx ebx esp ebp esi edi  4  the CPU's general registers
//   8       eip                             4
//   9       eflags                          4
//   10-15   cs ss ds es fs gs               4  the selectors (the hidden caches are not shown)
//   16-23   st0-st7                        10  zeros: the CPU has no x87 (gdb's i386 core
//   24-31   fctrl fstat ftag fiseg fioff    4  feature requires them)
//           foseg fooff fop
//   32-35   cr0 cr2 cr3 cr4                 4  so that `p $cr2` works
//
// registers.cpp defines: targetXml, registerSize, readRegister, writeRegister.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emu/cpu/cpu.h"

namespace gdb {

constexpr unsigned kRegisterCount = 36;
constexpr unsigned kRegEip = 8, kRegCr0 = 32, kRegCr2 = 33, kRegCr3 = 34, kRegCr4 = 35;

// target.xml: the description gdb reads at connection.
const std::string& targetXml();
unsigned registerSize(unsigned regnum);
// The register's bytes, little-endian (registerSize of them).
std::vector<uint8_t> readRegister(const emu::Cpu& cpu, unsigned regnum);
// Writes a register from its bytes: the general registers, EIP and EFLAGS are written; the
// x87's are not there and a write of any value is taken; a selector or a control register only
// when the value is the one it holds (loading either would change the MMU or descriptor
// caches behind the guest's back). False otherwise. `changed` says whether anything changed.
bool writeRegister(emu::Cpu& cpu, unsigned regnum, const std::vector<uint8_t>& bytes,
                   bool& changed);

}  // namespace gdb

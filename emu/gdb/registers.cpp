// The registers of the target description (registers.h has the table).
#include "emu/gdb/registers.h"

namespace gdb {

namespace {

constexpr emu::SegReg kSegments[6] = {emu::kCs, emu::kSs, emu::kDs, emu::kEs, emu::kFs, emu::kGs};

uint32_t word(const std::vector<uint8_t>& b) {
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

uint32_t value(const emu::Cpu& cpu, unsigned n) {
  if (n < 8) return cpu.reg(static_cast<emu::Reg>(n));
  if (n == kRegEip) return cpu.eip();
  if (n == 9) return cpu.eflags();
  if (n < 16) return cpu.segment(kSegments[n - 10]).selector;
  switch (n) {
    case kRegCr0:
      return cpu.cr0();
    case kRegCr2:
      return cpu.cr2();
    case kRegCr3:
      return cpu.cr3();
    case kRegCr4:
      return cpu.cr4();
    default:
      break;
  }
  // gdb's x87 words (24-31): fctrl fstat ftag fiseg fioff foseg fooff fop.
  const emu::Fpu& f = cpu.fpu();
  switch (n) {
    case 24:
      return f.cw;
    case 25:
      return f.sw;
    case 26:
      return f.tagWord();
    case 27:
      return f.fcs;
    case 28:
      return f.fip;
    case 29:
      return f.fds;
    case 30:
      return f.fdp;
    case 31:
      return f.fop;
    default:
      return 0;
  }
}

}  // namespace

const std::string& targetXml() {
  static const std::string xml = [] {
    std::string s =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
        "<target version=\"1.0\">\n"
        "<architecture>i386</architecture>\n"
        "<feature name=\"org.gnu.gdb.i386.core\">\n"
        "<flags id=\"i386_eflags\" size=\"4\">\n"
        "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
        "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
        "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
        "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
        "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
        "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
        "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
        "<field name=\"ID\" start=\"21\" end=\"21\"/>\n"
        "</flags>\n";
    const char* general[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    for (unsigned i = 0; i < 8; ++i) {
      const char* type = i == 4 || i == 5 ? "data_ptr" : "int32";
      s += "<reg name=\"" + std::string(general[i]) + "\" bitsize=\"32\" type=\"" + type +
           "\" regnum=\"" + std::to_string(i) + "\"/>\n";
    }
    s += "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\" regnum=\"8\"/>\n";
    s += "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\" regnum=\"9\"/>\n";
    const char* segments[6] = {"cs", "ss", "ds", "es", "fs", "gs"};
    for (unsigned i = 0; i < 6; ++i) {
      s += "<reg name=\"" + std::string(segments[i]) +
           "\" bitsize=\"32\" type=\"int32\" regnum=\"" + std::to_string(10 + i) + "\"/>\n";
    }
    for (unsigned i = 0; i < 8; ++i) {
      s += "<reg name=\"st" + std::to_string(i) + "\" bitsize=\"80\" type=\"i387_ext\" regnum=\"" +
           std::to_string(16 + i) + "\"/>\n";
    }
    const char* x87[8] = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
    for (unsigned i = 0; i < 8; ++i) {
      s += "<reg name=\"" + std::string(x87[i]) +
           "\" bitsize=\"32\" type=\"int\" group=\"float\" regnum=\"" + std::to_string(24 + i) +
           "\"/>\n";
    }
    s += "</feature>\n<feature name=\"org.xray86.control\">\n";
    const char* control[4] = {"cr0", "cr2", "cr3", "cr4"};
    for (unsigned i = 0; i < 4; ++i) {
      s += "<reg name=\"" + std::string(control[i]) +
           "\" bitsize=\"32\" type=\"int32\" group=\"system\" regnum=\"" + std::to_string(32 + i) +
           "\"/>\n";
    }
    s += "</feature>\n</target>\n";
    return s;
  }();
  return xml;
}

unsigned registerSize(unsigned regnum) {
  return regnum >= 16 && regnum < 24 ? 10 : 4;
}

std::vector<uint8_t> readRegister(const emu::Cpu& cpu, unsigned regnum) {
  std::vector<uint8_t> out(registerSize(regnum), 0);
  if (regnum >= 16 && regnum < 24) {  // ST(i)
    const emu::Fpu& f = cpu.fpu();
    const uint8_t* r = f.reg[(f.top() + regnum - 16) & 7];
    out.assign(r, r + 10);
    return out;
  }
  uint32_t v = value(cpu, regnum);
  for (unsigned i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
  return out;
}

bool writeRegister(emu::Cpu& cpu, unsigned regnum, const std::vector<uint8_t>& bytes,
                   bool& changed) {
  changed = false;
  if (regnum >= kRegisterCount || bytes.size() != registerSize(regnum)) return false;
  if (regnum >= 16 && regnum < 32) return true;  // the x87's are shown, not written
  uint32_t v = word(bytes);
  if (v == value(cpu, regnum)) return true;
  if (regnum < 8) {
    cpu.setReg(static_cast<emu::Reg>(regnum), v);
  } else if (regnum == kRegEip) {
    cpu.setEip(v);
  } else if (regnum == 9) {
    cpu.setEflags(v);
  } else {
    return false;
  }
  changed = true;
  return true;
}

}  // namespace gdb

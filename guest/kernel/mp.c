// The MP configuration tables (Intel MultiProcessor Specification 1.4,
// chapter 4): which processors the machine has, by local APIC ID. The
// firmware (xray86's, QEMU's SeaBIOS) leaves a floating pointer structure in
// the EBDA, the last KB of base memory or the BIOS ROM, and it points to the
// configuration table: a header, then one entry per processor, bus, I/O APIC
// and interrupt line. Read while entrypgdir maps only the first 4 MB, so a
// table above that is ignored as if there were none.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "x86.h"

#define LOWMEM (4 * 1024 * 1024)  // what entrypgdir maps

struct mpfloat {     // floating pointer structure, 16 bytes (spec 4.1)
  uchar signature[4];  // "_MP_"
  uint physaddr;     // the configuration table, or 0
  uchar length;      // in 16-byte units: 1
  uchar specrev;
  uchar checksum;    // all bytes add up to 0
  uchar type;        // non-zero: a default configuration, no table
  uchar imcrp;       // bit 7: the IMCR is present (PIC mode at reset)
  uchar reserved[3];
};

struct mpconf {      // configuration table header, 44 bytes (spec 4.2)
  uchar signature[4];  // "PCMP"
  ushort length;     // of the base table, header included
  uchar version;
  uchar checksum;
  uchar product[20];
  uint oemtable;
  ushort oemlength;
  ushort entry;      // number of entries after the header
  uint lapicaddr;
  ushort xlength;
  uchar xchecksum;
  uchar reserved;
};

struct mpproc {      // processor entry, 20 bytes (spec 4.3.1)
  uchar type;        // 0
  uchar apicid;
  uchar version;
  uchar flags;       // bit 0: usable; bit 1: the bootstrap processor
  uchar signature[4];
  uint feature;
  uchar reserved[8];
};
#define MPPROC 0x00  // entry types: a processor (20 bytes); the others are 8 bytes
#define MPPROC_EN 0x01
#define MPPROC_BP 0x02

static uchar sum(const uchar *a, int len) {
  uchar s = 0;
  for (int i = 0; i < len; i++)
    s += a[i];
  return s;
}

// A floating pointer in physical [pa, pa + len), on a 16-byte boundary.
static struct mpfloat *mpsearch1(uint pa, int len) {
  for (uint a = pa; a + sizeof(struct mpfloat) <= pa + len; a += 16) {
    uchar *p = P2V(a);
    if (memcmp(p, "_MP_", 4) == 0 && sum(p, sizeof(struct mpfloat)) == 0)
      return (struct mpfloat *)p;
  }
  return 0;
}

// Spec 4: the first KB of the EBDA (its segment is the BIOS data area's word
// at 0x40E), else the last KB of base memory (its size in KB at 0x413), else
// the BIOS ROM at 0xF0000-0xFFFFF.
static struct mpfloat *mpsearch(void) {
  uchar *bda = P2V(0x400);
  struct mpfloat *mp;
  uint ebda = ((bda[0x0F] << 8) | bda[0x0E]) << 4;
  if (ebda && (mp = mpsearch1(ebda, 1024)))
    return mp;
  uint basekb = (bda[0x14] << 8) | bda[0x13];
  if (basekb && (mp = mpsearch1(basekb * 1024 - 1024, 1024)))
    return mp;
  return mpsearch1(0xF0000, 0x10000);
}

// Fill cpus[] with the usable processors, the bootstrap processor first.
// Returns how many (1 if there is no table: the bootstrap processor alone).
// imcr is set if the machine starts with the 8259s wired to the CPU through
// the IMCR, which must be switched before the local APIC takes over.
int mpinit(int *imcr) {
  struct mpfloat *mp = mpsearch();
  *imcr = 0;
  if (mp == 0 || mp->physaddr == 0 || mp->physaddr >= LOWMEM - sizeof(struct mpconf))
    return 1;
  struct mpconf *conf = P2V(mp->physaddr);
  if (memcmp(conf, "PCMP", 4) != 0 || (conf->version != 1 && conf->version != 4) ||
      mp->physaddr + conf->length > LOWMEM || sum((uchar *)conf, conf->length) != 0)
    return 1;
  int n = 1;  // cpus[0] is kept for the bootstrap processor
  int bsp = 0;
  uchar *p = (uchar *)(conf + 1), *e = (uchar *)conf + conf->length;
  for (int i = 0; i < conf->entry && p < e; i++) {
    if (*p != MPPROC) {
      p += 8;
      continue;
    }
    struct mpproc *proc = (struct mpproc *)p;
    p += sizeof(struct mpproc);
    if (!(proc->flags & MPPROC_EN))
      continue;
    if ((proc->flags & MPPROC_BP) && !bsp) {
      cpus[0].apicid = proc->apicid;
      bsp = 1;
    } else if (n < NCPU) {
      cpus[n++].apicid = proc->apicid;
    }
  }
  if (!bsp)
    return 1;  // a table without the processor that runs this: do not trust it
  *imcr = (mp->imcrp & 0x80) != 0;
  return n;
}

// Connect the local APIC instead of the 8259s to the CPU's interrupt pin
// (spec 3.6.2.1): IMCR register 0x70 through ports 0x22 (select) and 0x23.
void mpimcr(void) {
  outb(0x22, 0x70);
  outb(0x23, inb(0x23) | 1);
}

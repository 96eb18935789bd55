// Boot: read what the loader handed over, build the kernel's page table,
// start the devices, the other CPUs and the first process.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "multiboot.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "x86.h"

extern char end[];  // first address after the kernel (kernel.ld)

static char cmdline[CMDLINE];
static uint archivestart, archiveend;  // physical

#define LOWMEM (4 * 1024 * 1024)  // what entrypgdir maps

// A kernel pointer to size bytes at physical pa handed over by the loader; they
// must lie below 4 MB, the only memory mapped before kvmalloc.
static void *lowptr(uint pa, uint size) {
  if (pa >= LOWMEM || size > LOWMEM - pa)
    panic("multiboot information above 4 MB");
  return P2V(pa);
}

// Read the multiboot information: command line, archive module and the top of
// the usable memory that contains 1 MB. Returns that top (physical).
static uint bootinfo(uint magic, uint infopa) {
  if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
    panic("not started by a multiboot loader");
  // The loader puts the information below 4 MB, which entrypgdir maps.
  struct multiboot_info *mbi = lowptr(infopa, sizeof(*mbi));
  if (mbi->flags & MB_INFO_CMDLINE)
    safestrcpy(cmdline, lowptr(mbi->cmdline, 1), sizeof(cmdline));
  if ((mbi->flags & MB_INFO_MODS) && mbi->mods_count > 0) {
    struct multiboot_mod *m = lowptr(mbi->mods_addr, sizeof(*m));
    archivestart = m->mod_start;
    archiveend = m->mod_end;
  }
  uint top = 0;
  if (mbi->flags & MB_INFO_MMAP) {
    uint a = mbi->mmap_addr;
    lowptr(a, mbi->mmap_length);
    while (a + sizeof(struct multiboot_mmap) <= mbi->mmap_addr + mbi->mmap_length) {
      struct multiboot_mmap *e = P2V(a);
      if (e->type == 1 && e->base_hi == 0 && e->base_lo <= EXTMEM) {
        uint long_end = e->len_hi || e->base_lo + e->len_lo < e->base_lo
                            ? 0xFFFFF000 : e->base_lo + e->len_lo;
        if (long_end > EXTMEM)
          top = long_end;
      }
      a += e->size + 4;
    }
  }
  if (top == 0 && (mbi->flags & MB_INFO_MEMORY))
    top = EXTMEM + mbi->mem_upper * 1024;
  if (top == 0)
    top = DISKBOOT_TOP;
  return top;
}

// Hand the frames of physical [lo, hi) that the archive does not occupy to kinit.
static void freeexcept(uint lo, uint hi, void (*kinit)(void *, void *)) {
  uint as = PGROUNDDOWN(archivestart), ae = PGROUNDUP(archiveend);
  if (ae <= lo || as >= hi) {
    kinit(P2V(lo), P2V(hi));
    return;
  }
  if (as > lo)
    kinit(P2V(lo), P2V(as));
  if (ae < hi)
    kinit(P2V(ae), P2V(hi));
}

extern pde_t entrypgdir[];
static void startothers(void);
static void mpmain(void) __attribute__((noreturn));

// Bootstrap processor starts here, on the boot stack, with entrypgdir.
int main(uint magic, uint infopa) {
  consoleinit();
  uint top = bootinfo(magic, infopa);
  parseoptions(cmdline);
  uint cap = opt.mem ? opt.mem * 1024 * 1024 : PHYSTOP_DEFAULT;
  if (cap > PHYSTOP_MAX)
    cap = PHYSTOP_MAX;
  phystop = PGROUNDDOWN(top < cap ? top : cap);
  if (phystop < PHYSTOP_MIN)
    panic("less than 8 MB of memory");
  if (archiveend == 0)
    panic("no initial archive (xray86: give --module)");
  cprintf("xray86 guest kernel: %d MB, archive %d bytes\n", phystop >> 20, archiveend - archivestart);
  printoptions();

  if (archiveend <= archivestart || archiveend > phystop ||
      (archivestart < V2P(end) && archiveend > EXTMEM))
    panic("the archive overlaps the kernel or lies beyond usable memory");
  // The processors the MP table lists. One CPU keeps the 8259s and the 8254
  // unless layout=xv6 asks for the APICs; several need each CPU's local APIC.
  int imcr;
  int nmp = mpinit(&imcr);
  useapic = opt.layout_xv6 || nmp > 1;
  uint kernend = PGROUNDUP(V2P(end));
  freeexcept(kernend, LOWMEM, kinit1);  // enough for kvmalloc's page tables
  kvmalloc();
  ncpu = nmp;  // the local APIC is mapped now: mycpu() can read its ID
  seginit();
  archiveinit(archivestart, archiveend);
  if (useapic) {
    if (imcr)
      mpimcr();
    picdisable();
    lapicinit();
    ioapicinit();
  } else {
    picinit();
  }
  timerinit();
  uartinit();
  tvinit();
  idtinit();
  startothers();  // before kinit2: the stacks must lie below 4 MB, which entrypgdir maps
  freeexcept(LOWMEM, phystop, kinit2);
  userinit();
  mpmain();
}

// Every CPU but the first starts here from apstart.S, on its own stack, with
// entrypgdir: the kernel's page table, its own GDT and local APIC, then the
// scheduler.
static void mpenter(void) {
  switchkvm();
  seginit();
  lapicinit();
  mpmain();
}

// The end of every CPU's start: load the IDT, say the CPU is up and enter
// the scheduler. One CPU says nothing, so that its boot reads as it always did.
static void mpmain(void) {
  if (ncpu > 1)
    cprintf("cpu%d: starting %d\n", cpuid(), cpuid());
  idtinit();
  xchg(&mycpu()->started, 1);
  scheduler();
}

// Start the other CPUs one after the other: copy apstart.S's code to APSTART,
// leave it a scheduler stack (a frame kinit1 freed, below 4 MB, so that
// entrypgdir maps it), mpenter and entrypgdir, send INIT and STARTUP, and wait
// until the CPU reaches mpmain.
static void startothers(void) {
  extern char apstart[], apstart_end[];
  if (ncpu == 1)
    return;
  memmove(P2V(APSTART), apstart, apstart_end - apstart);
  for (struct cpu *c = cpus + 1; c < cpus + ncpu; c++) {
    char *stack = kalloc();
    if (stack == 0)
      panic("startothers: out of memory");
    *(uint *)P2V(APSTART - 4) = (uint)stack + KSTACKSIZE;
    *(void (**)(void))P2V(APSTART - 8) = mpenter;
    *(uint *)P2V(APSTART - 12) = V2P(entrypgdir);
    lapicstartap(c->apicid, APSTART);
    for (uint spins = 0; !c->started; spins++)
      if (spins == 0xFFFFFFFF)
        panic("startothers: a CPU did not start");
  }
}

// The page directory entry.S uses until kvmalloc: two 4 MB pages, both onto
// physical 0-4 MB, one at virtual 0 (for the instructions right after CR0.PG)
// and one at KERNBASE. Page directories must be page-aligned.
__attribute__((__aligned__(PGSIZE))) pde_t entrypgdir[NPDENTRIES] = {
    [0] = (0) | PTE_P | PTE_W | PTE_PS,
    [KERNBASE >> PDXSHIFT] = (0) | PTE_P | PTE_W | PTE_PS,
};

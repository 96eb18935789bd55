// Boot: read what the loader handed over, build the kernel's page table,
// start the devices and the first process.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "multiboot.h"
#include "defs.h"
#include "x86.h"

extern char end[];  // first address after the kernel (kernel.ld)

static char cmdline[CMDLINE];
static uint archivestart, archiveend;  // physical

// Read the multiboot information: command line, archive module and the top of
// the usable memory that contains 1 MB. Returns that top (physical).
static uint bootinfo(uint magic, uint infopa) {
  if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
    panic("not started by a multiboot loader");
  // The loader puts the information below 4 MB, which entrypgdir maps.
  struct multiboot_info *mbi = P2V(infopa);
  if (mbi->flags & MB_INFO_CMDLINE)
    safestrcpy(cmdline, P2V(mbi->cmdline), sizeof(cmdline));
  if ((mbi->flags & MB_INFO_MODS) && mbi->mods_count > 0) {
    struct multiboot_mod *m = P2V(mbi->mods_addr);
    archivestart = m->mod_start;
    archiveend = m->mod_end;
  }
  uint top = 0;
  if (mbi->flags & MB_INFO_MMAP) {
    uint a = mbi->mmap_addr;
    while (a < mbi->mmap_addr + mbi->mmap_length) {
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
    panic("no initial archive (give one with -initrd)");
  cprintf("xray86 guest kernel: %d MB, archive %d bytes\n", phystop >> 20, archiveend - archivestart);
  printoptions();

  uint firstfree = V2P(end) > archiveend ? V2P(end) : archiveend;
  uint lowtop = 4 * 1024 * 1024;  // what entrypgdir maps
  if (firstfree > lowtop - 64 * PGSIZE)
    panic("kernel and archive leave no room below 4 MB");
  kinit1(P2V(PGROUNDUP(firstfree)), P2V(lowtop));
  kvmalloc();
  seginit();
  archiveinit(archivestart, archiveend);
  picinit();
  timerinit();
  uartinit();
  tvinit();
  idtinit();
  kinit2(P2V(lowtop), P2V(phystop));
  userinit();
  scheduler();
}

// The page directory entry.S uses until kvmalloc: two 4 MB pages, both onto
// physical 0-4 MB, one at virtual 0 (for the instructions right after CR0.PG)
// and one at KERNBASE. Page directories must be page-aligned.
__attribute__((__aligned__(PGSIZE))) pde_t entrypgdir[NPDENTRIES] = {
    [0] = (0) | PTE_P | PTE_W | PTE_PS,
    [KERNBASE >> PDXSHIFT] = (0) | PTE_P | PTE_W | PTE_PS,
};

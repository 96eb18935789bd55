// Virtual memory: segments, page tables, user address spaces, copy-on-write
// fork (copyuvm) and its page-fault handler (handlePageFault).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "x86.h"

extern char data[];  // first address after the kernel's text and rodata (kernel.ld)
pde_t *kpgdir;       // the scheduler's page table; in the shared layout every other's kernel half

// Load this CPU's GDT: flat 4 GB code and data segments for rings 0 and 3,
// and reload every segment register from it (the loader's GDT may be gone).
// Each CPU has its own GDT, for its own TSS.
void seginit(void) {
  pushcli();
  struct cpu *c = mycpu();
  popcli();
  c->gdt[SEG_KCODE] = SEG(STA_X | STA_R, 0, 0xffffffff, 0);
  c->gdt[SEG_KDATA] = SEG(STA_W, 0, 0xffffffff, 0);
  c->gdt[SEG_UCODE] = SEG(STA_X | STA_R, 0, 0xffffffff, DPL_USER);
  c->gdt[SEG_UDATA] = SEG(STA_W, 0, 0xffffffff, DPL_USER);
  lgdt(c->gdt, sizeof(c->gdt));
  asm volatile("ljmp %0, $1f\n1:\n"
               "movw %w1, %%ds\n movw %w1, %%es\n movw %w1, %%ss\n"
               "movw %w2, %%fs\n movw %w2, %%gs\n"
               :
               : "i"(SEG_KCODE << 3), "r"(SEG_KDATA << 3), "r"(0)
               : "memory");
}

// Return the address of the PTE in page table pgdir that corresponds to virtual
// address va. If alloc!=0, create any required page table page.
pte_t *walkpgdir(pde_t *pgdir, const void *va, int alloc) {
  pde_t *pde = &pgdir[PDX(va)];
  pte_t *pgtab;
  if (*pde & PTE_P) {
    pgtab = (pte_t *)P2V(PTE_ADDR(*pde));
  } else {
    if (!alloc || (pgtab = (pte_t *)kalloc()) == 0)
      return 0;
    memset(pgtab, 0, PGSIZE);
    // Permissions combine across the PDE and the PTE (80386 PRM 5.2.4), so the
    // PDE allows everything and each PTE says what it means.
    *pde = V2P(pgtab) | PTE_P | PTE_W | PTE_U;
  }
  return &pgtab[PTX(va)];
}

// Map size bytes of virtual addresses starting at va to physical addresses
// starting at pa, with permissions perm. va and size need not be page-aligned.
// Returns 0, or -1 if a page table could not be allocated.
int mappages(pde_t *pgdir, void *va, uint size, uint pa, int perm) {
  char *a = (char *)PGROUNDDOWN((uint)va);
  char *last = (char *)PGROUNDDOWN(((uint)va) + size - 1);
  for (;;) {
    pte_t *pte = walkpgdir(pgdir, a, 1);
    if (pte == 0)
      return -1;
    if (*pte & PTE_P)
      panic("remap");
    *pte = pa | perm | PTE_P;
    if (a == last)
      break;
    a += PGSIZE;
    pa += PGSIZE;
  }
  return 0;
}

// Build the kernel half once: KERNBASE.. maps all of physical memory; the
// kernel's text and rodata are read-only (CR0.WP makes that hold in ring 0).
// With several CPUs (useapic) the two APIC pages are mapped to themselves too.
static void setupkernelmap(void) {
  if ((kpgdir = (pde_t *)kalloc()) == 0)
    panic("kvmalloc");
  memset(kpgdir, 0, PGSIZE);
  if (mappages(kpgdir, P2V(0), EXTMEM, 0, PTE_W) < 0 ||
      mappages(kpgdir, (void *)KERNLINK, V2P(data) - EXTMEM, EXTMEM, 0) < 0 ||
      mappages(kpgdir, data, phystop - V2P(data), V2P(data), PTE_W) < 0)
    panic("kvmalloc: out of memory");
  if (useapic && (mappages(kpgdir, (void *)IOAPIC, PGSIZE, IOAPIC, PTE_W) < 0 ||
                  mappages(kpgdir, (void *)LAPIC, PGSIZE, LAPIC, PTE_W) < 0))
    panic("kvmalloc: out of memory");
}

// layout=xv6: map the kernel half into pgdir with page tables of its own, as
// xv6-public's setupkvm does for every address space: the same mappings as
// setupkernelmap, plus the devices (the APICs) at DEVSPACE..4 GB mapped to the
// same physical addresses. Returns 0, or -1 if out of memory.
static int mapkernel(pde_t *pgdir) {
  if (mappages(pgdir, P2V(0), EXTMEM, 0, PTE_W) < 0 ||
      mappages(pgdir, (void *)KERNLINK, V2P(data) - EXTMEM, EXTMEM, 0) < 0 ||
      mappages(pgdir, data, phystop - V2P(data), V2P(data), PTE_W) < 0 ||
      mappages(pgdir, (void *)DEVSPACE, 0 - DEVSPACE, DEVSPACE, PTE_W) < 0)
    return -1;
  return 0;
}

// Make a page directory holding only the kernel half. In the shared layout
// every address space shares the kernel's page tables (the PDEs above KERNBASE
// are copies), so a process costs its directory and its own user page tables,
// nothing more. With layout=xv6 it gets its own copy of every kernel page
// table (kptables counts them). Returns 0 if out of memory.
pde_t *setupkvm(void) {
  pde_t *pgdir = (pde_t *)kalloc();
  if (pgdir == 0)
    return 0;
  memset(pgdir, 0, PGSIZE);
  if (opt.layout_xv6) {
    if (mapkernel(pgdir) < 0) {
      freevm(pgdir);
      return 0;
    }
    return pgdir;
  }
  for (int i = PDX(KERNBASE); i < NPDENTRIES; i++)
    pgdir[i] = kpgdir[i];
  return pgdir;
}

// Build the kernel page table and switch to it (from entrypgdir). With
// layout=xv6 it is one more copy of the kernel half, made as every process's is.
void kvmalloc(void) {
  if (opt.layout_xv6) {
    if ((kpgdir = setupkvm()) == 0)
      panic("kvmalloc: out of memory");
  } else {
    setupkernelmap();
  }
  switchkvm();
}

// The page-table pages of pgdir's kernel half that belong to pgdir alone: 0 in
// the shared layout, where they are kpgdir's; with layout=xv6 one per 4 MB of
// KERNBASE..KERNBASE+phystop and of DEVSPACE..4 GB.
int kptables(pde_t *pgdir) {
  int n = 0;
  for (int i = PDX(KERNBASE); i < NPDENTRIES; i++)
    if ((pgdir[i] & PTE_P) && PTE_ADDR(pgdir[i]) != PTE_ADDR(kpgdir[i]))
      n++;
  return n;
}

// Switch to the kernel-only page table, while no process runs.
void switchkvm(void) { lcr3(V2P(kpgdir)); }

// Switch the TSS's kernel stack and the page table to process p.
void switchuvm(struct proc *p) {
  if (p == 0 || p->kstack == 0 || p->pgdir == 0)
    panic("switchuvm");
  pushcli();
  struct cpu *c = mycpu();
  c->gdt[SEG_TSS] = SEG16(STS_T32A, &c->ts, sizeof(c->ts) - 1, 0);
  c->ts.ss0 = SEG_KDATA << 3;
  c->ts.esp0 = (uint)p->kstack + KSTACKSIZE;
  c->ts.iomb = 0xFFFF;  // beyond the limit: no I/O permission bitmap
  ltr(SEG_TSS << 3);    // loads the busy bit, so the descriptor is rewritten each time
  lcr3(V2P(p->pgdir));
  popcli();
}

// Allocate zeroed frames to grow a process from oldsz to newsz (not page-aligned),
// user-accessible with the extra permissions perm (PTE_W or 0).
// Returns newsz, or 0 on error (what was allocated here is freed again).
int allocuvm(pde_t *pgdir, uint oldsz, uint newsz, int perm) {
  if (newsz >= KERNBASE || newsz < oldsz)
    return 0;
  for (uint a = PGROUNDUP(oldsz); a < newsz; a += PGSIZE) {
    char *mem = kalloc();
    if (mem == 0) {
      deallocuvm(pgdir, a, oldsz);
      return 0;
    }
    memset(mem, 0, PGSIZE);
    if (mappages(pgdir, (char *)a, PGSIZE, V2P(mem), perm | PTE_U) < 0) {
      kfree(mem);
      deallocuvm(pgdir, a, oldsz);
      return 0;
    }
  }
  return newsz;
}

// Shrink a process from oldsz to newsz, dropping one reference to each frame
// (a frame shared by copy-on-write stays with its other users). A page table
// left with nothing mapped is freed too, so that a process that grows and
// shrinks again gives back every frame. Returns newsz. The caller flushes the TLB.
int deallocuvm(pde_t *pgdir, uint oldsz, uint newsz) {
  if (newsz >= oldsz)
    return oldsz;
  uint first = PGROUNDUP(newsz);
  for (uint a = first; a < oldsz; a += PGSIZE) {
    pte_t *pte = walkpgdir(pgdir, (char *)a, 0);
    if (pte == 0) {
      a = PGADDR(PDX(a) + 1, 0, 0) - PGSIZE;  // no page table: skip its 4 MB
      continue;
    }
    if (*pte & PTE_P) {
      kfree(P2V(PTE_ADDR(*pte)));
      *pte = 0;
    }
    // Past the last page of a table that lies wholly above newsz: it is empty now.
    uint tablebase = PGADDR(PDX(a), 0, 0);
    if (PTX(a) == NPTENTRIES - 1 || a + PGSIZE >= oldsz) {
      if (tablebase >= first) {
        kfree(P2V(PTE_ADDR(pgdir[PDX(a)])));
        pgdir[PDX(a)] = 0;
      }
    }
  }
  return newsz;
}

// Copy sz bytes from src (kernel memory, the archive) to user address addr in pgdir,
// whose pages must be mapped. Returns 0, or -1 if a page is missing.
int loaduvm(pde_t *pgdir, char *addr, const char *src, uint sz) {
  uint done = 0;
  while (done < sz) {
    uint va = (uint)addr + done;
    pte_t *pte = walkpgdir(pgdir, (char *)va, 0);
    if (pte == 0 || !(*pte & PTE_P))
      return -1;
    uint off = va % PGSIZE;
    uint n = PGSIZE - off < sz - done ? PGSIZE - off : sz - done;
    memmove((char *)P2V(PTE_ADDR(*pte)) + off, src + done, n);
    done += n;
  }
  return 0;
}

// Free a page directory, its user frames (one reference each) and its user page
// tables. The kernel half's page tables are shared and stay, except with
// layout=xv6, where they are pgdir's own and go too.
void freevm(pde_t *pgdir) {
  if (pgdir == 0)
    panic("freevm: no pgdir");
  deallocuvm(pgdir, KERNBASE, 0);
  int top = opt.layout_xv6 ? NPDENTRIES : PDX(KERNBASE);
  for (int i = 0; i < top; i++)
    if (pgdir[i] & PTE_P)
      kfree(P2V(PTE_ADDR(pgdir[i])));
  kfree((char *)pgdir);
}

// Clear PTE_U on a page, to make the guard page below the user stack.
void clearpteu(pde_t *pgdir, char *uva) {
  pte_t *pte = walkpgdir(pgdir, uva, 0);
  if (pte == 0)
    panic("clearpteu");
  *pte &= ~PTE_U;
}

// Drop the TLB entry of page va after its PTE in the current address space
// changed, if cow_flush=invlpg: one INVLPG per page, right after each change.
static void cowflushpage(uint va) {
  if (opt.cow_flush == COW_FLUSH_INVLPG)
    invlpg((void *)va);
}

// Reload CR3 after PTEs of pgdir, the current address space, changed, if
// cow_flush=lcr3 (the default): it drops every entry, so once, after the last
// change. cow_flush=none, the bug, flushes neither way.
static void cowflush(pde_t *pgdir) {
  if (opt.cow_flush == COW_FLUSH_LCR3)
    lcr3(V2P(pgdir));
}

// Should fork share this page copy-on-write? Writable pages are, and so are
// pages an earlier fork shared that nobody has written since; read-only pages
// stay read-only. cow_mark=all, the bug, marks them too.
static int sharecow(pte_t pte) { return (pte & (PTE_W | PTE_COW)) || opt.cow_mark_all; }

// Is a write to this present user page a copy-on-write fault? cow_fault=naive,
// the bug, takes every such write for one, PTE_COW or not.
static int iscow(pte_t pte) { return (pte & PTE_COW) || opt.cow_fault_naive; }

// The flags of a page the handler has resolved: writable and no longer COW.
// cow_fix=keepro, the bug, leaves them as they were.
static uint makewritable(uint flags) {
  return opt.cow_fix_keepro ? flags : (flags | PTE_W) & ~PTE_COW;
}

// fork=eager, the lab's starting point: copy every user page of pgdir into a new
// frame of a new directory. Returns it, or 0 if out of memory.
static pde_t *copyuvmeager(pde_t *pgdir, uint sz) {
  pde_t *d = setupkvm();
  if (d == 0)
    return 0;
  for (uint i = 0; i < sz; i += PGSIZE) {
    pte_t *pte = walkpgdir(pgdir, (void *)i, 0);
    if (pte == 0 || !(*pte & PTE_P))
      continue;  // a hole between program segments
    uint pa = PTE_ADDR(*pte);
    uint flags = PTE_FLAGS(*pte) & ~(PTE_A | PTE_D);
    char *mem = kalloc();
    if (mem == 0)
      goto bad;
    memmove(mem, (char *)P2V(pa), PGSIZE);
    if (mappages(d, (void *)i, PGSIZE, V2P(mem), flags) < 0) {
      kfree(mem);
      goto bad;
    }
  }
  return d;

bad:
  freevm(d);
  return 0;
}

// Given a parent's page table, make one for a child with the same user memory,
// copy-on-write: allocate no frames for user pages; the child's PTEs point to the
// parent's frames, writable pages lose PTE_W and gain PTE_COW in both tables,
// read-only pages stay read-only, each shared frame gains a reference, and the
// parent's TLB is flushed. Returns the new directory, or 0 if out of memory.
pde_t *copyuvm(pde_t *pgdir, uint sz) {
  if (opt.fork_eager)
    return copyuvmeager(pgdir, sz);
  pde_t *d = setupkvm();
  if (d == 0)
    return 0;
  for (uint i = 0; i < sz; i += PGSIZE) {
    pte_t *pte = walkpgdir(pgdir, (void *)i, 0);
    if (pte == 0 || !(*pte & PTE_P))
      continue;  // a hole between program segments
    uint pa = PTE_ADDR(*pte);
    uint flags = PTE_FLAGS(*pte) & ~(PTE_A | PTE_D);
    if (sharecow(*pte)) {
      flags = (flags & ~PTE_W) | PTE_COW;
      *pte = pa | flags;
      cowflushpage(i);
    }
    if (mappages(d, (void *)i, PGSIZE, pa, flags) < 0)
      goto bad;
    incref(pa);
  }
  cowflush(pgdir);
  return d;

bad:
  freevm(d);
  cowflush(pgdir);
  return 0;
}

// The page-fault handler (trap 14), for faults in user mode and for the kernel's
// writes into user memory (CR0.WP=1). Reads CR2 and walks the page table: a
// write to a present user page marked PTE_COW is copy-on-write: with one
// reference the page just becomes writable again; with more, it gets a private
// copy and the old frame loses a reference. Anything else, or no memory for the
// copy, kills the process.
// Returns 0 if the faulting instruction can run again, -1 if the process was killed.
int handlePageFault(struct trapframe *tf) {
  struct proc *p = myproc();
  uint va = rcr2();
  if (p == 0)
    panic("page fault with no process");

  pte_t *pte = va < KERNBASE ? walkpgdir(p->pgdir, (void *)va, 0) : 0;
  if (pte == 0 || !(*pte & PTE_P) || !(*pte & PTE_U))
    return killproc(p, tf, va);  // not a user page
  if (!(tf->err & FEC_WR) || !iscow(*pte))
    return killproc(p, tf, va);  // not a write to a copy-on-write page

  uint pa = PTE_ADDR(*pte);
  uint flags = makewritable(PTE_FLAGS(*pte));
  if (getrefcount(pa) == 1) {
    *pte = pa | flags;  // the last user of the frame: no copy needed
  } else {
    char *mem = kalloc();
    if (mem == 0) {
      cprintf("pid %d %s: out of memory for a copy-on-write page\n", p->pid, p->name);
      return killproc(p, tf, va);
    }
    memmove(mem, P2V(pa), PGSIZE);
    *pte = V2P(mem) | flags;
    kfree(P2V(pa));
  }
  cowflushpage(PGROUNDDOWN(va));
  cowflush(p->pgdir);
  p->pagefaults++;
  return 0;
}

// Copy len bytes from p to user address va in page table pgdir, through the
// kernel's mapping of the frames. Only for a fresh address space (exec), whose
// pages are private: a COW or non-user page is refused. Returns 0 or -1.
int copyout(pde_t *pgdir, uint va, const void *p, uint len) {
  const char *buf = p;
  while (len > 0) {
    uint va0 = PGROUNDDOWN(va);
    pte_t *pte = walkpgdir(pgdir, (char *)va0, 0);
    if (pte == 0 || (*pte & (PTE_P | PTE_U | PTE_W)) != (PTE_P | PTE_U | PTE_W))
      return -1;
    uint n = PGSIZE - (va - va0);
    if (n > len)
      n = len;
    memmove((char *)P2V(PTE_ADDR(*pte)) + (va - va0), buf, n);
    len -= n;
    buf += n;
    va = va0 + PGSIZE;
  }
  return 0;
}

// Copy n bytes from kernel memory src to the current process's user address va,
// writing through its page table so that CR0.WP turns a write to a COW page into
// a page fault that handlePageFault resolves. Returns 0, or -1 if the range is
// outside the process or a fault killed it.
int copytouser(uint va, const void *src, uint n) {
  struct proc *p = myproc();
  if (va >= p->sz || n > p->sz - va)
    return -1;
  return usercopy(va, src, n);
}

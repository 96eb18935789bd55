// exec: replace the current process's memory with a program from the archive.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "archive.h"
#include "elf.h"
#include "defs.h"
#include "x86.h"

// Load the ELF program path: each PT_LOAD segment at its page-aligned address
// (writable only if the segment is), one right after the other from address 0
// (no holes: every page below sz is mapped, which the system calls rely on), then a guard page (no PTE_U) and one page
// of stack holding argc, argv and the strings. Returns argc to the new program
// (the system call's result), or -1 with the old memory untouched.
int exec(const char *path, char **argv) {
  struct proc *curproc = myproc();
  const struct archive_entry *e = archivelookup(path);
  if (e == 0)
    return -1;
  const char *file = archivedata(e);
  const struct elfhdr *elf = (const struct elfhdr *)file;
  if (e->size < sizeof(*elf) || elf->magic != ELF_MAGIC)
    return -1;
  if (elf->phnum == 0 || elf->phoff > e->size ||
      elf->phnum > (e->size - elf->phoff) / sizeof(struct proghdr))
    return -1;

  pde_t *pgdir = setupkvm();
  if (pgdir == 0)
    return -1;
  uint sz = 0;
  const struct proghdr *ph = (const struct proghdr *)(file + elf->phoff);
  for (int i = 0; i < elf->phnum; i++, ph++) {
    if (ph->type != ELF_PROG_LOAD)
      continue;
    if (ph->memsz < ph->filesz || ph->vaddr + ph->memsz < ph->vaddr ||
        ph->vaddr + ph->memsz >= KERNBASE || ph->vaddr % PGSIZE != 0 ||
        ph->vaddr != PGROUNDUP(sz) || ph->off > e->size || ph->filesz > e->size - ph->off)
      goto bad;
    int perm = (ph->flags & ELF_PROG_FLAG_WRITE) ? PTE_W : 0;
    if ((sz = allocuvm(pgdir, ph->vaddr, ph->vaddr + ph->memsz, perm)) == 0)
      goto bad;
    if (loaduvm(pgdir, (char *)ph->vaddr, file + ph->off, ph->filesz) < 0)
      goto bad;
  }

  // The guard page, then the stack page.
  sz = PGROUNDUP(sz);
  if (allocuvm(pgdir, sz, sz + 2 * PGSIZE, PTE_W) == 0)
    goto bad;
  clearpteu(pgdir, (char *)sz);
  sz += 2 * PGSIZE;

  uint sp = sz, ustack[3 + MAXARG + 1];
  int argc;
  for (argc = 0; argv[argc]; argc++) {
    if (argc >= MAXARG)
      goto bad;
    uint len = strlen(argv[argc]) + 1;
    if (len + 4 > sp - (sz - PGSIZE))
      goto bad;  // the strings must fit in the stack page
    sp = (sp - len) & ~3;
    if (copyout(pgdir, sp, argv[argc], len) < 0)
      goto bad;
    ustack[3 + argc] = sp;
  }
  ustack[3 + argc] = 0;
  ustack[0] = 0xffffffff;  // a return address main never uses
  ustack[1] = argc;
  ustack[2] = sp - (argc + 1) * 4;  // argv
  if ((3 + argc + 1) * 4 > sp - (sz - PGSIZE))
    goto bad;
  sp -= (3 + argc + 1) * 4;
  if (copyout(pgdir, sp, ustack, (3 + argc + 1) * 4) < 0)
    goto bad;

  const char *last = path;
  for (const char *s = path; *s; s++)
    if (*s == '/')
      last = s + 1;
  safestrcpy(curproc->name, last, sizeof(curproc->name));

  pde_t *oldpgdir = curproc->pgdir;
  curproc->pgdir = pgdir;
  curproc->sz = sz;
  curproc->tf->eip = elf->entry;
  curproc->tf->esp = sp;
  curproc->pagefaults = 0;  // counts belong to the program, however it was started
  curproc->lastfaulteip = curproc->lastfaultaddr = curproc->repeats = 0;
  switchuvm(curproc);
  freevm(oldpgdir);
  return argc;

bad:
  freevm(pgdir);
  return -1;
}

// Physical memory: a free list of 4 KB frames, and a reference count per frame
// so that copy-on-write fork can share a frame between page tables. Both are
// shared by every CPU and kept under kmem.lock; cow_lock=off, the bug, updates
// the counts without it.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "spinlock.h"
#include "defs.h"

uint phystop;  // first physical address the kernel does not use (set by main)

struct run {
  struct run *next;
};

struct {
  struct spinlock lock;
  struct run *freelist;
  // Number of page tables (user mappings) that use each frame, indexed by
  // physical address >> PGSHIFT. A frame on the free list has count 0.
  ushort refcount[PHYSTOP_MAX >> PGSHIFT];
} kmem;

extern char end[];  // first address after the kernel (kernel.ld)

static void freerange(void *vstart, void *vend) {
  for (char *p = (char *)PGROUNDUP((uint)vstart); p + PGSIZE <= (char *)vend; p += PGSIZE) {
    kmem.refcount[V2P(p) >> PGSHIFT] = 1;
    kfree(p);
  }
}

// Free the frames between the kernel and 4 MB (mapped by entrypgdir)
// so that kvmalloc has page tables to allocate.
void kinit1(void *vstart, void *vend) {
  initlock(&kmem.lock, "kmem");
  freerange(vstart, vend);
}

// Free the rest, once the kernel's page table maps all of physical memory.
void kinit2(void *vstart, void *vend) { freerange(vstart, vend); }

static ushort *refcountof(uint pa) {
  if (pa % PGSIZE || pa < V2P(end) || pa >= phystop)
    panic("refcount: bad frame");
  return &kmem.refcount[pa >> PGSHIFT];
}

// Put the frame at v on the free list. The caller holds kmem.lock.
static void pushfree(char *v) {
  // Fill with junk so that dangling uses show up.
  memset(v, 1, PGSIZE);
  struct run *r = (struct run *)v;
  r->next = kmem.freelist;
  kmem.freelist = r;
}

// cow_lock=off, the lab's race: the count of a frame is read, changed and
// written back without kmem.lock, as `refs[pa / PGSIZE]--` in kfree and `++`
// in copyuvm compile to a load, an add and a store. If another CPU stores
// the same count between this CPU's load and store, one of the two updates
// is lost: a lost decrement leaks the frame (its count never reaches 0), a
// lost increment frees it while a page table still maps it. Only the free
// list itself stays under the lock. Returns the new count.
static uint refadd(uint pa, int delta) {
  volatile ushort *rc = refcountof(pa);
  uint n = *rc;
  if (delta < 0 && n == 0)
    panic("kfree: frame already free");
  if (delta > 0 && n == 0)
    panic("incref: free frame");
  *rc = n + delta;
  return n + delta;
}

// Drop one reference to the frame at kernel virtual address v; put the frame on
// the free list when the last reference goes.
void kfree(char *v) {
  if ((uint)v % PGSIZE || v < end || V2P(v) >= phystop)
    panic("kfree");
  if (opt.cow_lock_off) {
    if (refadd(V2P(v), -1) == 0) {
      acquire(&kmem.lock);
      pushfree(v);
      release(&kmem.lock);
    }
    return;
  }
  acquire(&kmem.lock);
  ushort *rc = refcountof(V2P(v));
  if (*rc == 0)
    panic("kfree: frame already free");
  if (--*rc == 0)
    pushfree(v);
  release(&kmem.lock);
}

// Allocate one 4 KB frame with a reference count of 1.
// Returns its kernel virtual address, or 0 if memory is exhausted.
char *kalloc(void) {
  acquire(&kmem.lock);
  struct run *r = kmem.freelist;
  if (r) {
    kmem.freelist = r->next;
    *refcountof(V2P(r)) = 1;
  }
  release(&kmem.lock);
  return (char *)r;
}

// Add a reference to the frame at physical address pa (a page table now shares it).
void incref(uint pa) {
  if (opt.cow_lock_off) {
    refadd(pa, 1);
    return;
  }
  acquire(&kmem.lock);
  ushort *rc = refcountof(pa);
  if (*rc == 0)
    panic("incref: free frame");
  ++*rc;
  release(&kmem.lock);
}

// Return the number of references to the frame at physical address pa.
uint getrefcount(uint pa) {
  if (opt.cow_lock_off)
    return *refcountof(pa);
  acquire(&kmem.lock);
  uint n = *refcountof(pa);
  release(&kmem.lock);
  return n;
}

// Return the number of free frames, counted by walking kmem.freelist.
int getNumFreePages(void) {
  int n = 0;
  acquire(&kmem.lock);
  for (struct run *r = kmem.freelist; r; r = r->next)
    n++;
  release(&kmem.lock);
  return n;
}

// The i386 memory-management unit: segments, page tables, gates, the TSS.
// Intel 80386 Programmer's Reference Manual, chapters 5 (paging) and 9 (interrupts).
#ifndef GUEST_MMU_H
#define GUEST_MMU_H

// EFLAGS
#define FL_IF 0x00000200  // interrupts enabled

// CR0 (80386 PRM 4.1.3; WP arrived with the 486)
#define CR0_PE 0x00000001  // protection enabled
#define CR0_WP 0x00010000  // supervisor writes honour read-only pages
#define CR0_PG 0x80000000  // paging

// CR4 (Pentium)
#define CR4_PSE 0x00000010  // 4 MB pages in the page directory

// Segment selectors (the layout of every CPU's GDT)
#define SEG_KCODE 1  // kernel code
#define SEG_KDATA 2  // kernel data and stack
#define SEG_UCODE 3  // user code
#define SEG_UDATA 4  // user data and stack
#define SEG_TSS 5    // the task state, for the kernel stack on a trap from ring 3
#define NSEGS 6
#define DPL_USER 3

#ifndef __ASSEMBLER__
// A segment descriptor (80386 PRM 5.1.3, figure 5-3).
struct segdesc {
  uint lim_15_0 : 16;
  uint base_15_0 : 16;
  uint base_23_16 : 8;
  uint type : 4;  // see STA_* and STS_*
  uint s : 1;     // 1: code or data, 0: system
  uint dpl : 2;
  uint p : 1;
  uint lim_19_16 : 4;
  uint avl : 1;
  uint rsv1 : 1;
  uint db : 1;    // 1: 32-bit
  uint g : 1;     // 1: limit in 4 KB units
  uint base_31_24 : 8;
};
// A flat 4 GB code or data segment.
#define SEG(type_, base, lim, dpl_) (struct segdesc)                 \
  { ((lim) >> 12) & 0xffff, (uint)(base) & 0xffff,                  \
    ((uint)(base) >> 16) & 0xff, type_, 1, dpl_, 1,                 \
    (uint)(lim) >> 28, 0, 0, 1, 1, (uint)(base) >> 24 }
// A byte-granular system segment (the TSS).
#define SEG16(type_, base, lim, dpl_) (struct segdesc)               \
  { (lim) & 0xffff, (uint)(base) & 0xffff,                          \
    ((uint)(base) >> 16) & 0xff, type_, 0, dpl_, 1,                 \
    (uint)(lim) >> 16, 0, 0, 1, 0, (uint)(base) >> 24 }
#endif

#define STA_X 0x8  // executable
#define STA_W 0x2  // writable (data)
#define STA_R 0x2  // readable (code)
#define STS_T32A 0x9  // available 32-bit TSS
#define STS_IG32 0xE  // 32-bit interrupt gate (clears IF)
#define STS_TG32 0xF  // 32-bit trap gate

// A linear address (80386 PRM 5.2, figure 5-8):
//
//   31           22 21           12 11            0
//  +---------------+---------------+---------------+
//  |  PDX(la)      |  PTX(la)      |  offset       |
//  +---------------+---------------+---------------+
#define PTXSHIFT 12
#define PDXSHIFT 22
#define PDX(la) (((uint)(la) >> PDXSHIFT) & 0x3FF)
#define PTX(la) (((uint)(la) >> PTXSHIFT) & 0x3FF)
#define PGADDR(d, t, o) ((uint)((d) << PDXSHIFT | (t) << PTXSHIFT | (o)))

#define NPDENTRIES 1024
#define NPTENTRIES 1024
#define PGSIZE 4096
#define PGSHIFT 12
#define PGROUNDUP(sz) (((sz) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE - 1))

// Page-directory and page-table entry bits (80386 PRM 5.2.4, figure 5-10).
#define PTE_P 0x001    // Present
#define PTE_W 0x002    // Writable
#define PTE_U 0x004    // User may access
#define PTE_A 0x020    // Accessed (set by the MMU)
#define PTE_D 0x040    // Dirty (set by the MMU on a write)
#define PTE_PS 0x080   // 4 MB page (PDE only, needs CR4.PSE)
#define PTE_COW 0x200  // Copy-on-write: a software bit (AVL, bits 9-11 are the OS's)

#define PTE_ADDR(pte) ((uint)(pte) & ~0xFFF)
#define PTE_FLAGS(pte) ((uint)(pte) & 0xFFF)

// Page-fault error code bits (80386 PRM 9.8.14).
#define FEC_PR 0x1  // 1: protection violation, 0: page not present
#define FEC_WR 0x2  // 1: write
#define FEC_U 0x4   // 1: fault in user mode

#ifndef __ASSEMBLER__
// The task state segment (80386 PRM 7.2): the CPU takes esp0/ss0 from it on a
// trap from ring 3. Only those two fields and the I/O map base are used here.
struct taskstate {
  uint link;
  uint esp0;
  ushort ss0, pad0;
  uint esp1;
  ushort ss1, pad1;
  uint esp2;
  ushort ss2, pad2;
  uint cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
  ushort es, pad3, cs, pad4, ss, pad5, ds, pad6, fs, pad7, gs, pad8, ldt, pad9;
  ushort t;     // trap on task switch
  ushort iomb;  // I/O map base; beyond the limit so user IN/OUT raise #GP
};

// An interrupt or trap gate (80386 PRM 9.5, figure 9-3).
struct gatedesc {
  uint off_15_0 : 16;
  uint cs : 16;
  uint args : 5;
  uint rsv1 : 3;
  uint type : 4;
  uint s : 1;
  uint dpl : 2;
  uint p : 1;
  uint off_31_16 : 16;
};

// Fill gate g: handler off in code segment sel, callable with int from level d.
#define SETGATE(g, istrap, sel, off, d)          \
  {                                              \
    (g).off_15_0 = (uint)(off) & 0xffff;         \
    (g).cs = (sel);                              \
    (g).args = 0;                                \
    (g).rsv1 = 0;                                \
    (g).type = (istrap) ? STS_TG32 : STS_IG32;   \
    (g).s = 0;                                   \
    (g).dpl = (d);                               \
    (g).p = 1;                                   \
    (g).off_31_16 = (uint)(off) >> 16;           \
  }
#endif
#endif

// The guest's memory layout.
//
//   virtual                       physical
//   0xFFFFFFFF ┐
//              │ layout=xv6 only: devices, the APICs ← the same addresses
//   DEVSPACE   ┘ (0xFE000000)
//                (unmapped)
//   KERNBASE+phystop ┐
//              │ all physical memory  ← 0 .. phystop
//   KERNLINK   │ kernel text, data, bss ← EXTMEM (1 MB)
//   KERNBASE   ┘ (0x80000000)         ← 0 (BIOS area, CGA text at 0xB8000)
//
// In the shared layout (the default) every address space uses the kernel's own
// page tables for KERNBASE..; with layout=xv6, as in MIT's xv6-public, each
// address space gets its own copy of them, and of the device space's.
//              ┐
//              │ user: text (read-only), data, guard page, stack, heap
//   0x00000000 ┘
#ifndef GUEST_MEMLAYOUT_H
#define GUEST_MEMLAYOUT_H
#define EXTMEM 0x100000             // where the kernel is loaded (1 MB)
#define PHYSTOP_DEFAULT 0x4000000   // use at most 64 MB unless mem= says otherwise
#define PHYSTOP_MAX 0x10000000      // the refcount array covers 256 MB
#define PHYSTOP_MIN 0x800000        // below 8 MB there is no room to run the lab
#define DISKBOOT_TOP 0x4000000      // the disk boot's fixed top of memory (64 MB)
#define KERNBASE 0x80000000         // first kernel virtual address
#define KERNLINK (KERNBASE + EXTMEM)  // where the kernel is linked
#define DEVSPACE 0xFE000000         // layout=xv6: memory-mapped devices, mapped 1:1 to the top
#define IOAPIC 0xFEC00000           // the I/O APIC's registers (MP spec's default address)
#define LAPIC 0xFEE00000            // the local APIC's registers (MP spec's default address)

#define V2P(a) (((uint)(a)) - KERNBASE)
#define P2V(a) ((void *)(((char *)(a)) + KERNBASE))
#define V2P_WO(x) ((x) - KERNBASE)  // the same, without casts, for assembly
#define P2V_WO(x) ((x) + KERNBASE)
#endif

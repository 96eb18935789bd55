// Inline wrappers for the x86 instructions C cannot express.
#ifndef GUEST_X86_H
#define GUEST_X86_H
#include "types.h"

static inline uchar inb(ushort port) {
  uchar v;
  asm volatile("inb %1,%0" : "=a"(v) : "d"(port));
  return v;
}
static inline void outb(ushort port, uchar v) { asm volatile("outb %0,%1" : : "a"(v), "d"(port)); }
static inline void outw(ushort port, ushort v) { asm volatile("outw %0,%1" : : "a"(v), "d"(port)); }
static inline void stosb(void *addr, int data, int cnt) {
  asm volatile("cld; rep stosb" : "+D"(addr), "+c"(cnt) : "a"(data) : "memory", "cc");
}
static inline void stosl(void *addr, int data, int cnt) {
  asm volatile("cld; rep stosl" : "+D"(addr), "+c"(cnt) : "a"(data) : "memory", "cc");
}

struct segdesc;
struct gatedesc;
static inline void lgdt(struct segdesc *p, int size) {
  volatile ushort pd[3];
  pd[0] = size - 1;
  pd[1] = (uint)p;
  pd[2] = (uint)p >> 16;
  asm volatile("lgdt (%0)" : : "r"(pd) : "memory");
}
static inline void lidt(struct gatedesc *p, int size) {
  volatile ushort pd[3];
  pd[0] = size - 1;
  pd[1] = (uint)p;
  pd[2] = (uint)p >> 16;
  asm volatile("lidt (%0)" : : "r"(pd) : "memory");
}
static inline void ltr(ushort sel) { asm volatile("ltr %0" : : "r"(sel)); }
static inline uint readeflags(void) {
  uint eflags;
  asm volatile("pushfl; popl %0" : "=r"(eflags));
  return eflags;
}
static inline void cli(void) { asm volatile("cli" ::: "memory"); }
static inline void sti(void) { asm volatile("sti" ::: "memory"); }
static inline void hlt(void) { asm volatile("hlt" ::: "memory"); }
static inline uint rcr2(void) {
  uint v;
  asm volatile("movl %%cr2,%0" : "=r"(v));
  return v;
}
static inline uint rcr0(void) {
  uint v;
  asm volatile("movl %%cr0,%0" : "=r"(v));
  return v;
}
static inline void lcr3(uint v) { asm volatile("movl %0,%%cr3" : : "r"(v) : "memory"); }
// Atomically swap *addr and newval; returns the old *addr. XCHG with a memory
// operand locks the bus by itself (80386 PRM, XCHG).
static inline uint xchg(volatile uint *addr, uint newval) {
  uint result;
  asm volatile("xchgl %0, %1" : "+m"(*addr), "=a"(result) : "1"(newval) : "cc", "memory");
  return result;
}
static inline void invlpg(void *va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }

// The registers trapasm.S pushes on every trap, in the order they sit on the stack.
struct trapframe {
  // pushal
  uint edi, esi, ebp, oesp, ebx, edx, ecx, eax;
  // segments
  ushort gs, padding1, fs, padding2, es, padding3, ds, padding4;
  uint trapno;
  // pushed by the CPU (err by the vector stub when the CPU pushes none)
  uint err;
  uint eip;
  ushort cs, padding5;
  uint eflags;
  // only on a trap from ring 3
  uint esp;
  ushort ss, padding6;
};
#endif

# The application processors' first instructions. main copies apstart ..
# apstart_end to physical APSTART (0x7000) and sends each processor a STARTUP
# IPI whose vector is APSTART's page: the processor begins there in real mode
# with CS = APSTART >> 4, IP = 0 (Intel MP specification B.4.2). The code is
# written for that address: every absolute address in it is AT(label).
#
# Below APSTART main leaves three words for it:
#   APSTART - 4:  the top of this processor's scheduler stack (virtual)
#   APSTART - 8:  the C function to call (mpenter, virtual)
#   APSTART - 12: the physical address of entrypgdir
# The processor turns on protection and paging as entry.S does, with the same
# entrypgdir, and calls mpenter, which never returns.

#include "mmu.h"
#include "memlayout.h"
#include "param.h"

#define AT(label) (APSTART + ((label) - apstart))

.text
.code16
.globl apstart
apstart:
  cli
  cld
  xorw %ax, %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %ss
  lgdtl AT(apgdtdesc)
  movl %cr0, %eax
  orl $CR0_PE, %eax
  movl %eax, %cr0
  # A far jump loads CS from the new GDT and leaves real mode for good.
  ljmpl $(SEG_KCODE << 3), $AT(apstart32)

.code32
apstart32:
  movw $(SEG_KDATA << 3), %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %ss
  xorw %ax, %ax
  movw %ax, %fs
  movw %ax, %gs

  movl %cr4, %eax
  orl $(CR4_PSE), %eax
  movl %eax, %cr4
  movl (APSTART - 12), %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $(CR0_PG | CR0_WP), %eax
  movl %eax, %cr0

  movl (APSTART - 4), %esp
  call *(APSTART - 8)
1:
  hlt
  jmp 1b

# Flat 4 GB code and data segments for ring 0, at the kernel's selectors.
.p2align 2
apgdt:
  .quad 0
  .quad 0x00CF9A000000FFFF  # SEG_KCODE: base 0, limit 4 GB, execute/read
  .quad 0x00CF92000000FFFF  # SEG_KDATA: base 0, limit 4 GB, read/write
apgdtdesc:
  .word apgdtdesc - apgdt - 1
  .long AT(apgdt)
.globl apstart_end
apstart_end:

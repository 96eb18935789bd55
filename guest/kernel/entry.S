# The kernel's first instructions. A multiboot loader (QEMU -kernel, xray86, or
# boot/bootsect.S through a synthesized information structure) jumps to _start
# in protected mode with paging off, %eax = 0x2BADB002 and %ebx = the physical
# address of the multiboot information (Multiboot Specification 0.6.96, 3.2).

#include "mmu.h"
#include "memlayout.h"
#include "multiboot.h"
#include "param.h"

# The multiboot header must sit in the first 8 KB of the image, 4-byte aligned.
.section .multiboot, "a"
.p2align 2
multiboot_header:
  .long MULTIBOOT_HEADER_MAGIC
  .long MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO
  .long -(MULTIBOOT_HEADER_MAGIC + (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO))

.text
# The ELF entry is a physical address: paging is off when the loader jumps here.
.globl _start
_start = V2P_WO(entry)

.globl entry
entry:
  movl %eax, %ebp            # keep the loader's magic and information pointer
  movl %ebx, %esi

  # Clear the bss: a disk boot loads only the file-backed part of the image.
  cld
  movl $V2P_WO(edata), %edi
  movl $V2P_WO(end), %ecx
  subl %edi, %ecx
  xorl %eax, %eax
  rep stosb

  # 4 MB pages, so entrypgdir can map the first 4 MB twice without page tables.
  movl %cr4, %eax
  orl $(CR4_PSE), %eax
  movl %eax, %cr4
  movl $(V2P_WO(entrypgdir)), %eax
  movl %eax, %cr3
  # Paging on, and WP so that kernel writes to read-only (COW) user pages fault.
  movl %cr0, %eax
  orl $(CR0_PG | CR0_WP), %eax
  movl %eax, %cr0

  # Switch to the upper-half stack and jump to main(magic, info) at its linked address.
  movl $(stack + KSTACKSIZE), %esp
  pushl %esi
  pushl %ebp
  pushl $0                   # main never returns
  movl $main, %eax
  jmp *%eax

.comm stack, KSTACKSIZE

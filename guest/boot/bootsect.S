# The boot sector. The BIOS loads it at 0x7C00 and jumps to it in real mode.
# It enables the A20 line through the 8042, enters 32-bit protected mode with
# flat segments, reads the config sector (LBA 1) to 0x7E00, then the kernel
# and the archive where the config sector says, by IDE PIO on the primary
# master (ATA-2: READ SECTORS 0x20, LBA mode), and jumps to the kernel as a
# multiboot loader would: %eax = 0x2BADB002, %ebx = the information structure
# that guest/tools/mkdisk placed in the config sector. No BIOS calls.

#include "multiboot.h"

#define CONFIG 0x7E00
#define CFG_KLBA (CONFIG + 4)
#define CFG_KCOUNT (CONFIG + 8)
#define CFG_KADDR (CONFIG + 12)
#define CFG_ENTRY (CONFIG + 16)
#define CFG_ALBA (CONFIG + 20)
#define CFG_ACOUNT (CONFIG + 24)
#define CFG_AADDR (CONFIG + 28)
#define CFG_INFO (CONFIG + 32)

.code16
.globl start
start:
  cli
  cld
  xorw %ax, %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %ss

  # A20: wait until the 8042's input buffer is empty (status bit 1), then
  # "write output port" (0xD1) with A20 on (0xDF).
a20wait1:
  inb $0x64, %al
  testb $0x2, %al
  jnz a20wait1
  movb $0xD1, %al
  outb %al, $0x64
a20wait2:
  inb $0x64, %al
  testb $0x2, %al
  jnz a20wait2
  movb $0xDF, %al
  outb %al, $0x60

  lgdt gdtdesc
  movl %cr0, %eax
  orl $1, %eax           # CR0.PE
  movl %eax, %cr0
  ljmp $0x08, $start32

.code32
start32:
  movw $0x10, %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %ss
  xorw %ax, %ax
  movw %ax, %fs
  movw %ax, %gs
  movl $start, %esp

  movl $CONFIG, %edi     # the config sector
  movl $1, %ebx
  movl $1, %ecx
  call readsectors
  cmpl $0x47464358, CONFIG   # "XCFG"
  jne halt

  movl CFG_KADDR, %edi   # the kernel
  movl CFG_KLBA, %ebx
  movl CFG_KCOUNT, %ecx
  call readsectors
  movl CFG_AADDR, %edi   # the archive
  movl CFG_ALBA, %ebx
  movl CFG_ACOUNT, %ecx
  call readsectors

  movl $MULTIBOOT_BOOTLOADER_MAGIC, %eax
  movl CFG_INFO, %ebx
  jmp *CFG_ENTRY

halt:
  hlt
  jmp halt

# Read %ecx sectors from LBA %ebx to %edi, one READ SECTORS command each.
readsectors:
  testl %ecx, %ecx
  jz 2f
1:
  call waitdisk
  movw $0x1F2, %dx
  movb $1, %al           # sector count
  outb %al, %dx
  incw %dx               # 0x1F3: LBA bits 0-7
  movl %ebx, %eax
  outb %al, %dx
  incw %dx               # 0x1F4: bits 8-15
  shrl $8, %eax
  outb %al, %dx
  incw %dx               # 0x1F5: bits 16-23
  shrl $8, %eax
  outb %al, %dx
  incw %dx               # 0x1F6: bits 24-27, LBA mode, master
  shrl $8, %eax
  andb $0x0F, %al
  orb $0xE0, %al
  outb %al, %dx
  incw %dx               # 0x1F7: command
  movb $0x20, %al
  outb %al, %dx
  call waitdisk
  pushl %ecx
  movl $128, %ecx        # 512 bytes as 128 dwords
  movw $0x1F0, %dx
  rep insl
  popl %ecx
  incl %ebx
  loop 1b
2:
  ret

# Wait until the drive is ready: status (0x1F7) BSY clear and DRDY set.
waitdisk:
  movw $0x1F7, %dx
3:
  inb %dx, %al
  andb $0xC0, %al
  cmpb $0x40, %al
  jne 3b
  ret

# Flat code (0x08) and data (0x10) segments, 4 GB, ring 0.
.p2align 2
gdt:
  .quad 0
  .quad 0x00CF9A000000FFFF
  .quad 0x00CF92000000FFFF
gdtdesc:
  .word gdtdesc - gdt - 1
  .long gdt

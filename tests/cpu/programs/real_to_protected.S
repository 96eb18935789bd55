# Boot-sector style switch from real to protected mode (as xv6's bootasm.S does it, written here):
# load a GDT, set CR0.PE, far-jump into a 32-bit code segment, load the data segments, run a
# little 32-bit code and halt. Linked at 0x7C00 and entered at 0000:7C00 in real mode.
  .code16
  .globl _start
_start:
  cli
  xorw %ax, %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %ss
  movw $0x7000, %sp
  pushw $0x1234           # a 16-bit push: SP -= 2
  popw %dx
  lgdtl gdtdesc
  movl %cr0, %eax
  orl $1, %eax
  movl %eax, %cr0
  ljmpl $0x08, $protected

  .code32
protected:
  movw $0x10, %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %ss
  movl $0x9000, %esp
  movl $0x12345678, %eax
  pushl %eax
  popl %ebx
  movl %cr0, %ecx
  hlt

  .p2align 3
gdt:
  .quad 0                       # null
  .quad 0x00CF9A000000FFFF      # 0x08: code, base 0, 4 GB, 32-bit, DPL 0
  .quad 0x00CF92000000FFFF      # 0x10: data, base 0, 4 GB, DPL 0
gdtdesc:
  .word gdtdesc - gdt - 1
  .long gdt

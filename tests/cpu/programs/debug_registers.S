# A guest's own debugger on the debug registers ([386PRM] chapter 12): a #DB handler that logs
# DR6 and the return EIP, clears DR6 and sets RF in the EFLAGS image, and three breakpoints.
#   1. DR0 execute at `target`: #DB before it runs (EIP = target), then it runs once (RF).
#   2. DR1 write, 4 bytes at `word`: a read is not seen; a byte store into it traps after the
#      store (EIP = after_write).
#   3. DR2 read/write, 2 bytes at `half`: a read of the byte after them is not seen; a read of
#      its second byte traps (EIP = after_read).
# Entered at 0x7C00 in flat 32-bit ring 0 with an IDT (the CPU test fixture's protectedMode);
# the program points its IDT's gate 1 at its own handler. The table at 0x7C08 holds the addresses
# the test expects in the log (from the assembler), the log sits at 0x7E00: a count, then
# (DR6, EIP) pairs.
  .code32
  .globl _start
_start:
  jmp main
  .p2align 3
expected:                       # 0x7C08
  .long target, after_write, after_read, count, word
main:
  sidt idtr
  movl idtr+2, %ebx             # the IDT's base
  movl $handler, %eax
  movw %ax, 8(%ebx)             # gate 1: offset 15..0
  shrl $16, %eax
  movw %ax, 14(%ebx)            # offset 31..16 (selector and type: the fixture's)

  movl $target, %eax
  movl %eax, %dr0
  movl $0x00000001, %eax        # L0, R/W0 00 (execute), LEN0 00
  movl %eax, %dr7
  nop
target:
  incl count                    # runs once: #DB first, then RF lets it run

  movl $word, %eax
  movl %eax, %dr1
  movl $0x00D00004, %eax        # L1, R/W1 01 (write), LEN1 11 (4 bytes)
  movl %eax, %dr7
  movl word, %eax               # a read: not a write breakpoint's business
  movb $0x5A, word+2            # a store into the watched dword
after_write:
  nop

  movl $half, %eax
  movl %eax, %dr2
  movl $0x07000010, %eax        # L2, R/W2 11 (read or write), LEN2 01 (2 bytes)
  movl %eax, %dr7
  movb half+2, %al              # the byte after the two watched ones
  movb half+1, %al              # the second watched byte
after_read:
  xorl %eax, %eax
  movl %eax, %dr7
  hlt

handler:
  pushl %eax
  pushl %ebx
  movl 0x7E00, %ebx             # the log's count
  movl %dr6, %eax
  andl $0x400F, %eax            # B0-B3 and BS
  movl %eax, 0x7E04(,%ebx,8)
  movl 8(%esp), %eax            # the return EIP
  movl %eax, 0x7E08(,%ebx,8)
  incl 0x7E00
  xorl %eax, %eax
  movl %eax, %dr6               # the handler clears DR6: the CPU never does
  orl $0x10000, 16(%esp)        # RF in the EFLAGS image: the instruction is not stopped again
  popl %ebx
  popl %eax
  iret

  .p2align 2
count:
  .long 0
word:
  .long 0
half:
  .long 0x44332211
idtr:
  .word 0
  .long 0

#include "mmu.h"

# Every vector stub jumps here: save the rest of the trap frame
# (struct trapframe in x86.h), switch to kernel data segments, call trap(tf).
.globl alltraps
alltraps:
  pushl %ds
  pushl %es
  pushl %fs
  pushl %gs
  pushal

  movw $(SEG_KDATA << 3), %ax
  movw %ax, %ds
  movw %ax, %es

  pushl %esp        # the trap frame
  call trap
  addl $4, %esp

# Return from a trap, or start a new process (allocproc points it here).
.globl trapret
trapret:
  popal
  popl %gs
  popl %fs
  popl %es
  popl %ds
  addl $8, %esp     # vector number and error code
  iret

# One entry stub per interrupt vector. The CPU pushes an error code for
# exceptions 8, 10-14 and 17 (80386 PRM 9.9, 486 for 17); the other stubs push
# a zero so that every trap frame has the same layout. Then the vector number.

.altmacro
.macro vector n
  .globl vector\n
vector\n:
  .if (\n <> 8) && ((\n < 10) || (\n > 14)) && (\n <> 17)
    pushl $0
  .endif
  pushl $\n
  jmp alltraps
.endm

.macro vectorref n
  .long vector\n
.endm

.text
.set i, 0
.rept 256
  vector %i
  .set i, i + 1
.endr

# The table tvinit() installs into the IDT.
.data
.globl vectors
vectors:
.set i, 0
.rept 256
  vectorref %i
  .set i, i + 1
.endr

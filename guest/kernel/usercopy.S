# int usercopy(uint dst, const void *src, uint n);
#
# The kernel's one way to write into the running process's memory: a plain
# rep movsb through the process's page table. With CR0.WP=1 a write to a
# read-only (copy-on-write) user page faults here like a user write would;
# trap() hands it to handlePageFault and, when that resolves it, the rep movsb
# resumes where it stopped. If the fault kills the process instead, trap()
# moves the saved eip to usercopy_fault, which returns -1.
.text
.globl usercopy
usercopy:
  pushl %esi
  pushl %edi
  movl 12(%esp), %edi
  movl 16(%esp), %esi
  movl 20(%esp), %ecx
  cld
.globl usercopy_begin
usercopy_begin:
  rep movsb
.globl usercopy_end
usercopy_end:
  popl %edi
  popl %esi
  xorl %eax, %eax
  ret

.globl usercopy_fault
usercopy_fault:
  popl %edi
  popl %esi
  movl $-1, %eax
  ret

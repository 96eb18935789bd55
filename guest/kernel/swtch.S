# void swtch(struct context **old, struct context *new);
#
# Save the callee-saved registers on the current stack, store the stack
# pointer in *old, switch to new and pop its registers. The return address
# already on each stack is the context's eip.
.globl swtch
swtch:
  movl 4(%esp), %eax
  movl 8(%esp), %edx

  pushl %ebp
  pushl %ebx
  pushl %esi
  pushl %edi

  movl %esp, (%eax)
  movl %edx, %esp

  popl %edi
  popl %esi
  popl %ebx
  popl %ebp
  ret

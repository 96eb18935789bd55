// Basic integer types shared by the kernel and the user programs (the guest is 32-bit only).
#ifndef GUEST_TYPES_H
#define GUEST_TYPES_H
typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;
typedef uint pde_t;  // a page-directory entry
typedef uint pte_t;  // a page-table entry
#endif

// Multiboot Specification 0.6.96, section 3: the header the loader looks for and
// the information structure it hands the kernel in %ebx.
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H
#define MULTIBOOT_HEADER_MAGIC 0x1BADB002
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define MULTIBOOT_PAGE_ALIGN 0x1  // header flag: modules on page boundaries
#define MULTIBOOT_MEMORY_INFO 0x2 // header flag: give mem_* and the memory map

#define MB_INFO_MEMORY 0x1   // mem_lower and mem_upper are valid
#define MB_INFO_CMDLINE 0x4  // cmdline is valid
#define MB_INFO_MODS 0x8     // mods_count and mods_addr are valid
#define MB_INFO_MMAP 0x40    // mmap_length and mmap_addr are valid

#ifndef __ASSEMBLER__
struct multiboot_info {
  uint flags;
  uint mem_lower;  // KB below 1 MB
  uint mem_upper;  // KB from 1 MB to the first hole
  uint boot_device;
  uint cmdline;    // physical address of a NUL-terminated string
  uint mods_count;
  uint mods_addr;  // physical address of mods_count struct multiboot_mod
  uint syms[4];
  uint mmap_length;
  uint mmap_addr;  // physical address of a list of struct multiboot_mmap
};
struct multiboot_mod {
  uint mod_start;
  uint mod_end;
  uint string;
  uint reserved;
};
// One memory-map entry; size counts the bytes after itself.
struct multiboot_mmap {
  uint size;
  uint base_lo, base_hi;
  uint len_lo, len_hi;
  uint type;  // 1: usable RAM
};
#endif
#endif

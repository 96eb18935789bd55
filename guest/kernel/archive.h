// The initial archive: a read-only set of named files, packed on the host by
// guest/tools/mkarchive and handed to the kernel as a multiboot module.
//
//   offset 0   struct archive_header
//   offset 16  struct archive_entry[count]
//   then       the files' bytes, each starting on a 16-byte boundary
//
// All numbers little-endian; offsets count from the archive's first byte.
#ifndef GUEST_ARCHIVE_H
#define GUEST_ARCHIVE_H
#define ARCHIVE_MAGIC "XRAY86AR"
#define ARCHIVE_NAMELEN 24

struct archive_header {
  char magic[8];  // ARCHIVE_MAGIC, no NUL
  uint count;     // number of entries
  uint total;     // size of the whole archive in bytes
};
struct archive_entry {
  char name[ARCHIVE_NAMELEN];  // NUL-padded
  uint offset;
  uint size;
};
#endif

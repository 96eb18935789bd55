// The initial archive (format in archive.h): checked once, then looked up by name.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "archive.h"
#include "defs.h"

static const char *base;  // kernel virtual address of the archive
static uint count;

// Check the archive at physical [start, end): magic, and every entry inside it.
void archiveinit(uint start, uint end) {
  const struct archive_header *h = P2V(start);
  uint size = end - start;
  if (size < sizeof(*h) || memcmp(h->magic, ARCHIVE_MAGIC, 8) != 0)
    panic("archive: bad magic");
  if (h->total > size || h->count > (size - sizeof(*h)) / sizeof(struct archive_entry))
    panic("archive: truncated");
  const struct archive_entry *e = (const struct archive_entry *)(h + 1);
  for (uint i = 0; i < h->count; i++)
    if (e[i].offset > h->total || e[i].size > h->total - e[i].offset ||
        e[i].name[ARCHIVE_NAMELEN - 1] != 0)
      panic("archive: bad entry");
  base = (const char *)h;
  count = h->count;
}

// Find the file called name (a leading '/' is ignored). Returns 0 if absent.
const struct archive_entry *archivelookup(const char *name) {
  if (*name == '/')
    name++;
  const struct archive_entry *e = (const struct archive_entry *)(base + sizeof(struct archive_header));
  for (uint i = 0; i < count; i++)
    if (strncmp(e[i].name, name, ARCHIVE_NAMELEN) == 0)
      return &e[i];
  return 0;
}

// The bytes of an archive file.
const char *archivedata(const struct archive_entry *e) { return base + e->offset; }

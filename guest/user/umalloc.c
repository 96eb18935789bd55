// malloc and free: a first-fit free list of blocks in a circular list sorted
// by address, grown with sbrk in steps of at least 4 KB.
#include "types.h"
#include "user.h"

typedef union header {
  struct {
    union header *next;  // next free block
    uint size;           // in units of sizeof(Header)
  } s;
  long long align;
} Header;

static Header base;
static Header *freep;

void free(void *ap) {
  Header *bp = (Header *)ap - 1, *p;
  for (p = freep; !(bp > p && bp < p->s.next); p = p->s.next)
    if (p >= p->s.next && (bp > p || bp < p->s.next))
      break;  // at one end of the arena
  if (bp + bp->s.size == p->s.next) {  // join the following block
    bp->s.size += p->s.next->s.size;
    bp->s.next = p->s.next->s.next;
  } else
    bp->s.next = p->s.next;
  if (p + p->s.size == bp) {  // join the preceding block
    p->s.size += bp->s.size;
    p->s.next = bp->s.next;
  } else
    p->s.next = bp;
  freep = p;
}

static Header *morecore(uint nu) {
  if (nu < 512)
    nu = 512;
  char *p = sbrk(nu * sizeof(Header));
  if (p == (char *)-1)
    return 0;
  Header *hp = (Header *)p;
  hp->s.size = nu;
  free((void *)(hp + 1));
  return freep;
}

void *malloc(uint nbytes) {
  uint nunits = (nbytes + sizeof(Header) - 1) / sizeof(Header) + 1;
  Header *prevp = freep;
  if (prevp == 0) {
    base.s.next = freep = prevp = &base;
    base.s.size = 0;
  }
  for (Header *p = prevp->s.next;; prevp = p, p = p->s.next) {
    if (p->s.size >= nunits) {
      if (p->s.size == nunits)
        prevp->s.next = p->s.next;
      else {
        p->s.size -= nunits;
        p += p->s.size;
        p->s.size = nunits;
      }
      freep = prevp;
      return (void *)(p + 1);
    }
    if (p == freep && (p = morecore(nunits)) == 0)
      return 0;
  }
}

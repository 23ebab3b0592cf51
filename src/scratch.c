/* see scratch.h */
#include "scratch.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

int
scratch_release(void *buf, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)buf, hi = lo + len;

	if (page <= 0)
		page = SCRATCH_ALIGN;
	/* Inward to whole pages: a neighbour's bytes must survive. */
	lo = (lo + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	hi &= ~((uintptr_t)page - 1);
	if (hi <= lo)
		return 0;
	return madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

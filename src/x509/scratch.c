/* see scratch.h */
#include "scratch.h"

#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>

int
scratch_release(void *buf, size_t len)
{
	/* The kernel's page size as it told the process, rather than
	 * sysconf(), which brings 1 kB of the C library into a static
	 * binary for one question. */
	unsigned long page = getauxval(AT_PAGESZ);
	uintptr_t lo = (uintptr_t)buf, hi = lo + len;

	if (page == 0)
		page = SCRATCH_ALIGN;
	/* Inward to whole pages: a neighbour's bytes must survive. */
	lo = (lo + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	hi &= ~((uintptr_t)page - 1);
	if (hi <= lo)
		return 0;
	return madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

int
scratch_release_used(void *buf, size_t cap, size_t used)
{
	size_t len = (used + SCRATCH_ALIGN - 1) & ~(size_t)(SCRATCH_ALIGN - 1);

	if (used == 0)
		return 0;
	return scratch_release(buf, len < cap ? len : cap);
}

void *
scratch_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void
scratch_unmap(void *buf, size_t len)
{
	if (buf != NULL)
		(void)munmap(buf, len);
}

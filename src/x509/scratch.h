/*
 * scratch: start-up buffers give their pages back. A buffer used only
 * while keys, certificates and CRLs load (a file, one object's DER) stays
 * private dirty memory for the process's life once written; a process
 * started per connection pays for it on every connection. After the last
 * use its whole pages are dropped (MADV_DONTNEED: private anonymous
 * memory reads back as zeros), and with them any copy of a key's bytes.
 */
#ifndef PGSTUNNEL_SCRATCH_H
#define PGSTUNNEL_SCRATCH_H

#include <stddef.h>

/*
 * For a small variable written at every start: in initialized data, whose
 * pages every process writes anyway. In .bss the linker may put it right
 * after a page-aligned buffer, alone on a page: two page faults (the
 * read that maps the zero page, the write that copies it) in every
 * process started per connection.
 */
#define SCRATCH_HOT __attribute__((section(".data")))

/* Align a scratch buffer to this, with a size that is a multiple of it,
 * so that all its pages can go back. */
#define SCRATCH_ALIGN 4096

/*
 * Drop the pages that lie wholly inside buf[0..len); bytes on pages
 * shared with other objects are left as they are. 0, or -1 with errno.
 */
int scratch_release(void *buf, size_t len);

/*
 * The same for a buffer of cap bytes of which only the first used were
 * ever written: the pages behind them were never touched and cost no
 * memory, so only the written ones go back (none: no system call).
 */
int scratch_release_used(void *buf, size_t cap, size_t used);

/*
 * A zeroed buffer of len bytes that a configuration may not need at all
 * (a CRL file, --check's copies of CA files, a --listen reload's second
 * set of credentials): mapped when needed instead of reserved in .bss, so
 * a process that never needs it neither reserves its address space nor,
 * under strict overcommit, has it charged. NULL (errno set) when the
 * kernel refuses.
 */
void *scratch_map(size_t len);

/* Give a scratch_map() buffer back, pages and address space. */
void scratch_unmap(void *buf, size_t len);

#endif

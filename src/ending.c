/* ending: see ending.h */
#include "ending.h"

#include <stdarg.h>
#include <stdio.h>

#include "fmt.h"

int
ending_set(struct ending *e, const char *end, int clean, const char *fmt, ...)
{
	va_list ap;

	e->end = end;
	e->clean = clean;
	e->detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		/* A false positive of the analyzer, as in log.c. */
		// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
		fmt_vformat(e->detail, sizeof(e->detail), fmt, ap);
		va_end(ap);
	}
	return -1;
}

void
ending_detail(struct ending *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	fmt_vformat(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

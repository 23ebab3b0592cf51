/*
 * Shared by the libFuzzer targets in tests/fuzz/: the entry points'
 * prototypes (the build uses -Wmissing-prototypes), FUZZ_CHECK, which
 * turns a broken invariant into a crash libFuzzer records, and guard
 * bytes for the contexts BearSSL writes to.
 */
#ifndef PGSTUNNEL_FUZZ_H
#define PGSTUNNEL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",       \
			        __FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/*
 * BearSSL is not built with AddressSanitizer, so a write it makes past
 * the end of a context goes unseen. The targets keep such contexts in a
 * struct, followed by guard bytes that are checked after each call.
 */
#define FUZZ_GUARD_SIZE 4096
#define FUZZ_GUARD_BYTE 0xa5

static inline void
fuzz_guard_set(uint8_t *guard)
{
	memset(guard, FUZZ_GUARD_BYTE, FUZZ_GUARD_SIZE);
}

static inline void
fuzz_guard_check(const uint8_t *guard)
{
	size_t n = FUZZ_GUARD_SIZE;

	while (n > 0 && guard[n - 1] == FUZZ_GUARD_BYTE)
		n--;
	if (n > 0) {
		fprintf(stderr,
		        "guard bytes overwritten: a write of at least "
		        "%zu bytes past the end of a context\n",
		        n);
		abort();
	}
}

#endif

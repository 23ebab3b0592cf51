/*
 * malloccount.c: an LD_PRELOAD shim that counts heap calls made after a
 * program's first readv(). Used by tests/integration/85-no-malloc-in-relay.sh
 * to show that pgstunnel's relay (src/pump.c, the only caller of readv)
 * never touches the heap once it has started.
 *
 * Build:  cc -shared -fPIC -O2 -o malloccount.so tests/malloc-count/malloccount.c -ldl
 * Use:    MALLOC_COUNT_TARGET=/abs/path/of/program  (compared with /proc/self/exe;
 *                                                    other programs are not counted)
 *         MALLOC_COUNT_FILE=/some/prefix            (each counted process writes
 *                                                    PREFIX.PID at exit)
 *         LD_PRELOAD=/abs/path/malloccount.so
 *
 * The file holds one line:
 *   exe=PATH readv=N before=N after=N after_malloc=N after_calloc=N
 *   after_realloc=N after_free=N after_memalign=N
 * where readv is the number of readv() calls, before the heap calls up to
 * the first readv(), after those from then on (free(NULL) included: it is
 * a call). The file is written by a destructor (return from main, exit())
 * and by the _exit()/_Exit() wrappers (pgstunnel --listen children end
 * with _exit), whichever comes first; a fork() child starts with its
 * parent's counts and writes its own file.
 *
 * The allocator itself is glibc's, reached through its __libc_* entry
 * points, so no dlsym() recursion is involved.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static int active;       /* this process is the target */
static int written;      /* the count file was written */
static unsigned long n_readv, before, a_malloc, a_calloc, a_realloc,
    a_free, a_memalign;
static char exe[512];

static void
note(unsigned long *after_kind)
{
	if (!active)
		return;
	if (n_readv == 0)
		before++;
	else
		(*after_kind)++;
}

/* Write PREFIX.PID with raw syscalls: no stdio, no heap. */
static void
write_counts(void)
{
	const char *prefix = getenv("MALLOC_COUNT_FILE");
	char path[600], line[900];
	int fd, n;
	int saved = errno;

	if (!active || written || prefix == NULL)
		return;
	written = 1;
	n = snprintf(path, sizeof(path), "%s.%ld", prefix,
	             (long)syscall(SYS_getpid));
	if (n <= 0 || (size_t)n >= sizeof(path))
		return;
	n = snprintf(line, sizeof(line),
	             "exe=%s readv=%lu before=%lu after=%lu after_malloc=%lu "
	             "after_calloc=%lu after_realloc=%lu after_free=%lu "
	             "after_memalign=%lu\n",
	             exe, n_readv, before,
	             a_malloc + a_calloc + a_realloc + a_free + a_memalign,
	             a_malloc, a_calloc, a_realloc, a_free, a_memalign);
	fd = (int)syscall(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	                  0644);
	if (fd >= 0) {
		if (n > 0)
			(void)!syscall(SYS_write, fd, line, (size_t)n);
		syscall(SYS_close, fd);
	}
	errno = saved;
}

__attribute__((constructor)) static void
mc_init(void)
{
	const char *target = getenv("MALLOC_COUNT_TARGET");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return;
	exe[n] = '\0';
	active = target != NULL && strcmp(target, exe) == 0;
}

__attribute__((destructor)) static void
mc_fini(void)
{
	write_counts();
}

void *
malloc(size_t n)
{
	note(&a_malloc);
	return __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	note(&a_calloc);
	return __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	note(&a_realloc);
	return __libc_realloc(p, n);
}

void
free(void *p)
{
	note(&a_free);
	__libc_free(p);
}

void *
memalign(size_t al, size_t n)
{
	note(&a_memalign);
	return __libc_memalign(al, n);
}

void *
aligned_alloc(size_t al, size_t n)
{
	note(&a_memalign);
	return __libc_memalign(al, n);
}

int
posix_memalign(void **out, size_t al, size_t n)
{
	void *p;

	note(&a_memalign);
	if (al < sizeof(void *) || (al & (al - 1)) != 0)
		return EINVAL;
	p = __libc_memalign(al, n);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

void *
valloc(size_t n)
{
	note(&a_memalign);
	return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

void *
pvalloc(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	note(&a_memalign);
	return __libc_memalign(pg, (n + pg - 1) / pg * pg);
}

void *
reallocarray(void *p, size_t a, size_t b)
{
	note(&a_realloc);
	if (b != 0 && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, a * b);
}

ssize_t
readv(int fd, const struct iovec *iov, int cnt)
{
	if (active)
		n_readv++;
	return syscall(SYS_readv, fd, iov, cnt);
}

void
_exit(int status)
{
	write_counts();
	syscall(SYS_exit_group, status);
	for (;;)
		;
}

void
_Exit(int status)
{
	_exit(status);
}

/* readfile: see readfile.h */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"

/* Close fd keeping errno, and return status. */
static int
fail(int fd, int status)
{
	int saved = errno;

	close(fd);
	errno = saved;
	return status;
}

int
readfile(const char *path, uint8_t *buf, size_t cap, size_t *len,
         readfile_judge judge, void *arg)
{
	uint8_t extra;
	ssize_t n;
	size_t got = 0;
	struct stat st;
	int fd, rc;

	*len = 0;
	/* O_NONBLOCK: opening a FIFO without a writer must not hang, and
	 * under inetd a hang is one stuck process per connection. */
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	while (fd == -1 && errno == EINTR);
	if (fd == -1)
		return READFILE_ERR_IO;
	if (fstat(fd, &st) != 0)
		return fail(fd, READFILE_ERR_IO);
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return fail(fd, READFILE_ERR_NOT_FILE);
	}
	if (judge != NULL && (rc = judge(&st, arg)) != 0)
		return fail(fd, rc);
	for (;;) {
		/* Once buf is full, one more byte tells "too big" from EOF. */
		if (got < cap)
			n = read(fd, buf + got, cap - got);
		else
			n = read(fd, &extra, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return fail(fd, READFILE_ERR_IO);
		if (n == 0)
			break;
		if (got == cap) {
			errno = EFBIG;
			return fail(fd, READFILE_ERR_TOO_BIG);
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return READFILE_OK;
}

/* see io.h */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t io_terminated;

static void
on_terminate(int sig)
{
	(void)sig;
	io_terminated = 1;
}

void
io_catch_terminate(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_terminate; /* no SA_RESTART: poll() returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* What an operator sends every pgstunnel after new files (the
	 * --listen parent reloads on it) must not drop live sessions: a
	 * session process read its files when it started. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
}

int64_t
io_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
io_deadline_in(int seconds)
{
	if (seconds <= 0)
		return IO_NO_DEADLINE;
	return io_now_ms() + (int64_t)seconds * 1000;
}

int
io_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	if (flags & O_NONBLOCK)
		return 0;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static int
poll_timeout(int64_t deadline)
{
	int64_t left;

	if (deadline == IO_NO_DEADLINE)
		return -1;
	left = deadline - io_now_ms();
	if (left <= 0)
		return 0;
	return left > 3600000 ? 3600000 : (int)left;
}

int
io_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		int timeout = poll_timeout(deadline);
		int n = poll(&p, 1, timeout);

		if (n > 0)
			return 1;
		if (n == 0 && timeout >= 0 && io_now_ms() >= deadline)
			return 0;
		if (n < 0 && (errno != EINTR || io_terminated))
			return -1;
	}
}

/* The wait loop of io_read_some() (wbuf NULL) and io_write_some(). */
static ssize_t
transfer(int fd, void *rbuf, const void *wbuf, size_t n, int64_t deadline)
{
	for (;;) {
		ssize_t r =
		    wbuf != NULL ? write(fd, wbuf, n) : read(fd, rbuf, n);
		int w;

		if (r >= 0)
			return r;
		if (errno == EINTR && !io_terminated)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		w = io_wait(fd, wbuf != NULL ? POLLOUT : POLLIN, deadline);
		if (w == 0)
			errno = ETIMEDOUT;
		if (w <= 0)
			return -1;
	}
}

ssize_t
io_read_some(int fd, void *buf, size_t n, int64_t deadline)
{
	return transfer(fd, buf, NULL, n, deadline);
}

ssize_t
io_write_some(int fd, const void *buf, size_t n, int64_t deadline)
{
	return transfer(fd, NULL, buf, n, deadline);
}

size_t
io_pending(int fd)
{
	int n = 0;

	if (ioctl(fd, FIONREAD, &n) != 0 || n < 0)
		return 0;
	return (size_t)n;
}

void
io_shut_write(int fd)
{
	if (shutdown(fd, SHUT_WR) != 0 && errno == ENOTSOCK)
		close(fd);
}

void
io_linger(int rfd, int wfd, int millis)
{
	int64_t deadline = io_now_ms() + millis;
	uint8_t sink[512];

	io_shut_write(wfd);
	while (io_read_some(rfd, sink, sizeof(sink), deadline) > 0)
		;
}

/*
 * io: descriptor helpers with deadlines, for the set-up phase (before the
 * relay): exact reads, complete writes, and the BearSSL sslio callbacks.
 * All descriptors pgstunnel talks to are non-blocking; these helpers wait
 * with poll() up to an absolute deadline on the monotonic clock.
 */
#ifndef PGSTUNNEL_IO_H
#define PGSTUNNEL_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bearssl.h>

#define IO_NO_DEADLINE INT64_MAX

#include <signal.h>

/*
 * Set by SIGTERM, SIGINT or SIGHUP once io_catch_terminate() ran: every
 * wait returns early (errno EINTR), so the session still writes its log
 * line. socat, for one, sends SIGTERM as soon as both directions closed.
 */
extern volatile sig_atomic_t io_terminated;
void io_catch_terminate(void);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t io_now_ms(void);

/* Deadline seconds from now; 0 seconds means none. */
int64_t io_deadline_in(int seconds);

int io_set_nonblock(int fd);

/* Wait for events on fd: 1 ready, 0 deadline passed, -1 error. */
int io_wait(int fd, short events, int64_t deadline);

/*
 * Read exactly n bytes. Returns n; 0 if the peer closed before sending
 * anything; -1 with errno set otherwise (ETIMEDOUT at the deadline,
 * ECONNRESET for a close in the middle).
 */
ssize_t io_read_exact(int fd, void *buf, size_t n, int64_t deadline);

/* Write all n bytes: 0, or -1 with errno (ETIMEDOUT at the deadline). */
int io_write_all(int fd, const void *buf, size_t n, int64_t deadline);

/* Bytes waiting to be read on fd (FIONREAD), 0 when unknown. */
size_t io_pending(int fd);

/* Close the sending half: shutdown() on a socket, close() otherwise. */
void io_shut_write(int fd);

/*
 * Hand an error text to a peer that will not read it all: stop sending,
 * then drain its input for a short, bounded time before the caller closes,
 * so that the close does not turn into a reset that destroys the text.
 */
void io_linger(int rfd, int wfd, int millis);

/* Transport of one TLS engine during set-up, for br_sslio. */
struct io_link {
	int rfd, wfd;
	int64_t deadline;
	int timed_out; /* set when a callback gave up at the deadline */
	int eof;       /* set when the peer closed */
};

int io_sslio_read(void *link, unsigned char *buf, size_t len);
int io_sslio_write(void *link, const unsigned char *buf, size_t len);

#endif

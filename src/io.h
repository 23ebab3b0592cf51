/*
 * io: descriptor helpers with deadlines, for the set-up phase (before the
 * relay). All descriptors pgstunnel talks to are non-blocking; these
 * helpers wait with poll() up to an absolute deadline on the monotonic
 * clock. conn.c builds exact reads, complete writes and TLS on them.
 */
#ifndef PGSTUNNEL_IO_H
#define PGSTUNNEL_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IO_NO_DEADLINE INT64_MAX

#include <signal.h>

/*
 * Set by SIGTERM or SIGINT once io_catch_terminate() ran: every wait
 * returns early (errno EINTR), so the session still writes its log line.
 * socat, for one, sends SIGTERM as soon as both directions closed.
 * io_catch_terminate() also ignores SIGHUP, SIGUSR1 and SIGUSR2: an
 * operator's reload signal to every pgstunnel must not end sessions.
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
 * One read or write of up to n bytes on a non-blocking fd, waiting with
 * poll() until the fd is ready or the deadline passes (both share one wait
 * loop). Returns the bytes moved (> 0), 0 at end of file (reads only), or
 * -1 with errno: ETIMEDOUT at the deadline, EINTR once a signal set
 * io_terminated, otherwise the system call's error.
 */
ssize_t io_read_some(int fd, void *buf, size_t n, int64_t deadline);
ssize_t io_write_some(int fd, const void *buf, size_t n, int64_t deadline);

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

#endif

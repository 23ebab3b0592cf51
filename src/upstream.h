/*
 * upstream: the connection to PostgreSQL. TCP (every address the name
 * resolves to, in turn, as libpq does) or a Unix socket, with a connect
 * timeout, TCP_NODELAY, and a non-blocking result.
 */
#ifndef PGSTUNNEL_UPSTREAM_H
#define PGSTUNNEL_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/*
 * Connect to addr within timeout_s seconds for each address tried.
 * Returns the descriptor, or -1 with a one-line reason in err.
 */
int upstream_connect(const struct addr *addr, int timeout_s, char *err,
                     size_t errlen);

/*
 * A connect in two halves, so PostgreSQL forks its backend while the
 * client's TLS handshake runs. upstream_begin() resolves addr (an IP
 * literal without getaddrinfo(), so without heap) and starts a
 * non-blocking connect to its first address, then returns at once; it
 * never fails: whatever went wrong is found again by upstream_finish().
 * upstream_finish() waits for that connect until timeout_s seconds after
 * upstream_begin(), tries the remaining addresses in turn like
 * upstream_connect() if it failed, and returns the descriptor or -1 with
 * a reason in err. upstream_abandon() closes and frees a begun attempt
 * that will not be finished. The addrinfo list is heap from
 * getaddrinfo(); it lives only until finish or abandon.
 */
struct upstream_pending {
	const struct addr *addr;
	struct addrinfo *res, *next; /* next: the address to try after fd */
	int fd;                      /* the connect under way, or -1 */
	int start_errno;             /* why fd could not be started */
	int gai_error;               /* getaddrinfo() failed: its code */
	int64_t deadline;            /* of the connect under way */
	int begun;
};

void upstream_begin(const struct addr *addr, int timeout_s,
                    struct upstream_pending *p);
int upstream_finish(struct upstream_pending *p, int timeout_s, char *err,
                    size_t errlen);
void upstream_abandon(struct upstream_pending *p);

/* Set TCP_NODELAY when fd is a TCP socket; quietly nothing otherwise. */
void upstream_nodelay(int fd);

#endif

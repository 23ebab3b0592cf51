/*
 * upstream: the connection to PostgreSQL. TCP (every address the name
 * resolves to, in turn, as libpq does) or a Unix socket, with a connect
 * timeout, TCP_NODELAY, and a non-blocking result.
 */
#ifndef PGSTUNNEL_UPSTREAM_H
#define PGSTUNNEL_UPSTREAM_H

#include <stddef.h>

#include "config.h"

/*
 * Connect to addr within timeout_s seconds for each address tried.
 * Returns the descriptor, or -1 with a one-line reason in err.
 */
int upstream_connect(const struct addr *addr, int timeout_s, char *err,
                     size_t errlen);

/* Set TCP_NODELAY when fd is a TCP socket; quietly nothing otherwise. */
void upstream_nodelay(int fd);

#endif

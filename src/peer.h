/*
 * peer: who is at the other end of a client connection, worked out once
 * per session, for the log line (peer=), --allow and --proxy-from.
 *
 * In order: the address accept() gave (--listen, known before the child
 * looks, so a client that resets at once is still named); the socket's
 * own peer (inetd, systemd); socat's SOCAT_PEERADDR and SOCAT_PEERPORT
 * (socat EXEC: hands over a socketpair); else "local" (a Unix socket),
 * "gone" (a socket whose client reset before its address was read) or
 * "stdin" (a pipe, a terminal). Only an IP address is in any --allow or
 * --proxy-from range.
 */
#ifndef PGSTUNNEL_PEER_H
#define PGSTUNNEL_PEER_H

#include <stddef.h>
#include <sys/socket.h>

#include "netaddr.h"

#define PEER_TEXT_MAX 80

struct peer {
	struct netaddr addr;      /* NETADDR_NONE: no IP address known */
	char text[PEER_TEXT_MAX]; /* as logged */
};

/* The peer of an accepted connection, from what accept() filled in. */
void peer_from_sockaddr(struct peer *p, const struct sockaddr *sa,
                        socklen_t len);

/* The peer of connection fd, from the socket or the launcher. */
void peer_of_connection(struct peer *p, int fd);

#endif

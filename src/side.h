/*
 * side: one connection (the client, or the upstream) during set-up, before
 * the relay: its descriptors, its deadline, and once TLS is up its BearSSL
 * engine driven through br_sslio with deadline-aware callbacks. Exact
 * reads, complete writes, one PostgreSQL packet at a time, an
 * ErrorResponse, a polite close.
 */
#ifndef PGSTUNNEL_SIDE_H
#define PGSTUNNEL_SIDE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bearssl.h>

#include "io.h"
#include "pgproto.h"

#define SIDE_LINGER_MS 500 /* closing and draining a refused peer, at most */

struct side {
	const char *name;
	int rfd, wfd;
	br_ssl_engine_context *eng; /* NULL: cleartext */
	br_sslio_context io;
	struct io_link link;
};

void side_init(struct side *s, const char *name, int rfd, int wfd,
               int64_t deadline);

/* From now on the side speaks TLS through eng. */
void side_start_tls(struct side *s, br_ssl_engine_context *eng);

/* Read exactly n bytes: n, 0 on a close before any byte, -1 otherwise
 * (errno ETIMEDOUT at the deadline). */
ssize_t side_read(struct side *s, void *buf, size_t n);

/* Write all n bytes (and flush TLS): 0, or -1. */
int side_write(struct side *s, const void *buf, size_t n);

/*
 * Read one packet into buf (cap bytes, at least PGPROTO_PACKET_MAX) with
 * the reading discipline of pgproto.h: exactly the bytes it needs.
 * Returns 1 with *pkt set (the packet is pkt->need bytes long), 0 on a
 * close before the first byte, -1 on a close or timeout in the middle.
 */
int side_read_packet(struct side *s, uint8_t *buf, size_t cap, int allow_direct,
                     struct pgproto_packet *pkt);

/* Send close_notify on a TLS side, without waiting for the peer's. */
void side_close(struct side *s);

/*
 * Refuse the peer with a PostgreSQL ErrorResponse (FATAL) it can show,
 * in cleartext or inside TLS, then close so that the text arrives.
 */
void side_refuse(struct side *s, const char *sqlstate, const char *message,
                 const char *detail, const char *hint);

#endif

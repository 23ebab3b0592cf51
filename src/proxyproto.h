/*
 * proxyproto: a pure parser of the PROXY protocol header (HAProxy's
 * proxy-protocol.txt, version 1 text and version 2 binary) that a load
 * balancer sends before the client's first byte. No system calls: it works
 * on the bytes received so far, so the unit tests cover every edge with
 * byte vectors.
 *
 * Reading discipline, as in pgproto.h: proxyproto_parse() says how many
 * bytes the header needs in total, never one that may belong to what
 * follows it (the client's SSLRequest), so the caller reads exactly that
 * much and asks again. The first answer is PROXYPROTO_FIRST bytes: no
 * PostgreSQL client sends fewer before it waits for an answer, so a
 * client that sends no header is refused at once, not at the deadline.
 * Then v2 needs its 16 bytes, then the length they announce (at most
 * PROXYPROTO_V2_LEN_MAX); v1 needs the least its fields so far still
 * need, up to PROXYPROTO_V1_MAX bytes ending in CRLF.
 */
#ifndef PGSTUNNEL_PROXYPROTO_H
#define PGSTUNNEL_PROXYPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/* The versions a caller accepts, a mask (--proxy-protocol any: both). */
#define PROXYPROTO_V1 1
#define PROXYPROTO_V2 2

#define PROXYPROTO_FIRST  8   /* bytes of the first read */
#define PROXYPROTO_V1_MAX 107 /* the spec's longest line, CRLF included */
/* The v2 signature, version and command, family, length. */
#define PROXYPROTO_V2_FIXED 16
/*
 * The longest v2 address block with TLVs accepted: the largest block
 * (AF_UNIX, 216 bytes) and the TLVs HAProxy, AWS NLB, Traefik and Envoy
 * send (ALPN, authority, unique ID, SSL, VPC endpoint) fit many times.
 */
#define PROXYPROTO_V2_LEN_MAX 1024
/* The largest header proxyproto_parse() asks for. */
#define PROXYPROTO_MAX (PROXYPROTO_V2_FIXED + PROXYPROTO_V2_LEN_MAX)

enum proxyproto_status {
	PROXYPROTO_NEED_MORE, /* read up to proxyproto_header.need bytes */
	PROXYPROTO_PROXY,     /* src and dst are the client's connection */
	PROXYPROTO_LOCAL,     /* v2 LOCAL, v1 UNKNOWN, or a v2 family with no
	                         IP address (UNSPEC, UNIX): the balancer's own
	                         connection, keep its address */
	PROXYPROTO_INVALID,   /* see why; close the connection */
};

struct proxyproto_header {
	enum proxyproto_status status;
	size_t need;        /* bytes the whole header needs (NEED_MORE) or
	                       is long (complete) */
	int version;        /* 1 or 2 once the first byte is known, else 0 */
	struct netaddr src; /* PROXY: the client */
	struct netaddr dst; /* PROXY: the address the client connected to */
	const char *why;    /* INVALID: a log-ready reason */
};

/*
 * Parse the len bytes received so far of a connection that starts with a
 * header of one of the versions in the mask accept. Never asks for more
 * than PROXYPROTO_MAX bytes; a complete header's need is its length, and
 * the bytes after it are the client's.
 */
void proxyproto_parse(const uint8_t *buf, size_t len, int accept,
                      struct proxyproto_header *out);

#endif

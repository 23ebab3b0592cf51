/*
 * negotiate: the client's pre-TLS negotiation, as PostgreSQL's
 * ProcessStartupPacket does it: SSLRequest and GSSENCRequest each at most
 * once, in either order, then a StartupMessage or CancelRequest; or TLS
 * at once when the first byte is a ClientHello. Run again inside TLS,
 * where PostgreSQL answers a request after a direct ClientHello with 'N'.
 */
#ifndef PGSTUNNEL_NEGOTIATE_H
#define PGSTUNNEL_NEGOTIATE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "conn.h"
#include "ending.h"

enum nego_next {
	NEGO_TLS,        /* 'S' sent: the TLS handshake follows */
	NEGO_DIRECT_TLS, /* first byte 0x16: feed it to the engine */
	NEGO_STARTUP,    /* a StartupMessage is in the buffer */
	NEGO_CANCEL,     /* a CancelRequest is in the buffer */
	NEGO_GONE,       /* over: see nego.end (an answer went out if due) */
};

struct nego {
	int ssl_done, gss_done;
	int in_tls;       /* inside TLS: requests are answered 'N' */
	int allow_direct; /* a first byte 0x16 may start TLS */
	/* Results */
	size_t packet_len; /* the StartupMessage or CancelRequest */
	size_t stuffed;    /* bytes already waiting when 'S' was sent */
	/* NEGO_GONE: why, for the log; clean for a probe that sent
	 * nothing, a client that closed cleanly. The caller's. */
	struct ending *ending;
};

/* PostgreSQL's detail for unencrypted data after a request. */
extern const char negotiate_stuffing_detail[];

/* Negotiate on client; packets are read into buf (cap bytes). */
enum nego_next negotiate(const struct config *cfg, struct conn *client,
                         struct nego *n, uint8_t *buf, size_t cap);

/* Discard exactly n bytes that arrived before 'S' (nego.stuffed). */
int negotiate_discard(struct conn *client, size_t n);

#endif

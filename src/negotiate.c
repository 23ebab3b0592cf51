/* see negotiate.h */
#include "negotiate.h"

#include <stdio.h>

#include "fmt.h"
#include "io.h"

const char negotiate_stuffing_detail[] =
    "This could be either a client-software bug or evidence of an "
    "attempted man-in-the-middle attack.";

/* The text PostgreSQL sends for a request it will not take twice. */
static void
refuse_repeat(struct conn *client, uint32_t code)
{
	char msg[128];

	fmt_format(msg, sizeof(msg),
	           "unsupported frontend protocol %u.%u: server supports 3.0 "
	           "to 3.2",
	           (unsigned)(code >> 16), (unsigned)(code & 0xffff));
	conn_refuse(client, "0A000", msg, NULL, NULL);
}

static enum nego_next
gone(struct nego *n, const char *why)
{
	ending_set(n->ending, why, 0, NULL);
	return NEGO_GONE;
}

enum nego_next
negotiate(const struct config *cfg, struct conn *client, struct nego *n,
          uint8_t *buf, size_t cap)
{
	n->stuffed = 0;
	for (;;) {
		struct pgproto_packet pkt;
		enum conn_status st =
		    conn_read_packet(client, buf, cap, n->allow_direct, &pkt);
		size_t pending = 0;
		uint8_t answer;
		int ssl;

		if (st == CONN_CLOSED) {
			/* A probe, or a client that ended TLS with
			 * close_notify: PostgreSQL logs neither as an error. */
			ending_set(n->ending,
			           n->in_tls
			               ? "client closed after TLS handshake"
			               : "closed before sending a packet",
			           1, NULL);
			return NEGO_GONE;
		}
		if (st != CONN_OK)
			return gone(n, st == CONN_TERMINATED
			                   ? "terminated by signal"
			               : st == CONN_TIMEOUT
			                   ? "handshake timeout"
			                   : "incomplete startup packet");
		n->allow_direct = 0;
		n->packet_len = pkt.need;
		switch (pkt.kind) {
		case PGPROTO_DIRECT_TLS:
			return NEGO_DIRECT_TLS;
		case PGPROTO_CANCEL:
			return NEGO_CANCEL;
		case PGPROTO_STARTUP:
			return NEGO_STARTUP;
		case PGPROTO_SSLREQUEST:
		case PGPROTO_GSSENCREQUEST:
			break;
		case PGPROTO_INVALID:
		case PGPROTO_NEED_MORE:
			return gone(n, pkt.why != NULL
			                   ? pkt.why
			                   : "incomplete startup packet");
		}
		ssl = pkt.kind == PGPROTO_SSLREQUEST;
		if (ssl ? n->ssl_done : n->gss_done) {
			refuse_repeat(client, pkt.code);
			return gone(n, "repeated encryption request");
		}
		/* A client waits for the answer before it sends more: bytes
		 * already here were sent blind, or injected (CVE-2021-23214).
		 * Inside TLS every byte is authenticated. */
		if (!n->in_tls)
			pending = io_pending(client->rfd);
		answer = ssl && cfg->tls && !n->in_tls ? 'S' : 'N';
		if (conn_write(client, &answer, 1) != CONN_OK)
			return gone(n, "client went away during negotiation");
		if (answer == 'S') {
			n->stuffed = pending;
			return NEGO_TLS;
		}
		if (pending > 0) {
			conn_refuse(client, "08P01",
			            ssl ? "received unencrypted data after SSL "
			                  "request"
			                : "received unencrypted data after "
			                  "GSSAPI encryption request",
			            negotiate_stuffing_detail, NULL);
			return gone(n, "unencrypted data after request");
		}
		if (ssl)
			n->ssl_done = 1;
		else
			n->gss_done = 1;
	}
}

int
negotiate_discard(struct conn *client, size_t n)
{
	uint8_t sink[256];

	while (n > 0) {
		size_t chunk = n < sizeof(sink) ? n : sizeof(sink);

		if (conn_read(client, sink, chunk) != CONN_OK)
			return -1;
		n -= chunk;
	}
	return 0;
}

/*
 * gate: who the client is, before its first PostgreSQL byte. With
 * --proxy-protocol the header that a balancer in --proxy-from sends
 * names the client (read with proxyproto.h's discipline, within the
 * connection's handshake deadline); with --allow a client from anywhere
 * else is closed before any byte is answered. Nothing is ever written to
 * the client here: a refusal just closes.
 *
 * The connection's own address comes from peer.h. A connection without
 * an IP address (a Unix socket, a pipe) is in no --allow or --proxy-from
 * range. Refusals of either kind share one rate-limited log line budget.
 */
#ifndef PGSTUNNEL_GATE_H
#define PGSTUNNEL_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "conn.h"
#include "ending.h"
#include "netaddr.h"

enum gate_verdict {
	GATE_PASS,        /* go on: peer names the client */
	GATE_REFUSED,     /* a header missing or malformed: the ending
	                     says why, for the session's line */
	GATE_NOT_ALLOWED, /* not in --allow, or a peer not in --proxy-from:
	                     the rate-limited line is written (the ending
	                     says which), and stands for the session's own */
};

struct gate_report {
	char *peer; /* in: the connection's peer as logged; out: the client */
	size_t peer_cap;
	struct ending *ending; /* set unless GATE_PASS */
};

/* Whether gate_run() has anything to do: off, it costs this test. */
#define GATE_NEEDED(cfg) ((cfg)->proxy_protocol != 0 || (cfg)->allow.count > 0)

/*
 * Read and check the PROXY header on client (into buf, cap bytes, at
 * least PROXYPROTO_MAX), then the allow-list. conn_addr is the
 * connection's own address (peer.h; NETADDR_NONE: none).
 */
enum gate_verdict gate_run(const struct config *cfg, struct conn *client,
                           const struct netaddr *conn_addr, uint8_t *buf,
                           size_t cap, struct gate_report *r);

/*
 * Under --listen, before the first fork: one rate limit for the refusal
 * lines of the parent and all its children (a shared page). Without it
 * each process limits its own, and a process started per connection
 * writes the line of its one refusal.
 */
void gate_share_limit(const struct config *cfg);

#endif

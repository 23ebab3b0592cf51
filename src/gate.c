/* see gate.h */
#include "gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "io.h"
#include "log.h"
#include "proxyproto.h"

/* The header is read into the session's packet buffer. */
_Static_assert(PROXYPROTO_MAX <= PGPROTO_PACKET_MAX,
               "the packet buffer holds a PROXY header");

static struct log_limit own_limit;
static struct log_limit *refusal_limit = &own_limit;

void
gate_share_limit(const struct config *cfg)
{
	void *p;

	if (cfg->allow.count == 0 && cfg->proxy_protocol == 0)
		return;
	p = mmap(NULL, sizeof(struct log_limit), PROT_READ | PROT_WRITE,
	         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return; /* each child limits its own lines */
	refusal_limit = p;
	log_limit_init(refusal_limit);
}

/* clean: no failure (a probe that closed before a byte). */
static enum gate_verdict
refused(struct gate_report *r, const char *end, int clean, const char *detail)
{
	ending_set(r->ending, end, clean, "%s", detail);
	return GATE_REFUSED;
}

/* The PROXY header, exactly its bytes; the client's address into a. */
static enum gate_verdict
read_header(const struct config *cfg, struct conn *client, uint8_t *buf,
            size_t cap, struct netaddr *a, struct gate_report *r)
{
	struct proxyproto_header h;
	size_t have = 0, got;
	char why[128];

	for (;;) {
		enum conn_status st;

		proxyproto_parse(buf, have, cfg->proxy_protocol, &h);
		if (h.status != PROXYPROTO_NEED_MORE)
			break;
		if (h.need > cap)
			return refused(r, "PROXY header refused", 0,
			               "too long");
		/* What has come, up to the least the header still needs:
		 * never past the header, and a line that ends early (LF
		 * alone) is judged now, not at the deadline. */
		st = conn_read_some(client, buf + have, h.need - have, &got);
		if (st == CONN_CLOSED && have == 0) /* a probe */
			return refused(r,
			               "client closed before the PROXY "
			               "header",
			               1, "");
		if (st != CONN_OK)
			return refused(r, "PROXY header incomplete", 0,
			               conn_why(client, st, why, sizeof(why)));
		have += got;
	}
	if (h.status == PROXYPROTO_INVALID)
		return refused(r, "PROXY header refused", 0, h.why);
	if (h.status == PROXYPROTO_PROXY) {
		*a = h.src;
		netaddr_format(a, r->peer, r->peer_cap);
	}
	return GATE_PASS;
}

/*
 * A refusal that floods can repeat (any address may knock): one line per
 * second at most for all of them, counting the rest; the session writes
 * none of its own.
 */
static enum gate_verdict
not_allowed(struct gate_report *r, const char *end, const char *what)
{
	unsigned n = log_limit_due(refusal_limit, io_now_ms());

	if (n > 0)
		log_msg(LOG_WARNING,
		        "refusing connections %s: %u refused since the last "
		        "such line, the last one from %s",
		        what, n, r->peer);
	ending_set(r->ending, end, 0, NULL);
	return GATE_NOT_ALLOWED;
}

enum gate_verdict
gate_run(const struct config *cfg, struct conn *client,
         const struct netaddr *conn_addr, uint8_t *buf, size_t cap,
         struct gate_report *r)
{
	struct netaddr a = *conn_addr;

	if (cfg->proxy_protocol != 0) {
		enum gate_verdict v;

		/* Anyone else could claim any address. */
		if (!netaddr_list_match(&cfg->proxy_from, &a))
			return not_allowed(r, "not in --proxy-from",
			                   "from peers not in --proxy-from "
			                   "(--proxy-protocol)");
		v = read_header(cfg, client, buf, cap, &a, r);
		if (v != GATE_PASS)
			return v;
	}
	if (cfg->allow.count == 0 || netaddr_list_match(&cfg->allow, &a))
		return GATE_PASS;
	return not_allowed(r, "not in --allow",
	                   "from addresses not in --allow");
}

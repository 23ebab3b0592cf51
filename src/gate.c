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

static struct log_limit own_limit = {INT64_MIN / 2, 0};
static struct log_limit *refusal_limit = &own_limit;

void
gate_share_limit(const struct config *cfg)
{
	void *p;

	if (cfg->allow.count == 0)
		return;
	p = mmap(NULL, sizeof(struct log_limit), PROT_READ | PROT_WRITE,
	         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return; /* each child limits its own lines */
	refusal_limit = p;
	log_limit_init(refusal_limit);
}

/* The connection's address: the socket's peer, or what socat says. */
static void
connection_addr(int fd, struct netaddr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const char *env, *port;
	size_t n;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    netaddr_from_sockaddr((struct sockaddr *)&ss, len, a) == 0)
		return;
	memset(a, 0, sizeof(*a));
	env = getenv("SOCAT_PEERADDR");
	if (env == NULL)
		return;
	n = strlen(env);
	/* socat writes an IPv6 address in brackets. */
	if (n >= 2 && env[0] == '[' && env[n - 1] == ']') {
		env++;
		n -= 2;
	}
	if (netaddr_parse_ip(env, n, a) != 0)
		return;
	port = getenv("SOCAT_PEERPORT");
	if (port != NULL) {
		char *end;
		unsigned long v = strtoul(port, &end, 10);

		if (*port != '\0' && *end == '\0' && v <= 65535)
			a->port = (uint16_t)v;
	}
}

static enum gate_verdict
refused(struct gate_report *r, const char *end, const char *detail)
{
	r->end = end;
	snprintf(r->detail, r->detail_cap, "%s", detail);
	return GATE_REFUSED;
}

/* The PROXY header, exactly its bytes; the client's address into a. */
static enum gate_verdict
read_header(const struct config *cfg, struct conn *client, uint8_t *buf,
            size_t cap, struct netaddr *a, struct gate_report *r)
{
	struct proxyproto_header h;
	size_t have = 0;
	char why[128];

	for (;;) {
		enum conn_status st;

		proxyproto_parse(buf, have, cfg->proxy_protocol, &h);
		if (h.status != PROXYPROTO_NEED_MORE)
			break;
		if (h.need > cap)
			return refused(r, "PROXY header refused", "too long");
		st = conn_read(client, buf + have, h.need - have);
		if (st == CONN_CLOSED && have == 0) {
			r->clean = 1; /* a probe that sent nothing */
			return refused(r,
			               "client closed before the PROXY "
			               "header",
			               "");
		}
		if (st != CONN_OK)
			return refused(r, "PROXY header incomplete",
			               conn_why(client, st, why, sizeof(why)));
		have = h.need;
	}
	if (h.status == PROXYPROTO_INVALID)
		return refused(r, "PROXY header refused", h.why);
	if (h.status == PROXYPROTO_PROXY) {
		*a = h.src;
		netaddr_format(a, r->peer, r->peer_cap);
	}
	return GATE_PASS;
}

enum gate_verdict
gate_run(const struct config *cfg, struct conn *client, uint8_t *buf,
         size_t cap, struct gate_report *r)
{
	struct netaddr a;
	unsigned n;

	connection_addr(client->rfd, &a);
	if (cfg->proxy_protocol != 0) {
		enum gate_verdict v;

		/* Anyone else could claim any address. */
		if (!netaddr_list_match(&cfg->proxy_from, &a))
			return refused(r, "PROXY header refused",
			               "the peer is not in --proxy-from");
		v = read_header(cfg, client, buf, cap, &a, r);
		if (v != GATE_PASS)
			return v;
	}
	if (cfg->allow.count == 0 || netaddr_list_match(&cfg->allow, &a))
		return GATE_PASS;
	n = log_limit_due(refusal_limit, io_now_ms());
	if (n > 0)
		log_msg(LOG_WARNING,
		        "refusing connections from addresses not in --allow: "
		        "%u refused since the last such line, the last one "
		        "from %s",
		        n, r->peer);
	return GATE_NOT_ALLOWED;
}

/* see peer.h */
#include "peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

void
peer_from_sockaddr(struct peer *p, const struct sockaddr *sa, socklen_t len)
{
	memset(p, 0, sizeof(*p));
	if (netaddr_from_sockaddr(sa, len, &p->addr) == 0)
		netaddr_format(&p->addr, p->text, sizeof(p->text));
	else
		fmt_format(p->text, sizeof(p->text), "local");
}

/* socat's word for the peer; 0, or -1 when it set none. */
static int
from_socat(struct peer *p)
{
	const char *env = getenv("SOCAT_PEERADDR");
	const char *port = getenv("SOCAT_PEERPORT");
	size_t n;

	if (env == NULL)
		return -1;
	n = strlen(env);
	/* socat writes an IPv6 address in brackets. */
	if (n >= 2 && env[0] == '[' && env[n - 1] == ']') {
		if (netaddr_parse_ip(env + 1, n - 2, &p->addr) != 0)
			memset(&p->addr, 0, sizeof(p->addr));
	} else if (netaddr_parse_ip(env, n, &p->addr) != 0) {
		memset(&p->addr, 0, sizeof(p->addr));
	}
	if (p->addr.family != NETADDR_NONE && port != NULL) {
		char *end;
		unsigned long v = strtoul(port, &end, 10);

		if (*port != '\0' && *end == '\0' && v <= 65535)
			p->addr.port = (uint16_t)v;
	}
	fmt_format(p->text, sizeof(p->text), "%.56s:%.8s", env,
	           port != NULL ? port : "?");
	return 0;
}

void
peer_of_connection(struct peer *p, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc = getpeername(fd, (struct sockaddr *)&ss, &len);
	int err = errno;

	memset(p, 0, sizeof(*p));
	if (rc == 0 &&
	    netaddr_from_sockaddr((struct sockaddr *)&ss, len, &p->addr) == 0) {
		netaddr_format(&p->addr, p->text, sizeof(p->text));
		return;
	}
	if (from_socat(p) == 0)
		return;
	fmt_format(p->text, sizeof(p->text), "%s",
	           rc == 0           ? "local"
	           : err == ENOTCONN ? "gone"
	                             : "stdin");
}

/* see netaddr.h */
#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "x509/iptext.h"

/* ::ffff:0:0/96, the IPv4-mapped addresses. */
static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void
netaddr_set(struct netaddr *a, const uint8_t *ip, size_t len, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
	if (len == 16 && memcmp(ip, v4_mapped, sizeof(v4_mapped)) == 0) {
		ip += sizeof(v4_mapped);
		len = 4;
	}
	if (len == 4 || len == 16) {
		a->family = len == 4 ? NETADDR_V4 : NETADDR_V6;
		memcpy(a->ip, ip, len);
	}
}

int
netaddr_parse_ip(const char *text, size_t len, struct netaddr *a)
{
	char s[INET6_ADDRSTRLEN];
	uint8_t ip[16];

	memset(a, 0, sizeof(*a));
	if (len == 0 || len >= sizeof(s) || memchr(text, '\0', len) != NULL)
		return -1;
	memcpy(s, text, len);
	s[len] = '\0';
	if (inet_pton(AF_INET, s, ip) == 1)
		netaddr_set(a, ip, 4, 0);
	else if (inet_pton(AF_INET6, s, ip) == 1)
		netaddr_set(a, ip, 16, 0);
	else
		return -1;
	return 0;
}

int
netaddr_from_sockaddr(const struct sockaddr *sa, size_t len, struct netaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		netaddr_set(a, (const uint8_t *)&in->sin_addr, 4,
		            ntohs(in->sin_port));
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)sa;

		netaddr_set(a, in6->sin6_addr.s6_addr, 16,
		            ntohs(in6->sin6_port));
		return 0;
	}
	return -1;
}

/* Whether any bit of ip at or past bit `prefix` is set. */
static int
bits_past(const uint8_t *ip, unsigned prefix, unsigned bits)
{
	for (unsigned i = prefix; i < bits; i++) {
		if (ip[i / 8] & (0x80u >> (i % 8)))
			return 1;
	}
	return 0;
}

int
netaddr_parse_cidr(const char *text, struct netaddr_cidr *c, const char **why)
{
	const char *slash = strchr(text, '/');
	size_t iplen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	/* Written as IPv6, it is IPv4 only when mapped. */
	int mapped = memchr(text, ':', iplen) != NULL;
	struct netaddr a;
	unsigned prefix, bits;

	memset(c, 0, sizeof(*c));
	if (netaddr_parse_ip(text, iplen, &a) != 0) {
		*why = "expected an IPv4 or IPv6 address, optionally /PREFIX";
		return -1;
	}
	/* A mapped address is IPv4 now; its prefix still counts IPv6 bits. */
	bits = a.family == NETADDR_V4 && !mapped ? 32 : 128;
	prefix = bits;
	if (slash != NULL) {
		const char *p = slash + 1;

		prefix = 0;
		if (*p == '\0' || strlen(p) > 3)
			prefix = 999;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9' ||
			    (p == slash + 1 && *p == '0' && p[1] != '\0'))
				prefix = 999;
			else
				prefix = prefix * 10 + (unsigned)(*p - '0');
		}
	}
	if (prefix > bits) {
		*why = bits == 32 ? "the prefix must be a number from 0 to 32"
		                  : "the prefix must be a number from 0 to 128";
		return -1;
	}
	if (bits == 128 && a.family == NETADDR_V4) {
		/* ::ffff:a.b.c.d/n: the IPv4 range /n-96. */
		if (prefix < 96) {
			*why =
			    "a range of IPv4-mapped addresses needs a prefix "
			    "of 96 or more";
			return -1;
		}
		prefix -= 96;
		bits = 32;
	}
	if (bits_past(a.ip, prefix, bits)) {
		*why = "bits are set past the prefix (write the network "
		       "address, e.g. 10.0.0.0/8)";
		return -1;
	}
	memcpy(c->ip, a.ip, sizeof(c->ip));
	c->prefix = (uint8_t)prefix;
	c->family = (uint8_t)a.family;
	return 0;
}

int
netaddr_cidr_match(const struct netaddr_cidr *c, const struct netaddr *a)
{
	unsigned whole = c->prefix / 8u, rest = c->prefix % 8u;
	uint8_t mask = (uint8_t)(0xffu << (8 - rest));

	if (a->family == NETADDR_NONE || (unsigned)a->family != c->family)
		return 0;
	if (memcmp(a->ip, c->ip, whole) != 0)
		return 0;
	return rest == 0 || (a->ip[whole] & mask) == c->ip[whole];
}

int
netaddr_list_match(const struct netaddr_list *l, const struct netaddr *a)
{
	for (size_t i = 0; i < l->count; i++) {
		if (netaddr_cidr_match(&l->item[i], a))
			return 1;
	}
	return 0;
}

void
netaddr_format(const struct netaddr *a, char *out, size_t cap)
{
	char host[IPTEXT_MAX];

	if (a->family == NETADDR_NONE) {
		fmt_format(out, cap, "-");
		return;
	}
	(void)iptext(a->ip, a->family == NETADDR_V6, host, sizeof(host));
	fmt_format(out, cap, a->family == NETADDR_V4 ? "%s:%u" : "[%s]:%u",
	           host, (unsigned)a->port);
}

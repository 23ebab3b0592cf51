/*
 * netaddr: IP addresses and CIDR ranges, pure: parse, match, format. No
 * system calls, so the unit tests cover every form with plain strings.
 *
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d), as a dual-stack socket
 * reports an IPv4 client, is stored as the IPv4 address it maps, and so
 * is a range inside ::ffff:0:0/96: "10.0.0.0/8" and "::ffff:10.0.0.0/104"
 * are one range, and either matches 10.1.2.3 however it arrived.
 */
#ifndef PGSTUNNEL_NETADDR_H
#define PGSTUNNEL_NETADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "[IPv6]:port", the longest text netaddr_format() writes, and its NUL. */
#define NETADDR_TEXT_MAX 56
/* Ranges one list option (--allow, --proxy-from) holds. */
#define NETADDR_LIST_MAX 16

enum netaddr_family { NETADDR_NONE = 0, NETADDR_V4 = 4, NETADDR_V6 = 6 };

struct netaddr {
	enum netaddr_family family; /* NETADDR_NONE: no IP address known */
	uint8_t ip[16];             /* IPv4 in ip[0..3] */
	uint16_t port;
};

struct netaddr_cidr {
	uint8_t ip[16]; /* no bit set past the prefix */
	uint8_t prefix; /* 0..32 or 0..128 */
	uint8_t family; /* NETADDR_V4 or NETADDR_V6 */
};

struct netaddr_list {
	size_t count;
	struct netaddr_cidr item[NETADDR_LIST_MAX];
};

/* An address from 4 (IPv4) or 16 (IPv6) bytes in network order. */
void netaddr_set(struct netaddr *a, const uint8_t *ip, size_t len,
                 uint16_t port);

/*
 * An address in text (dotted quad, or IPv6 as inet_pton takes it), the
 * len bytes at text, no port. Returns 0, or -1 when it is none.
 */
int netaddr_parse_ip(const char *text, size_t len, struct netaddr *a);

/* The address of an AF_INET or AF_INET6 sockaddr; -1 for any other. */
int netaddr_from_sockaddr(const struct sockaddr *sa, size_t len,
                          struct netaddr *a);

/*
 * "ADDR/PREFIX" or a bare ADDR (all its bits): 10.0.0.0/8, ::1,
 * 2001:db8::/32, ::ffff:192.168.0.0/112. A range with bits set past its
 * prefix (10.0.0.1/8) is refused as a likely typo. Returns 0, or -1 with
 * *why set.
 */
int netaddr_parse_cidr(const char *text, struct netaddr_cidr *c,
                       const char **why);

/* Whether a (of its own family; NONE matches nothing) lies in c. */
int netaddr_cidr_match(const struct netaddr_cidr *c, const struct netaddr *a);

/* Whether a lies in any range of the list. */
int netaddr_list_match(const struct netaddr_list *l, const struct netaddr *a);

/* "1.2.3.4:5", "[2001:db8::1]:5", or "-" for NETADDR_NONE. */
void netaddr_format(const struct netaddr *a, char *out, size_t cap);

#endif

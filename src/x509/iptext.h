/*
 * iptext: an IPv4 or IPv6 address as text, the way inet_ntop() writes it
 * (RFC 5952 for IPv6: lowercase hex, no leading zeros, the longest run of
 * two or more zero groups as "::", the first of equal runs; an
 * IPv4-mapped address as "::ffff:192.0.2.1"), without the C library's
 * inet_ntop(), which brings its printf family into a static binary.
 */
#ifndef PGSTUNNEL_IPTEXT_H
#define PGSTUNNEL_IPTEXT_H

#include <stddef.h>
#include <stdint.h>

#define IPTEXT_MAX 46 /* INET6_ADDRSTRLEN: the longest text and its NUL */

/*
 * ip: 4 bytes (is6 == 0) or 16, in network order. Writes the text and a
 * NUL into out (cap bytes); returns its length, or -1 when cap is too
 * small (out is then "").
 */
int iptext(const uint8_t *ip, int is6, char *out, size_t cap);

#endif

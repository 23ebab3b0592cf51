/*
 * hostname: does a certificate match a host name, the way libpq decides
 * it for sslmode=verify-full? Pure: DER bytes and a host in, a verdict
 * out; no I/O, no allocation, no BearSSL. The X.509 engine (verifier.c)
 * asks it about the leaf once the chain is verified; it does not look at
 * the chain, the dates or the signature.
 */
#ifndef PGSTUNNEL_HOSTNAME_H
#define PGSTUNNEL_HOSTNAME_H

#include <stddef.h>
#include <stdint.h>

enum hostname_result {
	HOSTNAME_MATCH = 0,
	HOSTNAME_MISMATCH,
	HOSTNAME_BAD_CERT, /* DER does not parse (strict, bounds-checked) */
	/*
	 * libpq's errors, met before any match: a dNSName or CN with an
	 * embedded NUL, an iPAddress neither 4 nor 16 bytes long.
	 */
	HOSTNAME_BAD_NAME,
};

/*
 * Pure: does this DER certificate match host (DNS name or IP literal)?
 * libpq 15+ rules (fe-secure-openssl.c and fe-secure-common.c):
 *  - host is an IP address if inet_aton() or inet_pton(AF_INET6) takes it;
 *  - the SANs are walked in order; a dNSName is compared as a name, an
 *    iPAddress as 4 or 16 bytes; the first match or error ends the walk;
 *  - names compare case-insensitively (ASCII); a name "*.rest" matches a
 *    host that ends in ".rest" with no dot before that (one label; never
 *    the bare "rest");
 *  - the first subject CN is compared as a name only when no SAN has the
 *    host's type: no dNSName for a DNS host, no iPAddress for an IP host
 *    (so an IP host may match the CN of a certificate with dNSNames).
 * A NULL or empty host never matches.
 */
int hostname_match(const uint8_t *der, size_t len, const char *host);

/*
 * Pure: does the name pattern (a certificate's dNSName, or a --route
 * name) match host by the rules above: equal without ASCII case, or
 * "*.rest" covering exactly one leftmost label of host. 1 or 0.
 */
int hostname_name_match(const char *pattern, const char *host);

/* Whether a pattern is a wildcard hostname_name_match() can use:
 * "*." and at least one more character, no other '*'. */
int hostname_is_wildcard(const char *pattern);

#endif

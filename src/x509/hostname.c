/* see hostname.h */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "der.h"
#include "hostname.h"

/* Context-specific tags of GeneralName. */
#define GN_DNS DER_CTX_PRIM(2) /* dNSName [2] IA5String */
#define GN_IP  DER_CTX_PRIM(7) /* iPAddress [7] OCTET STRING */

static const uint8_t oid_san[] = {0x55, 0x1d, 0x11}; /* 2.5.29.17 */

/* What hostname_match() needs from a certificate. */
struct certnames {
	int has_san;
	struct der san; /* contents of GeneralNames */
	int has_cn;
	struct der cn; /* contents of the first subject CN */
};

/* Check the shape of GeneralNames contents: context tags [0]..[8]. */
static int
check_general_names(struct der gns)
{
	/* Primitive or constructed form of each GeneralName choice. */
	static const uint8_t form[9] = {
	    DER_CTX_CONS(0), DER_CTX_PRIM(1), DER_CTX_PRIM(2),
	    DER_CTX_CONS(3), DER_CTX_CONS(4), DER_CTX_CONS(5),
	    DER_CTX_PRIM(6), DER_CTX_PRIM(7), DER_CTX_PRIM(8),
	};
	struct der gn;
	unsigned tag;

	while (gns.len > 0) {
		if (der_next(&gns, &tag, &gn, NULL) != 0)
			return -1;
		if ((tag & 0x1f) > 8 || tag != form[tag & 0x1f])
			return -1;
	}
	return 0;
}

/*
 * extensions: contents of [3] EXPLICIT SEQUENCE OF Extension. Whether an
 * extension is critical is BearSSL's business (the chain is its verdict),
 * so any one-byte BOOLEAN is let through here.
 */
static int
parse_extensions(struct der exp, struct certnames *cn)
{
	struct der exts, oid, val, gns;
	int crit;

	if (der_expect(&exp, DER_SEQUENCE, &exts) != 0 || exp.len != 0)
		return -1;
	while (exts.len > 0) {
		if (der_next_extension(&exts, &oid, &crit, &val) != 0)
			return -1;
		if (!der_is(&oid, oid_san, sizeof(oid_san)))
			continue;
		if (cn->has_san)
			return -1; /* a second subjectAltName */
		if (der_expect(&val, DER_SEQUENCE, &gns) != 0 || val.len != 0 ||
		    check_general_names(gns) != 0)
			return -1;
		cn->has_san = 1;
		cn->san = gns;
	}
	return 0;
}

/*
 * The certificate's names: the first subject CN and the subjectAltName,
 * with the TBSCertificate read to its end (strict, in order).
 */
static int
parse_cert(const uint8_t *der, size_t len, struct certnames *cn)
{
	struct der_cert_ids ids;
	struct der tbs, f;
	unsigned tag, last;

	memset(cn, 0, sizeof(*cn));
	if (der_cert_ids(der, len, &ids, &tbs) != 0 ||
	    der_expect(&tbs, DER_SEQUENCE, &f) != 0 || /* subjectPKInfo */
	    der_name_cn(&ids.subject, &cn->cn, &cn->has_cn) != 0)
		return -1;

	/* issuerUniqueID [1], subjectUniqueID [2], extensions [3]: in order */
	last = 0;
	while (tbs.len > 0) {
		if (der_next(&tbs, &tag, &f, NULL) != 0)
			return -1;
		if (tag == DER_CTX_PRIM(1) && last < 1)
			last = 1;
		else if (tag == DER_CTX_PRIM(2) && last < 2)
			last = 2;
		else if (tag == DER_CTX_CONS(3) && last < 3) {
			last = 3;
			if (parse_extensions(f, cn) != 0)
				return -1;
		} else
			return -1;
	}
	return 0;
}

static int
ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int
casecmp_n(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii_lower((unsigned char)a[i]) !=
		    ascii_lower((unsigned char)b[i]))
			return 1;
	return 0;
}

/*
 * libpq's wildcard rule: the pattern is "*." and at least one more
 * character; the host ends in the pattern minus its "*"; and the host has
 * no dot before the position of the "*". XXX: like libpq, the last
 * character the "*" covers may itself be a dot ("a..b.c" matches "*.b.c");
 * kept so that pgstunnel accepts exactly what libpq accepts.
 */
static int
wildcard_match(const char *pat, size_t lenpat, const char *host, size_t lenhost)
{
	const char *dot;

	if (lenpat < 3 || pat[0] != '*' || pat[1] != '.')
		return 0;
	if (lenpat > lenhost)
		return 0;
	if (casecmp_n(pat + 1, host + lenhost - lenpat + 1, lenpat - 1) != 0)
		return 0;
	dot = strchr(host, '.');
	if (dot != NULL && (size_t)(dot - host) < lenhost - lenpat)
		return 0;
	return 1;
}

int
hostname_name_match(const char *pattern, const char *host)
{
	size_t lenpat = strlen(pattern), lenhost = strlen(host);

	if (lenhost == 0)
		return 0;
	if (lenpat == lenhost && casecmp_n(pattern, host, lenhost) == 0)
		return 1;
	return wildcard_match(pattern, lenpat, host, lenhost);
}

int
hostname_is_wildcard(const char *pattern)
{
	return pattern[0] == '*' && pattern[1] == '.' && pattern[2] != '\0' &&
	       strchr(pattern + 1, '*') == NULL;
}

/* A dNSName or CN against host: 1 match, 0 mismatch, -1 embedded NUL. */
static int
name_match(const struct der *name, const char *host)
{
	const char *pat = (const char *)name->p;
	size_t lenhost = strlen(host);

	if (memchr(name->p, '\0', name->len) != NULL)
		return -1;
	if (name->len == lenhost && casecmp_n(pat, host, lenhost) == 0)
		return 1;
	return wildcard_match(pat, name->len, host, lenhost);
}

/* The host as an IP address, both ways libpq tries it. */
struct hostaddr {
	int is4, is6;
	struct in_addr a4;
	struct in6_addr a6;
};

/* An iPAddress against host: 1 match, 0 mismatch, -1 bad length. */
static int
ip_match(const struct der *ip, const struct hostaddr *ha)
{
	if (ip->len == 4)
		return ha->is4 && memcmp(ip->p, &ha->a4.s_addr, 4) == 0;
	if (ip->len == 16)
		return ha->is6 && memcmp(ip->p, ha->a6.s6_addr, 16) == 0;
	return -1;
}

int
hostname_match(const uint8_t *der, size_t len, const char *host)
{
	struct certnames cn;
	struct hostaddr ha;
	struct der san, gn;
	unsigned tag, host_type;
	int rc, check_cn;

	if (der == NULL || parse_cert(der, len, &cn) != 0)
		return HOSTNAME_BAD_CERT;
	if (host == NULL || host[0] == '\0')
		return HOSTNAME_MISMATCH;

	/* libpq: inet_aton() (so "127.1" too), then inet_pton() for IPv6. */
	memset(&ha, 0, sizeof(ha));
	ha.is4 = inet_aton(host, &ha.a4) != 0;
	ha.is6 = inet_pton(AF_INET6, host, &ha.a6) == 1;
	host_type = (ha.is4 || ha.is6) ? GN_IP : GN_DNS;

	rc = 0;
	check_cn = 1;
	san = cn.san; /* empty when there is no SAN */
	while (san.len > 0) {
		if (der_next(&san, &tag, &gn, NULL) != 0)
			return HOSTNAME_BAD_CERT; /* checked in parse_cert */
		if (tag == host_type)
			check_cn = 0;
		if (tag == GN_DNS)
			rc = name_match(&gn, host);
		else if (tag == GN_IP)
			rc = ip_match(&gn, &ha);
		if (rc != 0) {
			check_cn = 0;
			break;
		}
	}
	if (check_cn && cn.has_cn)
		rc = name_match(&cn.cn, host);

	if (rc > 0)
		return HOSTNAME_MATCH;
	if (rc < 0)
		return HOSTNAME_BAD_NAME;
	return HOSTNAME_MISMATCH;
}

/* see certinfo.h */
#include "certinfo.h"

#include <string.h>

#include "iptext.h"

/* Context-specific tags of GeneralName. */
#define GN_DNS DER_CTX_PRIM(2) /* dNSName [2] IA5String */
#define GN_IP  DER_CTX_PRIM(7) /* iPAddress [7] OCTET STRING */

static const uint8_t oid_san[] = {0x55, 0x1d, 0x11}; /* 2.5.29.17 */

/* Validity's contents: notBefore, notAfter. */
static int
validity(struct der v, int64_t *not_before, int64_t *not_after)
{
	struct der t;
	unsigned tag;

	if (der_next(&v, &tag, &t, NULL) != 0 ||
	    der_time(tag, &t, not_before) != 0 ||
	    der_next(&v, &tag, &t, NULL) != 0 ||
	    der_time(tag, &t, not_after) != 0 || v.len != 0)
		return -1;
	return 0;
}

/* The one subjectAltName among the Extensions' contents, if any. */
static int
find_san(struct der exts, struct certinfo *ci)
{
	struct der oid, val;
	int crit;

	while (exts.len > 0) {
		if (der_next_extension(&exts, &oid, &crit, &val) != 0)
			return -1;
		if (!der_is(&oid, oid_san, sizeof(oid_san)))
			continue;
		if (ci->has_san ||
		    der_expect(&val, DER_SEQUENCE, &ci->san) != 0 ||
		    val.len != 0)
			return -1;
		ci->has_san = 1;
	}
	return 0;
}

int
certinfo_parse(const uint8_t *der, size_t len, struct certinfo *ci)
{
	struct der d = {der, len}, cert, alg, f, rest, spki, exts;
	struct der_cert_ids ids;
	unsigned tag;
	int ca;

	memset(ci, 0, sizeof(*ci));
	if (der_cert_ids(der, len, &ids, &rest) != 0 ||
	    der_expect(&d, DER_SEQUENCE, &cert) != 0 ||
	    der_next(&cert, &tag, &f, &ci->tbs) != 0 ||
	    der_expect(&cert, DER_SEQUENCE, &alg) != 0 ||
	    der_expect(&cert, DER_BIT_STRING, &ci->sig) != 0)
		return -1;
	/* No unused bits, and a signature at all. */
	if (ci->sig.len < 2 || ci->sig.p[0] != 0)
		return -1;
	ci->sig.p++;
	ci->sig.len--;
	ci->has_alg = signature_algorithm(alg, &ci->alg) == 0;
	ci->subject = ids.subject;
	ci->issuer = ids.issuer;
	if (validity(ids.validity, &ci->not_before, &ci->not_after) != 0)
		return -1;
	/* der_spki() refuses keys pgstunnel cannot use; skip those. */
	spki = rest;
	if (der_spki(&spki, &ci->pkey) == 0) {
		ci->key_known = 1;
		rest = spki;
	} else if (der_expect(&rest, DER_SEQUENCE, &f) != 0) {
		return -1;
	}
	if ((ca = der_cert_is_ca(rest)) < 0 ||
	    der_cert_extensions(rest, &exts) != 0 || find_san(exts, ci) != 0)
		return -1;
	ci->is_ca = ca;
	return 0;
}

/* Append "sep" "kind" and n bytes of text at *o; -1 when out is full. */
static int
put(char *out, size_t cap, size_t *o, const char *kind, const char *text,
    size_t n)
{
	size_t k = strlen(kind), sep = *o > 0;

	if (sep + k + n >= cap - *o)
		return -1;
	if (sep)
		out[(*o)++] = ',';
	memcpy(out + *o, kind, k);
	memcpy(out + *o + k, text, n);
	*o += k + n;
	out[*o] = '\0';
	return 0;
}

int
certinfo_san_text(const struct der *san, char *out, size_t cap)
{
	struct der gns = *san, gn;
	char text[IPTEXT_MAX];
	unsigned tag;
	size_t o = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	while (gns.len > 0) {
		if (der_next(&gns, &tag, &gn, NULL) != 0)
			return -1;
		if (tag == GN_DNS) {
			size_t start = o + (o > 0) + 4;

			if (put(out, cap, &o, "DNS:", (const char *)gn.p,
			        gn.len) != 0)
				return -1;
			for (size_t i = start; i < o; i++) {
				if (out[i] <= ' ' || out[i] > '~' ||
				    out[i] == ',')
					out[i] = '?';
			}
		} else if (tag == GN_IP) {
			if ((gn.len != 4 && gn.len != 16) ||
			    iptext(gn.p, gn.len == 16, text, sizeof(text)) <
			        0 ||
			    put(out, cap, &o, "IP:", text, strlen(text)) != 0)
				return -1;
		}
	}
	return (int)o;
}

/* The date of a day counted from 1970-01-01 (proleptic Gregorian). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Floor division by a positive divisor. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && a < 0);
}

/* v as exactly w decimal digits at p (0 <= v < 10^w). */
static void
put_digits(char *p, int64_t v, int w)
{
	while (w-- > 0) {
		p[w] = (char)('0' + v % 10);
		v /= 10;
	}
}

int
certinfo_time_text(int64_t t, char *out, size_t cap)
{
	int64_t days = floor_div(t, 86400), secs = t - days * 86400, y;
	int m, d;

	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999 || cap < 21)
		return -1;
	memcpy(out, "0000-00-00T00:00:00Z", 21);
	put_digits(out, y, 4);
	put_digits(out + 5, m, 2);
	put_digits(out + 8, d, 2);
	put_digits(out + 11, secs / 3600, 2);
	put_digits(out + 14, secs / 60 % 60, 2);
	put_digits(out + 17, secs % 60, 2);
	return 20;
}

int64_t
certinfo_days_left(int64_t t, int64_t now)
{
	return floor_div(t - now, 86400);
}

enum certinfo_when
certinfo_when(int64_t from, int64_t until, int64_t now, int warn_days)
{
	if (now < from)
		return CERTINFO_NOT_YET_VALID;
	if (now >= until)
		return CERTINFO_EXPIRED;
	if (until - now < (int64_t)warn_days * 86400)
		return CERTINFO_EXPIRING;
	return CERTINFO_VALID;
}

int
certinfo_signed_by(const struct certinfo *ci, const br_x509_pkey *key)
{
	uint8_t hash[SIGNATURE_HASH_MAX];
	size_t hlen;

	if (!ci->has_alg ||
	    (hlen = signature_hash(ci->alg.hash_id, &ci->tbs, hash)) == 0)
		return -1;
	return signature_signed(&ci->alg, hash, hlen, &ci->sig, key);
}

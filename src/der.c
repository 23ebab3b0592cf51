/* see der.h */
#include <string.h>

#include <bearssl.h>

#include "der.h"

int
der_next(struct der *d, unsigned *tag, struct der *out, struct der *whole)
{
	size_t hdr, n, nb, i;

	if (d->len < 2)
		return -1;
	if ((d->p[0] & 0x1f) == 0x1f)
		return -1; /* high tag numbers */
	hdr = 2;
	n = d->p[1];
	if (n & 0x80) {
		nb = n & 0x7f;
		if (nb == 0 || nb > 4)
			return -1; /* indefinite, or absurdly long */
		if (d->len - 2 < nb)
			return -1;
		if (d->p[2] == 0)
			return -1; /* not minimal */
		n = 0;
		for (i = 0; i < nb; i++)
			n = (n << 8) | d->p[2 + i];
		if (n < 0x80)
			return -1; /* not minimal */
		hdr += nb;
	}
	if (d->len - hdr < n)
		return -1;
	*tag = d->p[0];
	out->p = d->p + hdr;
	out->len = n;
	if (whole != NULL) {
		whole->p = d->p;
		whole->len = hdr + n;
	}
	d->p += hdr + n;
	d->len -= hdr + n;
	return 0;
}

int
der_expect(struct der *d, unsigned tag, struct der *out)
{
	struct der save = *d;
	unsigned t;

	if (der_next(d, &t, out, NULL) != 0)
		return -1;
	if (t != tag) {
		*d = save;
		return -1;
	}
	return 0;
}

int
der_is(const struct der *d, const uint8_t *what, size_t len)
{
	return d->len == len && memcmp(d->p, what, len) == 0;
}

/*
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
 * signatureValue }, and the whole buffer is that one SEQUENCE. tbs is
 * left at the serialNumber, after the optional [0] version.
 */
static int
cert_tbs(const uint8_t *der, size_t len, struct der *tbs)
{
	struct der d, cert, f;
	unsigned tag;

	d.p = der;
	d.len = len;
	if (der_expect(&d, DER_SEQUENCE, &cert) != 0 || d.len != 0 ||
	    der_expect(&cert, DER_SEQUENCE, tbs) != 0 ||
	    der_expect(&cert, DER_SEQUENCE, &f) != 0 ||
	    der_expect(&cert, DER_BIT_STRING, &f) != 0 || cert.len != 0)
		return -1;
	if (tbs->len > 0 && tbs->p[0] == DER_CTX_CONS(0) &&
	    der_next(tbs, &tag, &f, NULL) != 0)
		return -1;
	return 0;
}

int
der_cert_ids(const uint8_t *der, size_t len, struct der_cert_ids *ids,
             struct der *rest)
{
	struct der tbs, f;
	unsigned tag;

	if (cert_tbs(der, len, &tbs) != 0 ||
	    der_expect(&tbs, DER_INTEGER, &ids->serial) != 0 ||
	    der_expect(&tbs, DER_SEQUENCE, &f) != 0 || /* signature */
	    der_next(&tbs, &tag, &f, &ids->issuer) != 0 ||
	    tag != DER_SEQUENCE ||
	    der_expect(&tbs, DER_SEQUENCE, &f) != 0 || /* validity */
	    der_next(&tbs, &tag, &f, &ids->subject) != 0 || tag != DER_SEQUENCE)
		return -1;
	*rest = tbs;
	return 0;
}

int
der_name_cn(const struct der *name, struct der *cn, int *found)
{
	static const uint8_t oid_cn[] = {0x55, 0x04, 0x03}; /* 2.5.4.3 */
	struct der d = *name, rdns, rdn, atv, oid, val;
	unsigned tag;

	*found = 0;
	if (der_expect(&d, DER_SEQUENCE, &rdns) != 0 || d.len != 0)
		return -1;
	while (rdns.len > 0) {
		if (der_expect(&rdns, DER_SET, &rdn) != 0 || rdn.len == 0)
			return -1;
		while (rdn.len > 0) {
			if (der_expect(&rdn, DER_SEQUENCE, &atv) != 0 ||
			    der_expect(&atv, DER_OID, &oid) != 0 ||
			    der_next(&atv, &tag, &val, NULL) != 0 ||
			    atv.len != 0)
				return -1;
			if (!der_is(&oid, oid_cn, sizeof(oid_cn)))
				continue;
			if ((tag & 0xe0) != 0)
				return -1; /* not a primitive universal type */
			if (!*found) {
				*found = 1;
				*cn = val;
			}
		}
	}
	return 0;
}

int
der_serial_set(struct der_serial *s, const uint8_t *content, size_t len)
{
	int neg;

	memset(s, 0, sizeof(*s));
	if (len == 0)
		return DER_SERIAL_BAD;
	/* DER: no 0x00 before a byte < 0x80, no 0xff before one >= 0x80. */
	if (len > 1 && ((content[0] == 0x00 && content[1] < 0x80) ||
	                (content[0] == 0xff && content[1] >= 0x80)))
		return DER_SERIAL_BAD;
	neg = (content[0] & 0x80) != 0;
	if (content[0] == 0x00) {
		content++;
		len--;
	}
	if (len > DER_SERIAL_MAX)
		return DER_SERIAL_TOO_LONG;
	s->neg = (uint8_t)neg;
	s->len = (uint8_t)len;
	if (len > 0)
		memcpy(s->v, content, len);
	return DER_SERIAL_OK;
}

int
der_next_extension(struct der *exts, struct der *oid, int *critical,
                   struct der *value)
{
	struct der d = *exts, ext, f;
	unsigned tag;
	int crit = DER_EXT_NOT_CRITICAL;

	if (der_expect(&d, DER_SEQUENCE, &ext) != 0 ||
	    der_expect(&ext, DER_OID, oid) != 0 ||
	    der_next(&ext, &tag, &f, NULL) != 0)
		return -1;
	if (tag == DER_BOOLEAN) {
		if (f.len != 1)
			return -1;
		if (f.p[0] == 0xff)
			crit = DER_EXT_CRITICAL;
		else if (f.p[0] != 0x00)
			crit = DER_EXT_CRITICAL_BER;
		if (der_expect(&ext, DER_OCTET_STRING, &f) != 0)
			return -1;
	} else if (tag != DER_OCTET_STRING) {
		return -1;
	}
	if (ext.len != 0)
		return -1;
	*value = f;
	*critical = crit;
	*exts = d;
	return 0;
}

const unsigned char *
der_hash_oid(int hash_id)
{
	switch (hash_id) {
	case br_sha1_ID:
		return BR_HASH_OID_SHA1;
	case br_sha224_ID:
		return BR_HASH_OID_SHA224;
	case br_sha256_ID:
		return BR_HASH_OID_SHA256;
	case br_sha384_ID:
		return BR_HASH_OID_SHA384;
	case br_sha512_ID:
		return BR_HASH_OID_SHA512;
	default:
		return NULL;
	}
}

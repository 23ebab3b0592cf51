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

/* Validity ::= SEQUENCE { notBefore Time, notAfter Time }, its contents:
 * two times by their tags (BearSSL reads the digits when it verifies). */
static int
validity_times(struct der v)
{
	struct der t;
	unsigned tag;

	for (int i = 0; i < 2; i++) {
		if (der_next(&v, &tag, &t, NULL) != 0 ||
		    (tag != DER_UTC_TIME && tag != DER_GENERALIZED_TIME))
			return -1;
	}
	return v.len == 0 ? 0 : -1;
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
	    der_expect(&tbs, DER_SEQUENCE, &ids->validity) != 0 ||
	    validity_times(ids->validity) != 0 ||
	    der_next(&tbs, &tag, &f, &ids->subject) != 0 || tag != DER_SEQUENCE)
		return -1;
	*rest = tbs;
	return 0;
}

int
der_name_begin(struct der_name_walk *w, const struct der *name)
{
	struct der d = *name;

	w->rdn.p = NULL;
	w->rdn.len = 0;
	w->rdn_count = 0;
	if (der_expect(&d, DER_SEQUENCE, &w->rdns) != 0 || d.len != 0)
		return -1;
	return 0;
}

int
der_name_next(struct der_name_walk *w, struct der_ava *a)
{
	struct der atv;

	if (w->rdn.len == 0) {
		if (w->rdns.len == 0)
			return 0;
		if (der_expect(&w->rdns, DER_SET, &w->rdn) != 0 ||
		    w->rdn.len == 0)
			return -1;
		w->rdn_count++;
	}
	a->rdn = w->rdn_count - 1;
	if (der_expect(&w->rdn, DER_SEQUENCE, &atv) != 0 ||
	    der_expect(&atv, DER_OID, &a->oid) != 0 ||
	    der_next(&atv, &a->tag, &a->value, &a->whole) != 0 || atv.len != 0)
		return -1;
	return 1;
}

int
der_name_cn(const struct der *name, struct der *cn, int *found)
{
	static const uint8_t oid_cn[] = {0x55, 0x04, 0x03}; /* 2.5.4.3 */
	struct der_name_walk w;
	struct der_ava a;
	int r;

	*found = 0;
	if (der_name_begin(&w, name) != 0)
		return -1;
	while ((r = der_name_next(&w, &a)) == 1) {
		if (!der_is(&a.oid, oid_cn, sizeof(oid_cn)))
			continue;
		if ((a.tag & 0xe0) != 0)
			return -1; /* not a primitive universal type */
		if (!*found) {
			*found = 1;
			*cn = a.value;
		}
	}
	return r;
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

int
der_curve_of(const struct der *oid)
{
	/* 1.2.840.10045.3.1.7, 1.3.132.0.34, 1.3.132.0.35 (RFC 5480) */
	static const uint8_t p256[] = {0x2a, 0x86, 0x48, 0xce,
	                               0x3d, 0x03, 0x01, 0x07};
	static const uint8_t p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
	static const uint8_t p521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};

	if (der_is(oid, p256, sizeof p256))
		return BR_EC_secp256r1;
	if (der_is(oid, p384, sizeof p384))
		return BR_EC_secp384r1;
	if (der_is(oid, p521, sizeof p521))
		return BR_EC_secp521r1;
	return 0;
}

const char *
der_unsupported_curve(const struct der *curve)
{
	static const uint8_t k1[] = {0x2b, 0x81, 0x04, 0x00, 0x0a};

	if (curve != NULL && der_curve_of(curve) != 0)
		return NULL;
	if (curve != NULL && der_is(curve, k1, sizeof k1))
		return "an EC key on secp256k1";
	return "an EC key on another curve";
}

const char *
der_unsupported_alg(struct der alg)
{
	static const struct {
		uint8_t len;
		uint8_t oid[9];
		const char *name;
	} kinds[] = {
	    /* RFC 8410; RFC 4055; RFC 3279 */
	    {3, {0x2b, 0x65, 0x70}, "an Ed25519 key"},
	    {3, {0x2b, 0x65, 0x71}, "an Ed448 key"},
	    {3, {0x2b, 0x65, 0x6e}, "an X25519 key"},
	    {3, {0x2b, 0x65, 0x6f}, "an X448 key"},
	    {9,
	     {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a},
	     "an RSA-PSS key"},
	    {7, {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01}, "a DSA key"},
	};
	struct der oid, curve;
	int type;

	if (der_expect(&alg, DER_OID, &oid) != 0)
		return NULL;
	type = der_key_algorithm(&oid);
	if (type == BR_KEYTYPE_RSA)
		return NULL;
	if (type == BR_KEYTYPE_EC)
		return der_unsupported_curve(
		    der_expect(&alg, DER_OID, &curve) == 0 ? &curve : NULL);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (der_is(&oid, kinds[i].oid, kinds[i].len))
			return kinds[i].name;
	return "a key of another kind";
}

const char *
der_spki_unsupported(struct der rest)
{
	struct der spki, alg;

	if (der_expect(&rest, DER_SEQUENCE, &spki) != 0 ||
	    der_expect(&spki, DER_SEQUENCE, &alg) != 0)
		return NULL;
	return der_unsupported_alg(alg);
}

int
der_key_algorithm(const struct der *oid)
{
	/* 1.2.840.113549.1.1.1 and 1.2.840.10045.2.1 (RFC 8017, 5480) */
	static const uint8_t rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
	                              0x0d, 0x01, 0x01, 0x01};
	static const uint8_t ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};

	if (der_is(oid, rsa, sizeof rsa))
		return BR_KEYTYPE_RSA;
	if (der_is(oid, ec, sizeof ec))
		return BR_KEYTYPE_EC;
	return 0;
}

int
der_positive_integer(struct der *d, struct der *v)
{
	if (der_expect(d, DER_INTEGER, v) != 0 || v->len == 0 ||
	    (v->p[0] & 0x80) != 0)
		return -1;
	while (v->len > 0 && v->p[0] == 0) {
		v->p++;
		v->len--;
	}
	return v->len > 0 ? 0 : -1;
}

/* 04 || X || Y, as BearSSL's EC code takes a point. */
static int
uncompressed_point(const struct der *q, int curve)
{
	size_t field = curve == BR_EC_secp256r1   ? 32
	               : curve == BR_EC_secp384r1 ? 48
	                                          : 66;

	return q->len == 1 + 2 * field && q->p[0] == 0x04;
}

int
der_spki(struct der *d, br_x509_pkey *pk)
{
	struct der save = *d, spki, alg, oid, params, bits, key, n, e;
	int type;

	memset(pk, 0, sizeof *pk);
	if (der_expect(d, DER_SEQUENCE, &spki) != 0 ||
	    der_expect(&spki, DER_SEQUENCE, &alg) != 0 ||
	    der_expect(&alg, DER_OID, &oid) != 0 ||
	    der_expect(&spki, DER_BIT_STRING, &bits) != 0 || spki.len != 0 ||
	    bits.len < 2 || bits.p[0] != 0)
		goto bad;
	bits.p++;
	bits.len--;
	type = der_key_algorithm(&oid);
	if (type == BR_KEYTYPE_RSA) {
		/* parameters NULL (or absent); RSAPublicKey ::= SEQUENCE {
		 * modulus, publicExponent } */
		if ((alg.len != 0 &&
		     (der_expect(&alg, DER_NULL, &params) != 0 ||
		      params.len != 0 || alg.len != 0)) ||
		    der_expect(&bits, DER_SEQUENCE, &key) != 0 ||
		    bits.len != 0 || der_positive_integer(&key, &n) != 0 ||
		    der_positive_integer(&key, &e) != 0 || key.len != 0 ||
		    n.len > DER_RSA_N_MAX || e.len > DER_RSA_E_MAX)
			goto bad;
		pk->key_type = BR_KEYTYPE_RSA;
		pk->key.rsa.n = (unsigned char *)(uintptr_t)n.p;
		pk->key.rsa.nlen = n.len;
		pk->key.rsa.e = (unsigned char *)(uintptr_t)e.p;
		pk->key.rsa.elen = e.len;
		return 0;
	}
	if (type == BR_KEYTYPE_EC) {
		if (der_expect(&alg, DER_OID, &params) != 0 || alg.len != 0 ||
		    (pk->key.ec.curve = der_curve_of(&params)) == 0 ||
		    !uncompressed_point(&bits, pk->key.ec.curve))
			goto bad;
		pk->key_type = BR_KEYTYPE_EC;
		pk->key.ec.q = (unsigned char *)(uintptr_t)bits.p;
		pk->key.ec.qlen = bits.len;
		return 0;
	}
bad:
	memset(pk, 0, sizeof *pk);
	*d = save;
	return -1;
}

int
der_cert_extensions(struct der rest, struct der *exts)
{
	struct der f;

	(void)der_expect(&rest, DER_CTX_PRIM(1), &f); /* issuerUniqueID */
	(void)der_expect(&rest, DER_CTX_PRIM(2), &f); /* subjectUniqueID */
	exts->p = rest.p;
	exts->len = 0;
	if (rest.len == 0)
		return 0;
	if (der_expect(&rest, DER_CTX_CONS(3), &f) != 0 || rest.len != 0 ||
	    der_expect(&f, DER_SEQUENCE, exts) != 0 || f.len != 0)
		return -1;
	return 0;
}

int
der_cert_is_ca(struct der rest)
{
	static const uint8_t oid_bc[] = {0x55, 0x1d, 0x13}; /* 2.5.29.19 */
	struct der f, exts, oid, val, bc;
	int crit, is_ca = 0;

	if (der_cert_extensions(rest, &exts) != 0)
		return -1;
	while (exts.len > 0) {
		if (der_next_extension(&exts, &oid, &crit, &val) != 0)
			return -1;
		if (!der_is(&oid, oid_bc, sizeof oid_bc))
			continue;
		if (der_expect(&val, DER_SEQUENCE, &bc) != 0 || val.len != 0)
			return -1;
		/* cA BOOLEAN DEFAULT FALSE, then pathLenConstraint */
		if (bc.len > 0 && bc.p[0] == DER_BOOLEAN) {
			if (der_expect(&bc, DER_BOOLEAN, &f) != 0 || f.len != 1)
				return -1;
			is_ca = f.p[0] != 0;
		}
	}
	return is_ca;
}

/* extKeyUsage's value: whether its KeyPurposeIds hold id-kp-clientAuth. */
static int
eku_has_client_auth(struct der val)
{
	/* 1.3.6.1.5.5.7.3.2 */
	static const uint8_t client_auth[] = {0x2b, 0x06, 0x01, 0x05,
	                                      0x05, 0x07, 0x03, 0x02};
	struct der seq, purpose;
	int found = 0;

	if (der_expect(&val, DER_SEQUENCE, &seq) != 0 || val.len != 0 ||
	    seq.len == 0)
		return -1;
	while (seq.len > 0) {
		if (der_expect(&seq, DER_OID, &purpose) != 0 ||
		    purpose.len == 0)
			return -1;
		if (der_is(&purpose, client_auth, sizeof client_auth))
			found = 1;
	}
	return found;
}

/* keyUsage's value: whether its BIT STRING sets digitalSignature (bit 0). */
static int
ku_has_digital_signature(struct der val)
{
	struct der bits;

	if (der_expect(&val, DER_BIT_STRING, &bits) != 0 || val.len != 0 ||
	    bits.len == 0 || bits.p[0] > 7 || (bits.len == 1 && bits.p[0] != 0))
		return -1;
	return bits.len > 1 && (bits.p[1] & 0x80) != 0;
}

int
der_cert_client_purpose(struct der rest)
{
	static const uint8_t oid_ku[] = {0x55, 0x1d, 0x0f};  /* 2.5.29.15 */
	static const uint8_t oid_eku[] = {0x55, 0x1d, 0x25}; /* 2.5.29.37 */
	struct der exts, oid, val;
	int crit, verdict = DER_PURPOSE_OK, seen_ku = 0, seen_eku = 0;

	if (der_cert_extensions(rest, &exts) != 0)
		return -1;
	while (exts.len > 0) {
		int ok;

		if (der_next_extension(&exts, &oid, &crit, &val) != 0)
			return -1;
		if (der_is(&oid, oid_eku, sizeof oid_eku)) {
			if (seen_eku++ || (ok = eku_has_client_auth(val)) < 0)
				return -1;
			if (!ok)
				verdict = DER_PURPOSE_NO_CLIENT_AUTH;
		} else if (der_is(&oid, oid_ku, sizeof oid_ku)) {
			if (seen_ku++ ||
			    (ok = ku_has_digital_signature(val)) < 0)
				return -1;
			if (!ok && verdict == DER_PURPOSE_OK)
				verdict = DER_PURPOSE_NO_SIGNATURE;
		}
	}
	return verdict;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400; /* year 0's January */
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n decimal digits at p; -1 when one is not a digit. */
static int64_t
digits(const uint8_t *p, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

int
der_time(unsigned tag, const struct der *t, int64_t *out)
{
	static const uint8_t mdays[12] = {31, 28, 31, 30, 31, 30,
	                                  31, 31, 30, 31, 30, 31};
	const uint8_t *p = t->p;
	int64_t y, mo, d, h, mi, s;

	if (tag == DER_UTC_TIME && t->len == 13) {
		y = digits(p, 2);
		if (y < 0)
			return -1;
		y += y < 50 ? 2000 : 1900;
		p += 2;
	} else if (tag == DER_GENERALIZED_TIME && t->len == 15) {
		y = digits(p, 4);
		if (y < 0)
			return -1;
		p += 4;
	} else {
		return -1;
	}
	mo = digits(p, 2);
	d = digits(p + 2, 2);
	h = digits(p + 4, 2);
	mi = digits(p + 6, 2);
	s = digits(p + 8, 2);
	if (p[10] != 'Z' || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || s < 0 || s > 59)
		return -1;
	if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

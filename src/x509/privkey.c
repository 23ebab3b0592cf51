/* see privkey.h */
#include "privkey.h"

#include <string.h>

#include "der.h"

/* The largest EC scalar: P-521's 66 bytes. */
#define EC_SCALAR_MAX 66

/* An INTEGER that must be this small value (a version); on a mismatch
 * d is left as it was. */
static int
take_small(struct der *d, unsigned want)
{
	struct der save = *d, v;

	if (der_expect(d, DER_INTEGER, &v) == 0 && v.len == 1 && v.p[0] == want)
		return 0;
	*d = save;
	return -1;
}

static unsigned
bit_length(const struct der *v)
{
	unsigned bits = (unsigned)(v->len - 1) * 8;

	for (unsigned top = v->p[0]; top != 0; top >>= 1)
		bits++;
	return bits;
}

/* Copy a part of the key after what data already holds. */
static unsigned char *
keep(struct privkey *k, size_t *used, const struct der *v)
{
	unsigned char *at = k->data + *used;

	memcpy(at, v->p, v->len);
	*used += v->len;
	return at;
}

static int
keep_pub(struct privkey *k, const uint8_t *p, size_t len)
{
	if (len == 0 || len > sizeof k->pub)
		return -1;
	memcpy(k->pub, p, len);
	k->pub_len = len;
	return 0;
}

/* A BIT STRING of whole octets: its contents after the unused-bits 0. */
static int
keep_pub_bits(struct privkey *k, const struct der *bits)
{
	if (bits->len < 2 || bits->p[0] != 0)
		return -1;
	return keep_pub(k, bits->p + 1, bits->len - 1);
}

/*
 * RSAPrivateKey ::= SEQUENCE { version (0: two primes), modulus,
 * publicExponent, privateExponent, prime1, prime2, exponent1, exponent2,
 * coefficient }, given as the SEQUENCE's contents. BearSSL signs with
 * the CRT values only: d is not kept.
 */
static int
rsa_decode(struct privkey *k, struct der key)
{
	struct der n, e, d, part[5];
	size_t used = 0, total = 0;
	unsigned char *at[5];

	if (take_small(&key, 0) != 0) {
		/* Version 1 is multi-prime; BearSSL has two primes. */
		return take_small(&key, 1) == 0 ? PRIVKEY_MULTI_PRIME
		                                : PRIVKEY_BAD;
	}
	if (der_positive_integer(&key, &n) != 0 ||
	    der_positive_integer(&key, &e) != 0 ||
	    der_positive_integer(&key, &d) != 0)
		return PRIVKEY_BAD;
	for (size_t i = 0; i < 5; i++) {
		if (der_positive_integer(&key, &part[i]) != 0)
			return PRIVKEY_BAD;
		total += part[i].len;
	}
	if (key.len != 0)
		return PRIVKEY_BAD;
	if (bit_length(&n) > 4096 || total > sizeof k->data)
		return PRIVKEY_TOO_BIG;
	if (keep_pub(k, e.p, e.len) != 0)
		return PRIVKEY_BAD;
	for (size_t i = 0; i < 5; i++)
		at[i] = keep(k, &used, &part[i]);
	k->rsa.n_bitlen = bit_length(&n);
	k->rsa.p = at[0];
	k->rsa.plen = part[0].len;
	k->rsa.q = at[1];
	k->rsa.qlen = part[1].len;
	k->rsa.dp = at[2];
	k->rsa.dplen = part[2].len;
	k->rsa.dq = at[3];
	k->rsa.dqlen = part[3].len;
	k->rsa.iq = at[4];
	k->rsa.iqlen = part[4].len;
	k->type = BR_KEYTYPE_RSA;
	return PRIVKEY_OK;
}

/*
 * ECPrivateKey ::= SEQUENCE { version (1), privateKey OCTET STRING,
 * parameters [0] namedCurve OPTIONAL, publicKey [1] BIT STRING OPTIONAL },
 * given as the SEQUENCE's contents; curve is what PKCS#8's algorithm
 * parameters named (0 when there were none).
 */
static int
ec_decode(struct privkey *k, struct der key, int curve)
{
	struct der x, f, v;
	size_t used = 0;
	unsigned tag;

	if (take_small(&key, 1) != 0 ||
	    der_expect(&key, DER_OCTET_STRING, &x) != 0 || x.len == 0 ||
	    x.len > EC_SCALAR_MAX)
		return PRIVKEY_BAD;
	if (der_expect(&key, DER_CTX_CONS(0), &f) == 0) {
		int named;

		if (der_expect(&f, DER_OID, &v) != 0 || f.len != 0)
			return PRIVKEY_CURVE; /* explicit parameters */
		named = der_curve_of(&v);
		if (named == 0)
			return PRIVKEY_CURVE;
		if (curve != 0 && named != curve)
			return PRIVKEY_BAD;
		curve = named;
	}
	if (der_next(&key, &tag, &f, NULL) == 0) {
		if (tag != DER_CTX_CONS(1) ||
		    der_expect(&f, DER_BIT_STRING, &v) != 0 || f.len != 0 ||
		    keep_pub_bits(k, &v) != 0)
			return PRIVKEY_BAD;
	}
	if (key.len != 0 || curve == 0)
		return PRIVKEY_BAD;
	k->ec.curve = curve;
	k->ec.x = keep(k, &used, &x);
	k->ec.xlen = x.len;
	k->type = BR_KEYTYPE_EC;
	return PRIVKEY_OK;
}

/* One RSAPrivateKey or ECPrivateKey filling exactly der. */
static int
traditional_decode(struct privkey *k, struct der d, int curve)
{
	struct der key, rest, version;
	unsigned tag;

	if (der_expect(&d, DER_SEQUENCE, &key) != 0 || d.len != 0)
		return PRIVKEY_BAD;
	/* What follows the version tells the two apart. */
	rest = key;
	if (der_expect(&rest, DER_INTEGER, &version) != 0 || rest.len == 0)
		return PRIVKEY_BAD;
	tag = rest.p[0];
	if (tag == DER_INTEGER)
		return rsa_decode(k, key);
	if (tag == DER_OCTET_STRING)
		return ec_decode(k, key, curve);
	return PRIVKEY_BAD;
}

/*
 * PrivateKeyInfo / OneAsymmetricKey ::= SEQUENCE { version (0 or 1),
 * privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING,
 * attributes [0] OPTIONAL, publicKey [1] IMPLICIT BIT STRING OPTIONAL },
 * given as the SEQUENCE's contents.
 */
static int
pkcs8_decode(struct privkey *k, struct der info)
{
	struct der alg, oid, params, inner, f;
	unsigned tag;
	int rc, algorithm, curve = 0;

	if ((take_small(&info, 0) != 0 && take_small(&info, 1) != 0) ||
	    der_expect(&info, DER_SEQUENCE, &alg) != 0 ||
	    der_expect(&alg, DER_OID, &oid) != 0 ||
	    der_expect(&info, DER_OCTET_STRING, &inner) != 0)
		return PRIVKEY_BAD;
	/* attributes: nothing pgstunnel uses */
	(void)der_expect(&info, DER_CTX_CONS(0), &f);
	if (der_next(&info, &tag, &f, NULL) == 0) {
		if (tag != DER_CTX_PRIM(1) || keep_pub_bits(k, &f) != 0)
			return PRIVKEY_BAD;
	}
	if (info.len != 0)
		return PRIVKEY_BAD;

	algorithm = der_key_algorithm(&oid);
	if (algorithm == BR_KEYTYPE_RSA) {
		/* parameters: NULL, or absent */
		if (alg.len != 0 && (der_expect(&alg, DER_NULL, &params) != 0 ||
		                     params.len != 0 || alg.len != 0))
			return PRIVKEY_BAD;
	} else if (algorithm == BR_KEYTYPE_EC) {
		if (der_expect(&alg, DER_OID, &params) != 0 || alg.len != 0)
			return PRIVKEY_CURVE;
		curve = der_curve_of(&params);
		if (curve == 0)
			return PRIVKEY_CURVE;
	} else {
		return PRIVKEY_UNSUPPORTED;
	}
	rc = traditional_decode(k, inner, curve);
	if (rc == PRIVKEY_OK && (k->type == BR_KEYTYPE_RSA) != (curve == 0))
		rc = PRIVKEY_BAD; /* the algorithm said otherwise */
	return rc;
}

int
privkey_decode(struct privkey *k, const uint8_t *der, size_t len)
{
	struct der d = {der, len}, outer, rest, v;
	int rc = PRIVKEY_BAD;

	memset(k, 0, sizeof *k);
	rest = d;
	if (der_expect(&rest, DER_SEQUENCE, &outer) == 0 && rest.len == 0) {
		rest = outer;
		if (der_expect(&rest, DER_INTEGER, &v) == 0 && rest.len > 0 &&
		    rest.p[0] == DER_SEQUENCE)
			rc = pkcs8_decode(k, outer);
		else
			rc = traditional_decode(k, d, 0);
	}
	if (rc != PRIVKEY_OK) {
		/* The outer [1] of a failed key, or a part already kept. */
		memset(k, 0, sizeof *k);
	}
	return rc;
}

const char *
privkey_kind(const uint8_t *der, size_t len)
{
	struct der d = {der, len}, outer, v, alg, curve, f;

	if (der_expect(&d, DER_SEQUENCE, &outer) != 0 ||
	    der_expect(&outer, DER_INTEGER, &v) != 0 || outer.len == 0)
		return NULL;
	if (outer.p[0] == DER_SEQUENCE) /* PKCS#8 */
		return der_expect(&outer, DER_SEQUENCE, &alg) == 0
		           ? der_unsupported_alg(alg)
		           : NULL;
	/* ECPrivateKey: its [0] parameters name the curve. */
	if (der_expect(&outer, DER_OCTET_STRING, &v) != 0 ||
	    der_expect(&outer, DER_CTX_CONS(0), &f) != 0 ||
	    der_expect(&f, DER_OID, &curve) != 0)
		return NULL;
	return der_unsupported_curve(&curve);
}

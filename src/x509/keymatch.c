/* see keymatch.h */
#include "keymatch.h"

#include <stdint.h>
#include <string.h>

#include <bearssl.h>

/* BearSSL's largest RSA modulus (4096 bits), in bytes. */
#define RSA_MAX_BYTES 512

/* Big-endian integers as the certificate and BearSSL encode them. */
static void
strip_zeros(const unsigned char **p, size_t *len)
{
	while (*len > 0 && **p == 0) {
		(*p)++;
		(*len)--;
	}
}

static int
same_integer(const unsigned char *a, size_t alen, const unsigned char *b,
             size_t blen)
{
	strip_zeros(&a, &alen);
	strip_zeros(&b, &blen);
	return alen == blen && memcmp(a, b, alen) == 0;
}

static int
match_ec(const br_ec_private_key *sk, const br_ec_public_key *cert,
         const struct keys_private *key, enum keymatch_depth depth)
{
	unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
	size_t qlen;

	if (sk->curve != cert->curve)
		return KEYS_ERR_MISMATCH;
	/* The file's own point settles it, if it is in the certificate's
	 * form; any doubt goes to the computation, which decides. */
	if (depth == KEYMATCH_PUBLIC && key->pk.pub_len == cert->qlen &&
	    memcmp(key->pk.pub, cert->q, cert->qlen) == 0)
		return KEYS_OK;
	qlen = br_ec_compute_pub(br_ec_get_default(), NULL, q, sk);
	if (qlen == 0)
		return KEYS_ERR_KEY_TYPE;
	if (qlen != cert->qlen || memcmp(q, cert->q, qlen) != 0)
		return KEYS_ERR_MISMATCH;
	return KEYS_OK;
}

/* The public exponent as a number; 0 when it does not fit 32 bits. */
static uint32_t
exponent_value(const unsigned char *e, size_t elen)
{
	uint32_t v = 0;

	strip_zeros(&e, &elen);
	if (elen > 4)
		return 0;
	for (size_t i = 0; i < elen; i++)
		v = (v << 8) | e[i];
	return v;
}

/*
 * Same modulus means same primes; the public exponent is compared when
 * BearSSL can recompute it, which it can only when p and q are 3 mod 4
 * (true of BearSSL's keys, of about one OpenSSL key in four). So one
 * private operation undone with the certificate's key settles e, and
 * also catches a damaged d, dp, dq or iq, which the modulus cannot.
 */
static int
match_rsa_full(const br_rsa_private_key *sk, const br_rsa_public_key *cert,
               size_t nlen)
{
	br_rsa_compute_pubexp pubexp = br_rsa_compute_pubexp_get_default();
	unsigned char x[RSA_MAX_BYTES], m[RSA_MAX_BYTES];
	uint32_t e_key;
	size_t i;

	e_key = pubexp(sk);
	if (e_key != 0 && e_key != exponent_value(cert->e, cert->elen))
		return KEYS_ERR_MISMATCH;

	/* x must be exactly as long as the modulus, and below it. */
	if (((size_t)sk->n_bitlen + 7) / 8 != nlen)
		return KEYS_ERR_KEY;
	m[0] = 0;
	for (i = 1; i < nlen; i++)
		m[i] = (unsigned char)(i * 151 + 17);
	memcpy(x, m, nlen);
	if (!br_rsa_private_get_default()(x, sk))
		return KEYS_ERR_KEY;
	if (!br_rsa_public_get_default()(x, nlen, cert) ||
	    memcmp(x, m, nlen) != 0)
		return KEYS_ERR_MISMATCH;
	return KEYS_OK;
}

/* A factor's 32-bit limbs, least significant first; returns how many. */
static size_t
to_limbs(uint32_t *x, const unsigned char *b, size_t len)
{
	size_t n = (len + 3) / 4;

	memset(x, 0, n * sizeof *x);
	for (size_t k = 0; k < len; k++)
		x[k / 4] |= (uint32_t)b[len - 1 - k] << (8 * (k % 4));
	return n;
}

/*
 * n = p * q, big-endian in exactly nlen bytes. BearSSL's own computation
 * (br_rsa_i31_compute_modulus) returns 0 for 4096-bit keys: its work
 * area is two words short of two 2048-bit factors and their product.
 * Schoolbook over 32-bit limbs, at most 64 x 64 products, no branch on
 * the factors' values. 0, or -1 when a factor is empty or too long or
 * the product does not fit nlen bytes.
 */
static int
rsa_modulus(unsigned char *n, size_t nlen, const br_rsa_private_key *sk)
{
	enum { LIMBS = RSA_MAX_BYTES / 2 / 4 };
	uint32_t a[LIMBS], b[LIMBS], r[2 * LIMBS];
	const unsigned char *p = sk->p, *q = sk->q;
	size_t plen = sk->plen, qlen = sk->qlen, na, nb, rlen;
	uint32_t high = 0;

	strip_zeros(&p, &plen);
	strip_zeros(&q, &qlen);
	if (plen == 0 || qlen == 0 || plen > RSA_MAX_BYTES / 2 ||
	    qlen > RSA_MAX_BYTES / 2 || nlen == 0 || nlen > RSA_MAX_BYTES)
		return -1;
	na = to_limbs(a, p, plen);
	nb = to_limbs(b, q, qlen);
	rlen = na + nb;
	memset(r, 0, rlen * sizeof *r);
	for (size_t i = 0; i < na; i++) {
		uint64_t carry = 0;

		for (size_t j = 0; j < nb; j++) {
			/* At most (2^32-1)^2 + 2 (2^32-1) = 2^64 - 1. */
			uint64_t t = (uint64_t)a[i] * b[j] + r[i + j] + carry;

			r[i + j] = (uint32_t)t;
			carry = t >> 32;
		}
		r[i + nb] = (uint32_t)carry;
	}
	for (size_t k = 0; k < 4 * rlen; k++) {
		unsigned char v = (unsigned char)(r[k / 4] >> (8 * (k % 4)));

		if (k < nlen)
			n[nlen - 1 - k] = v;
		else
			high |= v;
	}
	for (size_t k = 4 * rlen; k < nlen; k++)
		n[nlen - 1 - k] = 0;
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	memset(r, 0, sizeof r);
	return high == 0 ? 0 : -1;
}

static int
match_rsa(const br_rsa_private_key *sk, const br_rsa_public_key *cert,
          const struct keys_private *key, enum keymatch_depth depth)
{
	unsigned char n[RSA_MAX_BYTES];
	size_t nlen = ((size_t)sk->n_bitlen + 7) / 8;

	if (nlen == 0 || nlen > sizeof n)
		return KEYS_ERR_KEY_TYPE;
	if (rsa_modulus(n, nlen, sk) != 0)
		return KEYS_ERR_KEY;
	if (!same_integer(n, nlen, cert->n, cert->nlen))
		return KEYS_ERR_MISMATCH;
	if (depth == KEYMATCH_PUBLIC && key->pk.pub_len > 0)
		return same_integer(key->pk.pub, key->pk.pub_len, cert->e,
		                    cert->elen)
		           ? KEYS_OK
		           : KEYS_ERR_MISMATCH;
	return match_rsa_full(sk, cert, nlen);
}

int
keymatch_check(const struct keys_chain *chain, const struct keys_private *key,
               enum keymatch_depth depth)
{
	const br_x509_pkey *pk = &chain->leaf_key;
	const br_rsa_private_key *rsa = keys_private_rsa(key);
	const br_ec_private_key *ec = keys_private_ec(key);

	if (chain->count == 0)
		return KEYS_ERR_NO_CERT;
	if (rsa == NULL && ec == NULL)
		return KEYS_ERR_NO_KEY;
	if (pk->key_type != key->type)
		return KEYS_ERR_MISMATCH;
	if (rsa != NULL)
		return match_rsa(rsa, &pk->key.rsa, key, depth);
	return match_ec(ec, &pk->key.ec, key, depth);
}

/*
 * privkey: one private key's DER into BearSSL's key structs, with the
 * public half the file carries (for keymatch.c). Pure: no I/O, no
 * allocation. It replaces BearSSL's interpreted key decoder, which spent
 * 1.3 million instructions on an RSA-2048 key in every process started
 * per connection; this walk spends a few thousand.
 *
 * Forms: PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5958) holding
 * rsaEncryption or id-ecPublicKey; RSAPrivateKey (RFC 8017, two primes);
 * ECPrivateKey (RFC 5915). Strict DER (der.h), nothing after the key.
 */
#ifndef PGSTUNNEL_PRIVKEY_H
#define PGSTUNNEL_PRIVKEY_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

/* RSA up to 4096 bits: p, q, dp, dq, iq of 256 bytes each at most. */
#define PRIVKEY_DATA_MAX BR_RSA_KBUF_PRIV_SIZE(4096)

enum privkey_status {
	PRIVKEY_OK = 0,
	PRIVKEY_BAD,         /* not a private key in one of the forms */
	PRIVKEY_UNSUPPORTED, /* another algorithm (Ed25519, DSA, ...) */
	PRIVKEY_CURVE,       /* EC on a curve other than P-256/384/521 */
	PRIVKEY_TOO_BIG,     /* RSA over 4096 bits */
	PRIVKEY_MULTI_PRIME, /* RSA with more than two primes */
};

struct privkey {
	int type; /* BR_KEYTYPE_RSA, BR_KEYTYPE_EC, or 0 */
	br_rsa_private_key rsa;
	br_ec_private_key ec;
	/* The EC point (any encoding the file used) or RSA's public
	 * exponent; pub_len 0 when the file has none. */
	size_t pub_len;
	unsigned char pub[BR_EC_KBUF_PUB_MAX_SIZE];
	unsigned char data[PRIVKEY_DATA_MAX]; /* what rsa and ec point to */
};

/* Decode der[0..len) into *k. On failure *k is all zero. */
int privkey_decode(struct privkey *k, const uint8_t *der, size_t len);

/*
 * For the message after PRIVKEY_UNSUPPORTED or PRIVKEY_CURVE: what key
 * der holds ("an Ed25519 key", "an EC key on secp256k1"; der.h), or NULL
 * when that cannot be told.
 */
const char *privkey_kind(const uint8_t *der, size_t len);

#endif

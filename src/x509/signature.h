/*
 * signature: an X.509 signature (a CRL's, a certificate's) checked with
 * the signer's public key. RSA PKCS#1 v1.5 or ECDSA, with SHA-1, SHA-224,
 * SHA-256, SHA-384 or SHA-512: what CAs sign with. Pure: no I/O, no
 * allocation. crl.c checks each CRL with it at start-up; --check
 * (checkreport.c) each link of a chain.
 */
#ifndef PGSTUNNEL_SIGNATURE_H
#define PGSTUNNEL_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "der.h"

#define SIGNATURE_HASH_MAX 64 /* SHA-512's output */

/* What a signatureAlgorithm names. */
struct signature_alg {
	int hash_id;  /* br_sha1_ID ... br_sha512_ID */
	int key_type; /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
};

/*
 * The contents of an AlgorithmIdentifier: one of the algorithms above,
 * with NULL parameters (RSA, RFC 4055) or none (ECDSA, RFC 5758; RSA
 * without them is let through). 0, or -1 for any other.
 */
int signature_algorithm(struct der alg, struct signature_alg *out);

/*
 * The hash_id hash of data into out: its length, or 0 for an unknown
 * hash_id.
 */
size_t signature_hash(int hash_id, const struct der *data,
                      uint8_t out[SIGNATURE_HASH_MAX]);

/*
 * Whether pk made sig (a signatureValue's bytes after the unused-bits
 * octet) over hash (hlen bytes, from signature_hash()) with alg. 1 or 0;
 * a key of another type than alg's is 0.
 */
int signature_signed(const struct signature_alg *alg, const uint8_t *hash,
                     size_t hlen, const struct der *sig,
                     const br_x509_pkey *pk);

#endif

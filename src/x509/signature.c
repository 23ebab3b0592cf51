/* see signature.h */
#include <string.h>

#include "signature.h"

/* Signature algorithms: the OID of each, with its hash and key type. */
struct sigalg {
	const char *oid;
	size_t oid_len;
	struct signature_alg alg;
};

#define RSA_PKCS1 "\x2a\x86\x48\x86\xf7\x0d\x01\x01" /* 1.2.840.113549.1.1 */
#define ECDSA_SHA "\x2a\x86\x48\xce\x3d\x04"         /* 1.2.840.10045.4 */

static const struct sigalg sigalgs[] = {
    {RSA_PKCS1 "\x05", 9, {br_sha1_ID, BR_KEYTYPE_RSA}},
    {RSA_PKCS1 "\x0e", 9, {br_sha224_ID, BR_KEYTYPE_RSA}},
    {RSA_PKCS1 "\x0b", 9, {br_sha256_ID, BR_KEYTYPE_RSA}},
    {RSA_PKCS1 "\x0c", 9, {br_sha384_ID, BR_KEYTYPE_RSA}},
    {RSA_PKCS1 "\x0d", 9, {br_sha512_ID, BR_KEYTYPE_RSA}},
    {ECDSA_SHA "\x01", 7, {br_sha1_ID, BR_KEYTYPE_EC}},
    {ECDSA_SHA "\x03\x01", 8, {br_sha224_ID, BR_KEYTYPE_EC}},
    {ECDSA_SHA "\x03\x02", 8, {br_sha256_ID, BR_KEYTYPE_EC}},
    {ECDSA_SHA "\x03\x03", 8, {br_sha384_ID, BR_KEYTYPE_EC}},
    {ECDSA_SHA "\x03\x04", 8, {br_sha512_ID, BR_KEYTYPE_EC}},
};

int
signature_algorithm(struct der alg, struct signature_alg *out)
{
	struct der oid, params;
	unsigned tag;
	size_t i;

	if (der_expect(&alg, DER_OID, &oid) != 0)
		return -1;
	for (i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++) {
		const struct sigalg *sa = &sigalgs[i];

		if (!der_is(&oid, (const uint8_t *)sa->oid, sa->oid_len))
			continue;
		if (alg.len == 0 ||
		    (sa->alg.key_type == BR_KEYTYPE_RSA &&
		     der_next(&alg, &tag, &params, NULL) == 0 &&
		     tag == DER_NULL && params.len == 0 && alg.len == 0)) {
			*out = sa->alg;
			return 0;
		}
		return -1;
	}
	return -1;
}

static const br_hash_class *
hash_class(int id)
{
	switch (id) {
	case br_sha1_ID:
		return &br_sha1_vtable;
	case br_sha224_ID:
		return &br_sha224_vtable;
	case br_sha256_ID:
		return &br_sha256_vtable;
	case br_sha384_ID:
		return &br_sha384_vtable;
	case br_sha512_ID:
		return &br_sha512_vtable;
	default:
		return NULL;
	}
}

size_t
signature_hash(int hash_id, const struct der *data,
               uint8_t out[SIGNATURE_HASH_MAX])
{
	const br_hash_class *hc = hash_class(hash_id);
	br_hash_compat_context h;
	size_t hlen;

	if (hc == NULL)
		return 0;
	hlen = (hc->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
	if (hlen > SIGNATURE_HASH_MAX)
		return 0;
	hc->init(&h.vtable);
	hc->update(&h.vtable, data->p, data->len);
	hc->out(&h.vtable, out);
	return hlen;
}

int
signature_signed(const struct signature_alg *alg, const uint8_t *hash,
                 size_t hlen, const struct der *sig, const br_x509_pkey *pk)
{
	uint8_t out[SIGNATURE_HASH_MAX];

	if (pk->key_type != alg->key_type || hlen > sizeof(out))
		return 0;
	if (pk->key_type == BR_KEYTYPE_RSA)
		return br_rsa_pkcs1_vrfy_get_default()(
		           sig->p, sig->len, der_hash_oid(alg->hash_id), hlen,
		           &pk->key.rsa, out) == 1 &&
		       memcmp(out, hash, hlen) == 0;
	if (pk->key_type == BR_KEYTYPE_EC)
		return br_ecdsa_vrfy_asn1_get_default()(br_ec_get_default(),
		                                        hash, hlen, &pk->key.ec,
		                                        sig->p, sig->len) == 1;
	return 0;
}

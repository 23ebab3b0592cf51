/*
 * x509check: verification of a peer's certificate the way libpq's sslmode
 * does it, as a BearSSL X.509 engine (br_x509_class).
 *
 *   X509CHECK_NONE  accept any chain; only extract the leaf's public key
 *                   (sslmode=require / prefer);
 *   X509CHECK_CA    the chain must lead to one of the trust anchors
 *                   (sslmode=verify-ca; also client certificates);
 *   X509CHECK_FULL  as CA, and the leaf must match the host name like
 *                   libpq: an IP-address host against the iPAddress SANs,
 *                   a DNS host against the dNSName SANs (with libpq's
 *                   wildcard rules), the subject CN only when the
 *                   certificate has no dNSName SAN.
 *
 * BearSSL's minimal engine does the chain; its own name check matches DNS
 * names only, so it is switched off and hostcheck_match() does the name.
 * The leaf's DER is buffered in fixed storage for that.
 */
#ifndef PGSTUNNEL_X509CHECK_H
#define PGSTUNNEL_X509CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define X509CHECK_LEAF_MAX 8192 /* DER bytes of a leaf we can name-check */
#define X509CHECK_HOST_MAX 256

enum x509check_mode { X509CHECK_NONE, X509CHECK_CA, X509CHECK_FULL };

/* Codes beyond BearSSL's BR_ERR_X509_* range, returned by end_chain(). */
#define X509CHECK_ERR_NAME      400 /* host name does not match */
#define X509CHECK_ERR_LEAF_SIZE 401 /* leaf larger than X509CHECK_LEAF_MAX */
#define X509CHECK_ERR_LEAF      402 /* leaf does not decode */

enum hostcheck_result {
	HOSTCHECK_MATCH = 0,
	HOSTCHECK_MISMATCH,
	HOSTCHECK_BAD_CERT,
};

/* Pure: does this DER certificate match host (DNS name or IP literal)? */
int hostcheck_match(const uint8_t *der, size_t len, const char *host);

struct x509check {
	const br_x509_class *vtable; /* must be first */
	br_x509_minimal_context minimal;
	enum x509check_mode mode;
	char host[X509CHECK_HOST_MAX];
	unsigned char leaf[X509CHECK_LEAF_MAX];
	size_t leaf_len;
	int depth;   /* certificates seen so far */
	int leaf_err;
	br_x509_decoder_context dec; /* leaf key when mode is NONE */
	br_x509_pkey pkey;
	unsigned char pkey_data[BR_X509_BUFSIZE_KEY];
};

/*
 * Set up ctx. anchors may be NULL/0 with X509CHECK_NONE. host is copied;
 * it may be NULL unless mode is X509CHECK_FULL. Hash functions are set up
 * here (all that BearSSL's minimal engine supports).
 */
void x509check_init(struct x509check *ctx, enum x509check_mode mode,
    const br_x509_trust_anchor *anchors, size_t anchor_count,
    const char *host);

/* A short English text for a BR_ERR_X509_* or X509CHECK_ERR_* code. */
const char *x509check_strerror(int err);

#endif

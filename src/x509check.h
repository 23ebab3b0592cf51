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
 * names only, so it is switched off and hostcheck_match() (hostcheck.h)
 * does the name. The leaf's DER is buffered in fixed storage for that.
 *
 * Revocation (X509CHECK_CA with x509check_set_crl(), for client
 * certificates): every certificate the peer sends is buffered in turn
 * (the same storage, so each must fit in X509CHECK_LEAF_MAX), and its
 * issuer Name and serial are looked up in the CRL store, like OpenSSL's
 * X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL that PostgreSQL sets
 * for ssl_crl_file: a listed serial, an issuer without a CRL, or an
 * issuer whose CRLs are all expired or not yet valid fails the chain.
 * The one exception is a self-issued certificate that is a trust anchor
 * itself (same name, same key): a client that sends the root along. The
 * CRLs count only once BearSSL accepted the chain, so a chain error is
 * reported first.
 */
#ifndef PGSTUNNEL_X509CHECK_H
#define PGSTUNNEL_X509CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define X509CHECK_LEAF_MAX 8192 /* DER bytes of a leaf we can name-check */
#define X509CHECK_HOST_MAX 256

enum x509check_mode { X509CHECK_NONE, X509CHECK_CA, X509CHECK_FULL };

/*
 * Codes returned by end_chain() besides BearSSL's BR_ERR_X509_*; the SSL
 * engine reports them unchanged through br_ssl_engine_last_error(). They
 * lie above every range BearSSL uses (SSL 0-31, X.509 32-63, received
 * alerts 256-511, sent alerts 512-767), so callers never mistake them for
 * an alert.
 */
#define X509CHECK_ERR_NAME      1024 /* host name does not match */
#define X509CHECK_ERR_LEAF_SIZE 1025 /* leaf over X509CHECK_LEAF_MAX bytes */
#define X509CHECK_ERR_LEAF      1026 /* leaf does not decode */
#define X509CHECK_ERR_BAD_NAME  1027 /* a name in the leaf is malformed */
#define X509CHECK_ERR_HOST      1028 /* FULL without a usable host name */

/* Revocation (x509check_set_crl). */
#define X509CHECK_ERR_REVOKED           1029 /* a CRL lists the certificate */
#define X509CHECK_ERR_NO_CRL            1030 /* no CRL of its issuer loaded */
#define X509CHECK_ERR_CRL_EXPIRED       1031 /* the issuer's CRL has expired */
#define X509CHECK_ERR_CRL_NOT_YET_VALID 1032 /* ... or is not yet valid */
#define X509CHECK_ERR_CERT_SIZE         1033 /* over X509CHECK_LEAF_MAX bytes */

struct crl_store;

struct x509check {
	const br_x509_class *vtable; /* must be first */
	br_x509_minimal_context minimal;
	enum x509check_mode mode;
	char host[X509CHECK_HOST_MAX];
	int host_ok; /* host given, non-empty and under X509CHECK_HOST_MAX */
	unsigned char leaf[X509CHECK_LEAF_MAX]; /* the leaf, when it fits */
	size_t leaf_len;
	int depth; /* certificates seen so far */
	int leaf_err;
	/* The last end_chain() result; BR_ERR_X509_TRUNCATED before one. */
	unsigned err;
	br_x509_decoder_context dec; /* leaf key when mode is NONE */
	br_x509_pkey pkey;
	unsigned char pkey_data[BR_X509_BUFSIZE_KEY];
	/*
	 * Revocation: 32 bytes more on x86-64. With crl set, leaf holds
	 * each certificate in turn and dec decodes a self-issued one.
	 */
	const struct crl_store *crl;
	const br_x509_trust_anchor *anchors;
	size_t anchor_count;
	unsigned crl_err; /* the first certificate's refusal, or 0 */
};

/*
 * Set up ctx. anchors may be NULL/0 with X509CHECK_NONE. host is copied;
 * it may be NULL unless mode is X509CHECK_FULL. Hash functions are set up
 * here (SHA-1, SHA-224, SHA-256, SHA-384, SHA-512), with RSA PKCS#1 and
 * ECDSA. A FULL context whose host is NULL, empty or too long (never
 * truncated) fails every chain with X509CHECK_ERR_HOST. The server name
 * the SSL engine passes to start_chain() is ignored: host is the name.
 * Give the engine &ctx->vtable (br_ssl_engine_set_x509). get_pkey()
 * returns NULL unless end_chain() returned 0; in mode NONE it reports
 * the usages BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN.
 */
void x509check_init(struct x509check *ctx, enum x509check_mode mode,
                    const br_x509_trust_anchor *anchors, size_t anchor_count,
                    const char *host);

/*
 * Check the peer's certificates against crl too (NULL: no revocation
 * check, the default). Only for X509CHECK_CA: returns -1 and changes
 * nothing in another mode. Call after x509check_init(); crl must outlive
 * the context.
 */
int x509check_set_crl(struct x509check *ctx, const struct crl_store *crl);

/* A short English text for a BR_ERR_X509_* or X509CHECK_ERR_* code. */
const char *x509check_strerror(int err);

#endif

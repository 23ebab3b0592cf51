/*
 * verifier: verification of a peer's certificate the way libpq's sslmode
 * does it, as a BearSSL X.509 engine (br_x509_class).
 *
 *   VERIFIER_NONE  accept any chain; only extract the leaf's public key
 *                   (sslmode=require / prefer);
 *   VERIFIER_CA    the chain must lead to one of the trust anchors
 *                   (sslmode=verify-ca; also client certificates);
 *   VERIFIER_FULL  as CA, and the leaf must match the host name like
 *                   libpq: an IP-address host against the iPAddress SANs,
 *                   a DNS host against the dNSName SANs (with libpq's
 *                   wildcard rules), the subject CN only when the
 *                   certificate has no dNSName SAN.
 *
 * BearSSL's minimal engine does the chain; its own name check matches DNS
 * names only, so it is switched off and hostname_match() (hostname.h)
 * does the name. The leaf's DER is buffered in fixed storage for that.
 *
 * Revocation (VERIFIER_CA with verifier_set_crl(), for client
 * certificates): every certificate the peer sends is buffered in turn
 * (the same storage, so each must fit in VERIFIER_LEAF_MAX), and its
 * issuer Name and serial are looked up in the CRL store, like OpenSSL's
 * X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL that PostgreSQL sets
 * for ssl_crl_file: a listed serial, an issuer without a CRL, or an
 * issuer whose CRLs are all expired or not yet valid fails the chain.
 * The one exception is a self-issued certificate that is a trust anchor
 * itself (same name, same key): a client that sends the root along. The
 * CRLs count only once BearSSL accepted the chain, so a chain error is
 * reported first.
 *
 * The peer's identity (verifier_peer()): the leaf's subject and issuer
 * Names, first CN and serial are copied out of the buffer as soon as the
 * leaf has been read, so they outlive the chain (with CRLs, the buffer
 * holds the last certificate at the end).
 */
#ifndef PGSTUNNEL_VERIFIER_H
#define PGSTUNNEL_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "der.h"

#define VERIFIER_LEAF_MAX 8192 /* DER bytes of a leaf we can name-check */
#define VERIFIER_HOST_MAX 256
#define VERIFIER_DN_MAX   512 /* DER bytes of a Name the identity keeps */
#define VERIFIER_CN_MAX   64  /* bytes of a CN it keeps (ub-common-name) */

enum verifier_mode { VERIFIER_NONE, VERIFIER_CA, VERIFIER_FULL };

/*
 * Codes returned by end_chain() besides BearSSL's BR_ERR_X509_*; the SSL
 * engine reports them unchanged through br_ssl_engine_last_error(). They
 * lie above every range BearSSL uses (SSL 0-31, X.509 32-63, received
 * alerts 256-511, sent alerts 512-767), so callers never mistake them for
 * an alert.
 */
#define VERIFIER_ERR_NAME      1024 /* host name does not match */
#define VERIFIER_ERR_LEAF_SIZE 1025 /* leaf over VERIFIER_LEAF_MAX bytes */
#define VERIFIER_ERR_LEAF      1026 /* leaf does not decode */
#define VERIFIER_ERR_BAD_NAME  1027 /* a name in the leaf is malformed */
#define VERIFIER_ERR_HOST      1028 /* FULL without a usable host name */

/* Revocation (verifier_set_crl). */
#define VERIFIER_ERR_REVOKED           1029 /* a CRL lists the certificate */
#define VERIFIER_ERR_NO_CRL            1030 /* no CRL of its issuer loaded */
#define VERIFIER_ERR_CRL_EXPIRED       1031 /* the issuer's CRL has expired */
#define VERIFIER_ERR_CRL_NOT_YET_VALID 1032 /* ... or is not yet valid */
#define VERIFIER_ERR_CERT_SIZE         1033 /* over VERIFIER_LEAF_MAX bytes */
#define VERIFIER_ERR_PURPOSE           1034 /* not for a TLS client's use */
#define VERIFIER_ERR_LAST              VERIFIER_ERR_PURPOSE

struct crl_store;

/* The fields of struct verifier_peer, as bits of present and overlong. */
#define VERIFIER_PEER_SUBJECT 0x1
#define VERIFIER_PEER_ISSUER  0x2
#define VERIFIER_PEER_CN      0x4
#define VERIFIER_PEER_SERIAL  0x8

/*
 * What the leaf (the first certificate the peer sent) says of itself.
 * Nothing is ever cut short: a field over its bound is absent from
 * present, and its bit is set in overlong. Every field is absent when the
 * leaf was over VERIFIER_LEAF_MAX bytes or its TBSCertificate does not
 * read as far as the subject (der_cert_ids()): modes NONE and CA accept
 * such leaves when BearSSL does. In mode NONE nothing is verified: the
 * identity is only what the peer claims.
 *  - subject, issuer: the Names' whole DER encodings (as BearSSL compares
 *    names in chains, and as crl_store_check() takes the issuer);
 *  - cn: the first subject CN's bytes as the certificate has them (no
 *    character set conversion), NUL-terminated. Absent when the subject
 *    has no CN or does not parse (der_name_cn()), or when the CN holds a
 *    NUL byte, which PostgreSQL refuses in a client certificate's CN (so
 *    a BMPString or UniversalString CN is absent); overlong past
 *    VERIFIER_CN_MAX bytes (RFC 5280's ub-common-name counts 64
 *    characters: a CN of non-ASCII UTF-8 may be shorter and still over).
 *    Not filtered: whoever logs it must;
 *  - serial: the serial number's value (der.h); absent when the INTEGER
 *    is not minimally encoded, overlong past DER_SERIAL_MAX octets.
 * Absent fields are all zero (cn is "").
 */
struct verifier_peer {
	unsigned present;  /* VERIFIER_PEER_* of the fields that hold one */
	unsigned overlong; /* VERIFIER_PEER_* of those too long to keep */
	size_t subject_len;
	size_t issuer_len;
	uint8_t subject[VERIFIER_DN_MAX];
	uint8_t issuer[VERIFIER_DN_MAX];
	char cn[VERIFIER_CN_MAX + 1];
	struct der_serial serial;
};

struct verifier {
	const br_x509_class *vtable; /* must be first */
	br_x509_minimal_context minimal;
	enum verifier_mode mode;
	char host[VERIFIER_HOST_MAX];
	int host_ok; /* host given, non-empty and under VERIFIER_HOST_MAX */
	unsigned char leaf[VERIFIER_LEAF_MAX]; /* the leaf, when it fits */
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
	unsigned crl_err;     /* the first certificate's refusal, or 0 */
	int want_client;      /* see verifier_want_client() */
	unsigned purpose_err; /* the leaf's verdict on that, or 0 */
	/* 1136 bytes on x86-64: see verifier_peer(). */
	struct verifier_peer peer;
};

/*
 * Set up ctx. anchors may be NULL/0 with VERIFIER_NONE. host is copied;
 * it may be NULL unless mode is VERIFIER_FULL. Hash functions are set up
 * here (SHA-1, SHA-224, SHA-256, SHA-384, SHA-512), with RSA PKCS#1 and
 * ECDSA. A FULL context whose host is NULL, empty or too long (never
 * truncated) fails every chain with VERIFIER_ERR_HOST. The server name
 * the SSL engine passes to start_chain() is ignored: host is the name.
 * Give the engine &ctx->vtable (br_ssl_engine_set_x509). get_pkey()
 * returns NULL unless end_chain() returned 0; in mode NONE it reports
 * the usages BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN.
 */
void verifier_init(struct verifier *ctx, enum verifier_mode mode,
                   const br_x509_trust_anchor *anchors, size_t anchor_count,
                   const char *host);

/*
 * Check the peer's certificates against crl too (NULL: no revocation
 * check, the default). Only for VERIFIER_CA: returns -1 and changes
 * nothing in another mode. Call after verifier_init(); crl must outlive
 * the context.
 */
int verifier_set_crl(struct verifier *ctx, const struct crl_store *crl);

/*
 * Refuse a leaf not meant for a TLS client, with VERIFIER_ERR_PURPOSE:
 * an extendedKeyUsage without clientAuth, a keyUsage without
 * digitalSignature (der_cert_client_purpose). For the client
 * certificates pgstunnel verifies as a server; call after
 * verifier_init(). A leaf over VERIFIER_LEAF_MAX bytes is refused.
 */
void verifier_want_client(struct verifier *ctx);

/*
 * The refusal of the last chain if the peer sent one (at least one
 * certificate) and it was refused, else 0. BearSSL's optional client
 * authentication (BR_OPT_TOLERATE_NO_CLIENT_AUTH) goes on without the
 * certificate in both cases; the caller tells them apart with this.
 */
unsigned verifier_refused(const struct verifier *ctx);

/*
 * The identity of the peer whose chain the last end_chain() accepted
 * (returned 0), or NULL: before the first chain, while one is read, and
 * after one that failed. Valid until the next start_chain() or
 * verifier_init() on ctx.
 */
const struct verifier_peer *verifier_peer(const struct verifier *ctx);

/*
 * What the leaf of the last chain claims, accepted or refused (NULL
 * before any leaf was read): for the log line of a refused certificate
 * only, never to decide anything.
 */
const struct verifier_peer *verifier_claimed(const struct verifier *ctx);

/* A short English text for a BR_ERR_X509_* or VERIFIER_ERR_* code. */
const char *verifier_strerror(int err);

#endif

/*
 * crl: certificate revocation lists for client certificates, like
 * PostgreSQL's ssl_crl_file. Pure: bytes in, a fixed-size store out; no
 * files, no sockets, no allocation.
 *
 * A CRL (RFC 5280 CertificateList, PEM label "X509 CRL") is parsed with
 * strict DER: definite, minimal lengths, the fields in order, nothing
 * after them. Version 2 and version 1 (no version, no extensions) CRLs
 * are accepted. A CRL, or an entry in it, with a critical extension is
 * refused: the ones that exist (issuingDistributionPoint, deltaCRL-
 * Indicator, certificateIssuer) narrow or widen what the CRL covers,
 * and RFC 5280 forbids using a CRL whose critical extensions one does
 * not process. Non-critical extensions (reason codes, CRL numbers, ...)
 * are checked for shape and ignored.
 *
 * Each CRL must be signed by a trust anchor (a --client-ca certificate)
 * whose subject Name is byte for byte the CRL's issuer Name, as BearSSL
 * compares names in chains: RSA PKCS#1 v1.5 or ECDSA with SHA-1, SHA-224,
 * SHA-256, SHA-384 or SHA-512. The signature is checked once, when the
 * store is filled; times are checked per connection (crl_store_check).
 * XXX: unlike OpenSSL, the issuer certificate's keyUsage is not checked
 * for cRLSign: BearSSL's decoder does not report it, and the operator
 * named that certificate as a CA in --client-ca.
 *
 * Serial numbers are compared by value: the leading 0x00 that DER puts
 * before a positive number with its top bit set is not part of the value.
 * RFC 5280 allows values of up to 20 octets; a longer one is refused.
 */
#ifndef PGSTUNNEL_CRL_H
#define PGSTUNNEL_CRL_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "der.h"

#define CRL_MAX         16   /* CRLs in one store (one --client-crl file) */
#define CRL_REVOKED_MAX 4096 /* revoked serials, all CRLs together */
#define CRL_HASH_LEN    32   /* SHA-256 of an issuer Name */
#define CRL_FILE_MAX                                                           \
	524288             /* PEM bytes of a --client-crl file (main reads)    \
	                    */
#define CRL_DER_MAX 393216 /* DER bytes of one CRL (main's buffer) */

/* Octets of a serial's value (RFC 5280): struct der_serial's. */
#define CRL_SERIAL_MAX DER_SERIAL_MAX

enum crl_status {
	CRL_OK = 0,
	CRL_ERR_PEM,         /* not valid PEM */
	CRL_ERR_NONE,        /* no X509 CRL object */
	CRL_ERR_DER,         /* a CRL does not parse (DER, RFC 5280) */
	CRL_ERR_SERIAL,      /* a serial longer than CRL_SERIAL_MAX octets */
	CRL_ERR_TOO_BIG,     /* a CRL larger than the DER buffer */
	CRL_ERR_TOO_MANY,    /* more than CRL_MAX CRLs */
	CRL_ERR_REVOKED_MAX, /* more than CRL_REVOKED_MAX revoked serials */
	CRL_ERR_CRITICAL,    /* a critical extension */
	CRL_ERR_ALGORITHM,   /* signature algorithm not supported */
	CRL_ERR_ISSUER,      /* no trust anchor has the CRL's issuer name */
	CRL_ERR_SIGNATURE,   /* no anchor of that name verifies the signature */
};

/* What crl_store_check() says about one certificate. */
enum crl_verdict {
	CRL_GOOD = 0,
	CRL_REVOKED,       /* a CRL of its issuer lists its serial */
	CRL_NO_CRL,        /* no CRL of its issuer is loaded */
	CRL_EXPIRED,       /* the issuer's CRLs are past their nextUpdate */
	CRL_NOT_YET_VALID, /* ... or before their thisUpdate */
};

/* One parsed CRL; the spans point into the DER given to crl_parse(). */
struct crl_info {
	struct der tbs;    /* TBSCertList, whole encoding: what is signed */
	struct der issuer; /* issuer Name, whole encoding */
	struct der sig;    /* signature value, without the unused-bits byte */
	int hash_id;       /* br_sha1_ID ... br_sha512_ID */
	int key_type;      /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
	int version;       /* 1 or 2 */
	int64_t this_update;
	int64_t next_update; /* when has_next_update */
	int has_next_update;
	size_t revoked_count;
	struct der revoked; /* contents of revokedCertificates */
};

/* One loaded CRL: its serials are revoked[first .. first + count). */
struct crl_entry {
	uint8_t issuer_hash[CRL_HASH_LEN];
	int64_t this_update;
	int64_t next_update;
	int has_next_update;
	size_t first, count;
};

/*
 * The store: 91280 bytes on x86-64 (4096 serials of 22 bytes), in static
 * storage; only the part filled is ever touched. Times are seconds since
 * 1970-01-01 UTC.
 */
struct crl_store {
	struct crl_entry crl[CRL_MAX];
	size_t count;
	struct der_serial revoked[CRL_REVOKED_MAX];
	size_t revoked_count;
};

/*
 * der_serial_set() with its answer as CRL_OK, CRL_ERR_DER or
 * CRL_ERR_SERIAL.
 */
int crl_serial_set(struct der_serial *s, const uint8_t *content, size_t len);

/*
 * Parse one DER CertificateList that fills exactly len bytes. CRL_OK,
 * CRL_ERR_DER, CRL_ERR_SERIAL, CRL_ERR_CRITICAL or CRL_ERR_ALGORITHM
 * (DER errors win: the other two are reported only for a CRL that parses).
 */
int crl_parse(const uint8_t *der, size_t len, struct crl_info *ci);

/*
 * Check a parsed CRL's signature against the anchors whose DN is its
 * issuer (more than one may have that name: each is tried). CRL_OK,
 * CRL_ERR_ISSUER (no anchor of that name) or CRL_ERR_SIGNATURE.
 */
int crl_verify(const struct crl_info *ci, const br_x509_trust_anchor *anchors,
               size_t anchor_count);

/* Empty the store. */
void crl_store_clear(struct crl_store *st);

/*
 * Add a parsed CRL (its signature already checked) to the store.
 * CRL_OK, CRL_ERR_TOO_MANY or CRL_ERR_REVOKED_MAX (the store unchanged).
 */
int crl_store_add(struct crl_store *st, const struct crl_info *ci);

/*
 * Fill the store from PEM text: every "X509 CRL" object is decoded into
 * der (der_cap bytes), parsed, verified against the anchors and added;
 * other objects are skipped. CRLF line ends and a missing final newline
 * are accepted. On error the store is empty and *which is the 1-based
 * number of the CRL at fault (0 when the error is not one CRL's).
 */
int crl_store_load_pem(struct crl_store *st, const uint8_t *pem, size_t len,
                       const br_x509_trust_anchor *anchors, size_t anchor_count,
                       uint8_t *der, size_t der_cap, size_t *which);

/*
 * Fill the store from one DER CertificateList that fills exactly len
 * bytes (what `openssl ca -gencrl -outform DER` writes): parsed, verified
 * against the anchors, added. Same results as crl_store_load_pem().
 */
int crl_store_load_der(struct crl_store *st, const uint8_t *der, size_t len,
                       const br_x509_trust_anchor *anchors,
                       size_t anchor_count);

/* Whether a CRL file's first bytes are DER (a SEQUENCE), not PEM text. */
int crl_file_is_der(const uint8_t *buf, size_t len);

/*
 * A certificate with this issuer Name (whole DER encoding) and serial, at
 * time now: CRL_REVOKED when any loaded CRL of that issuer lists the
 * serial (whatever its dates); else CRL_GOOD when one of them is current
 * (thisUpdate <= now < nextUpdate, or no nextUpdate); else CRL_NO_CRL,
 * or CRL_EXPIRED / CRL_NOT_YET_VALID for the first of them in file order.
 */
enum crl_verdict crl_store_check(const struct crl_store *st,
                                 const uint8_t *issuer, size_t issuer_len,
                                 const struct der_serial *serial, int64_t now);

/* A short English text for a crl_status value. */
const char *crl_strerror(int status);

#endif

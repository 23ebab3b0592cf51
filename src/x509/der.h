/*
 * der: a strict DER reader over a bounded span, shared by the certificate
 * walks (hostname.c, verifier.c) and the CRL parser in crl.c, with the
 * X.509 structures more than one of them reads. Pure: no I/O, no
 * allocation. Every read checks the bytes left first; lengths must be
 * definite, minimally encoded and at most four bytes long (plenty for a
 * certificate or a CRL); high tag numbers are refused (none occur in what
 * pgstunnel walks).
 */
#ifndef PGSTUNNEL_DER_H
#define PGSTUNNEL_DER_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define DER_BOOLEAN          0x01
#define DER_INTEGER          0x02
#define DER_BIT_STRING       0x03
#define DER_OCTET_STRING     0x04
#define DER_NULL             0x05
#define DER_OID              0x06
#define DER_UTC_TIME         0x17
#define DER_GENERALIZED_TIME 0x18
#define DER_SEQUENCE         0x30
#define DER_SET              0x31

/* Context-specific tags, primitive and constructed. */
#define DER_CTX_PRIM(n) (0x80 | (n))
#define DER_CTX_CONS(n) (0xa0 | (n))

/* A span of bytes still to read (or the contents of one element). */
struct der {
	const uint8_t *p;
	size_t len;
};

/*
 * Take the next element off d: its tag and contents. With whole non-NULL,
 * also the element's full encoding (header and contents), for callers
 * that hash or compare it. 0, or -1 with d unchanged.
 */
int der_next(struct der *d, unsigned *tag, struct der *out, struct der *whole);

/* der_next() that also wants this tag. */
int der_expect(struct der *d, unsigned tag, struct der *out);

/* Whether d's bytes are exactly what[0..len). */
int der_is(const struct der *d, const uint8_t *what, size_t len);

/* What identifies a certificate; spans into its DER. */
struct der_cert_ids {
	struct der serial;   /* serialNumber's contents (an INTEGER's) */
	struct der issuer;   /* issuer Name, whole encoding */
	struct der subject;  /* subject Name, whole encoding */
	struct der validity; /* Validity's contents: two times */
};

/*
 * A Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
 * signatureValue BIT STRING } that fills exactly len bytes, read into
 * its TBSCertificate as far as the subject: the optional [0] version,
 * then serialNumber INTEGER, signature, issuer, validity and subject,
 * each a SEQUENCE but the first, the validity holding two times. *rest
 * gets what follows in the TBSCertificate (subjectPublicKeyInfo on),
 * unread. Only the tags are checked, not what the fields hold. 0, or -1.
 */
int der_cert_ids(const uint8_t *der, size_t len, struct der_cert_ids *ids,
                 struct der *rest);

/*
 * The first commonName (2.5.4.3) in a Name, given whole: SEQUENCE OF
 * non-empty SET OF AttributeTypeAndValue ::= SEQUENCE { OID, value }.
 * Every attribute must be well-formed, and the value of every CN a
 * primitive universal type (some kind of string). *found says whether
 * there is a CN, *cn gets the first one's contents. 0, or -1.
 */
int der_name_cn(const struct der *name, struct der *cn, int *found);

/*
 * A Name's attributes, one at a time: der_name_begin() with the Name given
 * whole (a SEQUENCE, nothing after it), then der_name_next() takes each
 * AttributeTypeAndValue ::= SEQUENCE { type OID, value } in turn, its RDN
 * (a non-empty SET) numbered from 0. begin: 0 or -1; next: 1, 0 at the
 * end, or -1 when the Name is malformed.
 */
struct der_ava {
	struct der oid, value, whole; /* whole: the value's TLV */
	unsigned tag;                 /* the value's */
	size_t rdn;
};
struct der_name_walk {
	struct der rdns, rdn;
	size_t rdn_count;
};
int der_name_begin(struct der_name_walk *w, const struct der *name);
int der_name_next(struct der_name_walk *w, struct der_ava *a);

/*
 * A certificate serial number's value, as RFC 5280 has it: at most
 * DER_SERIAL_MAX octets, compared by value (the leading 0x00 that DER puts
 * before a positive number with its top bit set is not part of it).
 */
#define DER_SERIAL_MAX 20

struct der_serial {
	uint8_t len; /* 0 for the value zero */
	uint8_t neg; /* a negative INTEGER: RFC 5280 forbids, CAs did */
	uint8_t v[DER_SERIAL_MAX]; /* big-endian magnitude, no leading zeros */
};

#define DER_SERIAL_OK       0
#define DER_SERIAL_BAD      (-1) /* empty, or not minimally encoded */
#define DER_SERIAL_TOO_LONG (-2) /* over DER_SERIAL_MAX octets of value */

/*
 * The contents of a DER INTEGER (minimally encoded, non-empty) as a
 * serial's value. DER_SERIAL_*; *s is all zero unless DER_SERIAL_OK.
 */
int der_serial_set(struct der_serial *s, const uint8_t *content, size_t len);

/* What der_next_extension() says of an Extension's critical field. */
#define DER_EXT_NOT_CRITICAL 0 /* absent, or FALSE (0x00) */
#define DER_EXT_CRITICAL     1 /* TRUE as DER encodes it (0xff) */
#define DER_EXT_CRITICAL_BER 2 /* TRUE in another byte: BER, not DER */

/*
 * Take the next Extension off exts, the contents of an Extensions
 * SEQUENCE (RFC 5280 4.1 and 5.1): Extension ::= SEQUENCE { extnID OID,
 * critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }, nothing after
 * extnValue. *oid and *value get the contents of extnID and extnValue,
 * *critical one of DER_EXT_*. The BOOLEAN must be one byte long; which
 * byte is the caller's call: DER allows only 0xff (a FALSE is left out),
 * but an explicit FALSE is common, and BearSSL takes any non-zero byte
 * for TRUE. The OID may be empty (callers that care check). 0, or -1 with
 * exts unchanged and the outputs meaningless.
 */
int der_next_extension(struct der *exts, struct der *oid, int *critical,
                       struct der *value);

/*
 * Take a positive, non-zero INTEGER off d: its magnitude, leading zero
 * bytes dropped. 0, or -1 (d then past the element or unchanged).
 */
int der_positive_integer(struct der *d, struct der *v);

/*
 * BR_KEYTYPE_RSA for rsaEncryption, BR_KEYTYPE_EC for id-ecPublicKey
 * (an AlgorithmIdentifier's OID contents), 0 for any other algorithm.
 */
int der_key_algorithm(const struct der *oid);

/*
 * A SubjectPublicKeyInfo taken off d (der_cert_ids() leaves the
 * TBSCertificate there), as BearSSL's key struct pointing into the DER:
 * RSA (n and e, leading zero bytes dropped) or EC on P-256, P-384 or
 * P-521 (the uncompressed point). 0, or -1 for any
 * other key or a malformed one.
 */
int der_spki(struct der *d, br_x509_pkey *pk);

/* der_spki()'s limits: BearSSL's RSA (4096 bits), and an exponent of at
 * most 8 bytes (in practice 65537: 3). EC points are uncompressed. */
#define DER_RSA_N_MAX 512
#define DER_RSA_E_MAX 8

/*
 * The contents of the Extensions SEQUENCE in the rest of a TBSCertificate
 * after its subjectPublicKeyInfo (the optional unique IDs skipped; empty
 * when there is none). 0, or -1.
 */
int der_cert_extensions(struct der rest, struct der *exts);

/*
 * Whether the rest of a TBSCertificate after its subjectPublicKeyInfo
 * (the optional unique IDs, the [3] Extensions) marks a CA: a
 * basicConstraints whose cA is TRUE (any non-zero byte, as BearSSL
 * reads it). 1 or 0, or -1 when what is there is malformed.
 */
int der_cert_is_ca(struct der rest);

/*
 * Whether the same rest allows a TLS client certificate, as OpenSSL's
 * "SSL client" purpose (which PostgreSQL's server applies) has it: an
 * extendedKeyUsage, when there is one, must hold id-kp-clientAuth (a
 * server certificate has only serverAuth; anyExtendedKeyUsage alone is
 * not enough, as in OpenSSL); a keyUsage, when there is one, must set
 * digitalSignature (the client signs its CertificateVerify: pgstunnel's
 * suites are all ECDHE). DER_PURPOSE_*, or -1 when an extension is
 * malformed or repeated.
 */
#define DER_PURPOSE_OK             0
#define DER_PURPOSE_NO_CLIENT_AUTH 1
#define DER_PURPOSE_NO_SIGNATURE   2
int der_cert_client_purpose(struct der rest);

/*
 * The BearSSL curve (BR_EC_secp256r1, BR_EC_secp384r1, BR_EC_secp521r1)
 * that a namedCurve OID's contents name; 0 for any other curve.
 */
int der_curve_of(const struct der *oid);

/*
 * For a message only: the key an AlgorithmIdentifier's contents (its OID
 * and, for EC, the curve's OID) name when pgstunnel cannot use it: "an
 * Ed25519 key", "an RSA-PSS key", "an EC key on secp256k1", "a key of
 * another kind"; NULL for RSA, EC on P-256, P-384 and P-521, and what
 * does not parse.
 */
const char *der_unsupported_alg(struct der alg);

/* The same for an EC key's curve OID (NULL: none given). */
const char *der_unsupported_curve(const struct der *curve);

/*
 * The same for a certificate's SubjectPublicKeyInfo at the start of rest
 * (as der_cert_ids() leaves it): NULL also when it does not parse.
 */
const char *der_spki_unsupported(struct der rest);

/*
 * The hash's OID in the form BearSSL's PKCS#1 signer and verifier take
 * (BR_HASH_OID_*), for br_sha1_ID ... br_sha512_ID; NULL for any other.
 */
const unsigned char *der_hash_oid(int hash_id);

/*
 * An X.509 Time (RFC 5280 4.1.2.5), by its tag and contents: UTCTime
 * YYMMDDHHMMSSZ (YY < 50 is 20YY) or GeneralizedTime YYYYMMDDHHMMSSZ;
 * seconds present, no fractions, Z. *out gets seconds since 1970-01-01
 * UTC. 0, or -1.
 */
int der_time(unsigned tag, const struct der *t, int64_t *out);

#endif

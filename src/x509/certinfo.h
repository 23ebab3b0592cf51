/*
 * certinfo: what --check reports of a certificate, read from its DER,
 * and the judgements it makes: whether a validity period holds at a
 * given time, whether one certificate signed another. Pure: no I/O, no
 * allocation, the time always given. Only --check (checkreport.c) uses it:
 * nothing here runs per connection.
 */
#ifndef PGSTUNNEL_CERTINFO_H
#define PGSTUNNEL_CERTINFO_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "der.h"
#include "signature.h"

#define CERTINFO_TIME_MAX 24   /* "YYYY-MM-DDTHH:MM:SSZ" and its NUL */
#define CERTINFO_SAN_MAX  1024 /* bytes of SAN text, NUL included */

/* One certificate; the spans point into the DER given to certinfo_parse. */
struct certinfo {
	struct der tbs; /* TBSCertificate, whole: what is signed */
	struct der sig; /* signatureValue without the unused-bits byte */
	struct signature_alg alg; /* how it is signed, when has_alg */
	int has_alg;              /* 0: an algorithm signature does not know */
	struct der subject, issuer;    /* Names, whole encodings */
	int64_t not_before, not_after; /* seconds since 1970-01-01 UTC */
	br_x509_pkey pkey;             /* subject public key (into the DER) */
	int key_known;                 /* 0: a key der_spki() does not decode */
	struct der san; /* GeneralNames' contents, when has_san */
	int has_san;
	int is_ca; /* basicConstraints cA TRUE */
};

/*
 * Read a Certificate that fills exactly len bytes: the fields above, the
 * validity times with der_time(). 0, or -1 when it does not parse (an
 * unknown key or signature algorithm is not an error: key_known and
 * has_alg say so).
 */
int certinfo_parse(const uint8_t *der, size_t len, struct certinfo *ci);

/*
 * A subjectAltName's DNS names and IP addresses as text, in their order,
 * comma-separated: "DNS:db.example,IP:192.0.2.1,IP:2001:db8::1". Other
 * kinds of name are left out; a byte of a DNS name that is not printable
 * ASCII, or a comma, becomes '?'. Its length, or -1 when a name is
 * malformed or the text needs more than cap bytes (NUL included).
 */
int certinfo_san_text(const struct der *san, char *out, size_t cap);

/* t as ISO 8601 UTC, "2026-12-31T23:59:59Z", into out (cap bytes, at
 * least CERTINFO_TIME_MAX). Its length, or -1 for a year outside
 * 0000-9999 or a cap too small. */
int certinfo_time_text(int64_t t, char *out, size_t cap);

/* Whole days from now to t, rounded down (negative once t has passed). */
int64_t certinfo_days_left(int64_t t, int64_t now);

/* Where now falls in a validity period [from, until). */
enum certinfo_when {
	CERTINFO_VALID,
	CERTINFO_EXPIRING, /* valid, but until is less than warn_days away */
	CERTINFO_EXPIRED,  /* now >= until */
	CERTINFO_NOT_YET_VALID, /* now < from */
};

enum certinfo_when certinfo_when(int64_t from, int64_t until, int64_t now,
                                 int warn_days);

/*
 * Whether the holder of key signed the certificate: 1 yes, 0 no (also a
 * key of another type), -1 when its algorithm is not one signature knows.
 */
int certinfo_signed_by(const struct certinfo *ci, const br_x509_pkey *key);

#endif

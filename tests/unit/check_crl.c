/*
 * Unit tests for crl.c, and for verifier's revocation check built on it.
 *
 * Fixtures: tests/unit/fixtures/crl/, made by make-fixtures.sh there,
 * which lists what each certificate and CRL holds (names, serials,
 * dates, algorithms). Malformed CRLs are built here from hex pieces, so
 * each case says exactly which field is wrong. Run from the repository
 * root.
 */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "x509/crl.h"
#include "x509/der.h"
#include "x509/keys.h"
#include "x509/readfile.h"
#include "x509/verifier.h"

#define FIXDIR  "tests/unit/fixtures/crl/"
#define DER_MAX FIXTURE_DER_MAX
#define PEM_MAX FIXTURE_PEM_MAX

/* 2020-01-01, 2120-01-01, 2000-01-01, 2001-01-01, 2098-01-01 UTC */
#define T2020 INT64_C(1577836800)
#define T2120 INT64_C(4733510400)
#define T2000 INT64_C(946684800)
#define T2001 INT64_C(978307200)
#define T2098 INT64_C(4039372800)

/* ------------------------------------------------------------------ */
/* Fixtures */

static size_t
read_fixture(const char *name, uint8_t *buf, size_t cap)
{
	char path[256];
	size_t len = 0;
	int rc;

	snprintf(path, sizeof(path), FIXDIR "%s", name);
	rc = readfile(path, buf, cap, &len, NULL, NULL);
	ck_assert_msg(rc == KEYS_OK, "cannot read %s (run from the repo root)",
	              path);
	return len;
}

/* The DER of the PEM objects of a fixture, in order; returns how many. */
static size_t
load_objs(const char *name, struct derobj *out, size_t max)
{
	char path[256];

	snprintf(path, sizeof(path), FIXDIR "%s", name);
	return fixture_load_pem(path, NULL, out, max);
}

/* The first object of a fixture, in a buffer of its own. */
static struct derobj objs[4];

static const struct derobj *
obj(const char *name)
{
	static struct derobj ring[8];
	static size_t next;
	struct derobj *o = &ring[next++ % 8];

	load_objs(name, objs, 4);
	*o = objs[0];
	return o;
}

/* Trust anchors root.pem then inter.pem (and others on request). */
static struct keys_anchors anchors;

static void
load_anchors(const char *const *names)
{
	static uint8_t pem[PEM_MAX];
	size_t len = 0;

	for (; *names != NULL; names++)
		len += read_fixture(*names, pem + len, sizeof(pem) - len);
	ck_assert_int_eq(keys_anchors_parse(&anchors, pem, len), KEYS_OK);
}

static void
root_and_inter(void)
{
	static const char *const names[] = {"root.pem", "inter.pem", NULL};

	load_anchors(names);
	ck_assert_uint_eq(anchors.count, 2);
}

/* crl_parse() on an exact-size heap copy, so ASan sees any overread. The
 * copy lives until the next call: ci points into it. */
static uint8_t *copy;

static int
parse_exact(const uint8_t *der, size_t len, struct crl_info *ci)
{
	free(copy);
	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	if (len > 0)
		memcpy(copy, der, len);
	return crl_parse(copy, len, ci);
}

static int
parse_fixture(const char *name, struct crl_info *ci)
{
	const struct derobj *o = obj(name);

	return parse_exact(o->data, o->len, ci);
}

/* ------------------------------------------------------------------ */
/* Hand-made DER: pieces from hex, ASCII or other pieces */

/*
 * Pieces live in rings, long enough for the deepest expression below;
 * a few big ones hold the CRLs with thousands of entries.
 */
#define PIECE_MAX  8192
#define PIECES     512
#define BIG_MAX    131072
#define BIG_PIECES 4

struct piece {
	uint8_t *b;
	size_t len, cap;
};

static struct piece *
new_piece_of(size_t need)
{
	static uint8_t small[PIECES][PIECE_MAX], big[BIG_PIECES][BIG_MAX];
	static struct piece ring[PIECES], big_ring[BIG_PIECES];
	static size_t next, big_next;
	struct piece *p;

	ck_assert_uint_le(need, BIG_MAX);
	if (need <= PIECE_MAX) {
		p = &ring[next % PIECES];
		p->b = small[next++ % PIECES];
		p->cap = PIECE_MAX;
	} else {
		p = &big_ring[big_next % BIG_PIECES];
		p->b = big[big_next++ % BIG_PIECES];
		p->cap = BIG_MAX;
	}
	p->len = 0;
	return p;
}

static struct piece *
new_piece(void)
{
	return new_piece_of(0);
}

static void
put(struct piece *p, const void *b, size_t n)
{
	ck_assert_uint_le(n, p->cap - p->len);
	memcpy(p->b + p->len, b, n);
	p->len += n;
}

/* Raw bytes from hex (spaces allowed). */
static struct piece *
H(const char *hex)
{
	struct piece *p = new_piece_of(strlen(hex) / 2);
	unsigned v;
	uint8_t c;

	while (*hex != '\0') {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		ck_assert(sscanf(hex, "%2x", &v) == 1);
		c = (uint8_t)v;
		put(p, &c, 1);
		hex += 2;
	}
	return p;
}

static void
put_len(struct piece *p, size_t n)
{
	uint8_t h[4];

	if (n < 0x80) {
		h[0] = (uint8_t)n;
		put(p, h, 1);
	} else if (n < 0x100) {
		h[0] = 0x81;
		h[1] = (uint8_t)n;
		put(p, h, 2);
	} else if (n < 0x10000) {
		h[0] = 0x82;
		h[1] = (uint8_t)(n >> 8);
		h[2] = (uint8_t)n;
		put(p, h, 3);
	} else {
		h[0] = 0x83;
		h[1] = (uint8_t)(n >> 16);
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		put(p, h, 4);
	}
}

/* TAG, then the pieces given (NULL ends the list; E is nothing). */
static struct piece *
W(unsigned tag, ...)
{
	struct piece *p, *q;
	uint8_t t = (uint8_t)tag;
	size_t total = 0;
	va_list ap;

	va_start(ap, tag);
	while ((q = va_arg(ap, struct piece *)) != NULL)
		total += q->len;
	va_end(ap);
	p = new_piece_of(total + 5);
	put(p, &t, 1);
	put_len(p, total);
	va_start(ap, tag);
	while ((q = va_arg(ap, struct piece *)) != NULL)
		put(p, q->b, q->len);
	va_end(ap);
	return p;
}

/* An element whose contents are ASCII text (times). */
static struct piece *
A(unsigned tag, const char *text)
{
	struct piece *p = new_piece();
	uint8_t t = (uint8_t)tag;

	put(p, &t, 1);
	put_len(p, strlen(text));
	put(p, text, strlen(text));
	return p;
}

#define E H("") /* nothing */

/* The usual fields, each a whole element. */
#define V2        H("020101")
#define ALG       W(0x30, H("06082a8648ce3d040302"), NULL) /* ECDSA-SHA256 */
#define ISSUER    H("300c310a300806035504030c0178")        /* CN=x */
#define THIS      A(0x17, "200101000000Z")
#define NEXT      A(0x18, "21200101000000Z")
#define SIG       H("03050001020304")
#define REVDATE   A(0x17, "210101000000Z")
#define REASON    W(0x30, H("0603551d15 0403 0a0101"), NULL)
#define CRIT_EXT  W(0x30, H("0603551d1c 0101ff 0403 300100"), NULL)
#define CRL_NUM   W(0x30, H("0603551d14 0403 020101"), NULL)
#define ENTRY(sn) W(0x30, H(sn), REVDATE, NULL)

/* CertificateList from the TBSCertList fields, alg and sig. */
static struct piece *
crl3(struct piece *fields, struct piece *alg, struct piece *sig)
{
	return W(0x30, W(0x30, fields, NULL), alg, sig, NULL);
}

/* Concatenation. */
static struct piece *
C(struct piece *first, ...)
{
	struct piece *p, *q;
	size_t total = first->len;
	va_list ap;

	va_start(ap, first);
	while ((q = va_arg(ap, struct piece *)) != NULL)
		total += q->len;
	va_end(ap);
	p = new_piece_of(total);
	put(p, first->b, first->len);
	va_start(ap, first);
	while ((q = va_arg(ap, struct piece *)) != NULL)
		put(p, q->b, q->len);
	va_end(ap);
	return p;
}

/* A v2 CRL around these revokedCertificates and extensions pieces. */
static struct piece *
crl_with(struct piece *revoked, struct piece *exts)
{
	return crl3(C(V2, ALG, ISSUER, THIS, NEXT, revoked, exts, NULL), ALG,
	            SIG);
}

static int
parse_piece(const struct piece *p, struct crl_info *ci)
{
	return parse_exact(p->b, p->len, ci);
}

/* ------------------------------------------------------------------ */
/* Parsing real CRLs */

START_TEST(parse_root)
{
	struct crl_info ci;

	root_and_inter();
	ck_assert_int_eq(parse_fixture("root.crl", &ci), CRL_OK);
	ck_assert_int_eq(ci.version, 2);
	ck_assert_int_eq(ci.key_type, BR_KEYTYPE_EC);
	ck_assert_int_eq(ci.hash_id, br_sha256_ID);
	ck_assert(ci.this_update == T2020);
	ck_assert(ci.has_next_update);
	ck_assert(ci.next_update == T2120); /* a GeneralizedTime */
	ck_assert_uint_eq(ci.revoked_count, 2);
	/* The issuer is the root's subject, as BearSSL's anchor has it. */
	ck_assert_uint_eq(ci.issuer.len, anchors.ta[0].dn.len);
	ck_assert_mem_eq(ci.issuer.p, anchors.ta[0].dn.data, ci.issuer.len);
	ck_assert_uint_eq(ci.tbs.p - copy, 4); /* after a 4-byte header */
	ck_assert_uint_gt(ci.sig.len, 60);
}
END_TEST

START_TEST(parse_shapes)
{
	struct crl_info ci;

	ck_assert_int_eq(parse_fixture("root-empty.crl", &ci), CRL_OK);
	ck_assert_uint_eq(ci.revoked_count, 0);
	ck_assert_uint_eq(ci.revoked.len, 0);

	/* v1: no version, no nextUpdate, no extensions. */
	ck_assert_int_eq(parse_fixture("root-nonext.crl", &ci), CRL_OK);
	ck_assert_int_eq(ci.version, 1);
	ck_assert(!ci.has_next_update);
	ck_assert(ci.this_update == T2020);
	ck_assert_uint_eq(ci.revoked_count, 1);

	ck_assert_int_eq(parse_fixture("root-expired.crl", &ci), CRL_OK);
	ck_assert(ci.this_update == T2000 && ci.next_update == T2001);

	/* RSA-signed, one entry with a reason code. */
	ck_assert_int_eq(parse_fixture("inter.crl", &ci), CRL_OK);
	ck_assert_int_eq(ci.key_type, BR_KEYTYPE_RSA);
	ck_assert_int_eq(ci.hash_id, br_sha256_ID);
	ck_assert_uint_eq(ci.revoked_count, 1);
	ck_assert_uint_eq(ci.sig.len, 256);
}
END_TEST

START_TEST(parse_algorithms)
{
	static const struct {
		const char *file;
		int hash, key;
	} cases[] = {
	    {"root-sha1.crl", br_sha1_ID, BR_KEYTYPE_EC},
	    {"root-sha224.crl", br_sha224_ID, BR_KEYTYPE_EC},
	    {"root.crl", br_sha256_ID, BR_KEYTYPE_EC},
	    {"root-sha384.crl", br_sha384_ID, BR_KEYTYPE_EC},
	    {"root-sha512.crl", br_sha512_ID, BR_KEYTYPE_EC},
	    {"inter-sha1.crl", br_sha1_ID, BR_KEYTYPE_RSA},
	    {"inter-sha224.crl", br_sha224_ID, BR_KEYTYPE_RSA},
	    {"inter.crl", br_sha256_ID, BR_KEYTYPE_RSA},
	    {"inter-sha384.crl", br_sha384_ID, BR_KEYTYPE_RSA},
	    {"inter-sha512.crl", br_sha512_ID, BR_KEYTYPE_RSA},
	};
	struct crl_info ci;
	size_t i;

	root_and_inter();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(parse_fixture(cases[i].file, &ci), CRL_OK);
		ck_assert_int_eq(ci.hash_id, cases[i].hash);
		ck_assert_int_eq(ci.key_type, cases[i].key);
		ck_assert_msg(crl_verify(&ci, anchors.ta, anchors.count) ==
		                  CRL_OK,
		              "%s", cases[i].file);
	}
}
END_TEST

START_TEST(parse_critical_idp)
{
	struct crl_info ci;

	ck_assert_int_eq(parse_fixture("root-idp.crl", &ci), CRL_ERR_CRITICAL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Serial numbers */

START_TEST(serial_values)
{
	struct der_serial s;
	uint8_t twenty[21];

	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\x00", 1),
	                 CRL_OK);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_uint_eq(s.neg, 0);
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\x01\x00", 2),
	                 CRL_OK);
	ck_assert_uint_eq(s.len, 2);
	ck_assert_mem_eq(s.v, "\x01\x00", 2);
	/* The sign octet before a high bit is no part of the value. */
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\x00\x80", 2),
	                 CRL_OK);
	ck_assert_uint_eq(s.len, 1);
	ck_assert_uint_eq(s.v[0], 0x80);
	ck_assert_uint_eq(s.neg, 0);
	/* Without it the number is negative, and a different value. */
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\x80", 1),
	                 CRL_OK);
	ck_assert_uint_eq(s.len, 1);
	ck_assert_uint_eq(s.neg, 1);
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\xff\x7f", 2),
	                 CRL_OK);
	ck_assert_uint_eq(s.neg, 1);

	/* Not DER: empty, or padded. */
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"", 0),
	                 CRL_ERR_DER);
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\x00\x7f", 2),
	                 CRL_ERR_DER);
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\x00\x00", 2),
	                 CRL_ERR_DER);
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\xff\x80", 2),
	                 CRL_ERR_DER);

	/* 20 octets of value, with and without the sign octet; not 21. */
	memset(twenty, 0xab, sizeof(twenty));
	twenty[0] = 0x00;
	ck_assert_int_eq(crl_serial_set(&s, twenty, 21), CRL_OK);
	ck_assert_uint_eq(s.len, 20);
	ck_assert_int_eq(crl_serial_set(&s, twenty + 1, 20), CRL_OK);
	ck_assert_uint_eq(s.len, 20);
	twenty[0] = 0x7f;
	ck_assert_int_eq(crl_serial_set(&s, twenty, 21), CRL_ERR_SERIAL);
}
END_TEST

START_TEST(serial_in_crl)
{
	struct crl_info ci;
	struct piece *big, *neg;

	/* Serial 21 octets of value in an entry: the whole CRL is refused. */
	big = W(0x02, H("7f0102030405060708090a0b0c0d0e0f1011121314"), NULL);
	ck_assert_int_eq(
	    parse_piece(crl_with(W(0x30, W(0x30, big, REVDATE, NULL), NULL), E),
	                &ci),
	    CRL_ERR_SERIAL);
	/* Negative serials: kept (some CAs issued them). */
	neg = W(0x02, H("ff01"), NULL);
	ck_assert_int_eq(
	    parse_piece(crl_with(W(0x30, W(0x30, neg, REVDATE, NULL), NULL), E),
	                &ci),
	    CRL_OK);
	ck_assert_int_eq(
	    parse_piece(crl_with(W(0x30, ENTRY("02020001"), NULL), E), &ci),
	    CRL_ERR_DER);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Hand-made CRLs: each field right and wrong */

START_TEST(built_valid)
{
	struct crl_info ci;

	/* The base case parses. */
	ck_assert_int_eq(parse_piece(crl_with(E, E), &ci), CRL_OK);
	ck_assert_uint_eq(ci.revoked_count, 0);
	ck_assert_uint_eq(ci.sig.len, 4);
	/* Entries, with and without extensions; CRL extensions. */
	ck_assert_int_eq(
	    parse_piece(crl_with(W(0x30, ENTRY("02021001"),
	                           W(0x30, H("02021002"), REVDATE,
	                             W(0x30, REASON, NULL), NULL),
	                           NULL),
	                         W(0xa0, W(0x30, CRL_NUM, REASON, NULL), NULL)),
	                &ci),
	    CRL_OK);
	ck_assert_uint_eq(ci.revoked_count, 2);
	/* An empty revokedCertificates is not what RFC 5280 says to
	 * write, but well-formed: taken as no entries. */
	ck_assert_int_eq(parse_piece(crl_with(H("3000"), E), &ci), CRL_OK);
	/* An explicit non-critical flag (not DER, but seen). */
	ck_assert_int_eq(
	    parse_piece(
	        crl_with(
	            E,
	            W(0xa0,
	              W(0x30, W(0x30, H("0603551d14 010100 0403 020101"), NULL),
	                NULL),
	              NULL)),
	        &ci),
	    CRL_OK);
	/* RSA with NULL parameters and without; v1 without nextUpdate. */
	ck_assert_int_eq(
	    parse_piece(crl3(C(ALG, ISSUER, THIS, NULL),
	                     W(0x30, H("06092a864886f70d01010b 0500"), NULL),
	                     SIG),
	                &ci),
	    CRL_ERR_DER); /* inner and outer algorithms differ */
	ck_assert_int_eq(
	    parse_piece(crl3(C(W(0x30, H("06092a864886f70d01010b 0500"), NULL),
	                       ISSUER, THIS, NULL),
	                     W(0x30, H("06092a864886f70d01010b 0500"), NULL),
	                     SIG),
	                &ci),
	    CRL_OK);
	ck_assert_int_eq(ci.version, 1);
	ck_assert_int_eq(ci.key_type, BR_KEYTYPE_RSA);
	ck_assert(!ci.has_next_update);
	ck_assert_int_eq(
	    parse_piece(crl3(C(W(0x30, H("06092a864886f70d01010d"), NULL),
	                       ISSUER, THIS, NULL),
	                     W(0x30, H("06092a864886f70d01010d"), NULL), SIG),
	                &ci),
	    CRL_OK);
	ck_assert_int_eq(ci.hash_id, br_sha512_ID);
}
END_TEST

START_TEST(built_times)
{
	static const struct {
		unsigned tag;
		const char *text;
		int ok;
		int64_t when;
	} cases[] = {
	    {0x17, "200101000000Z", 1, INT64_C(1577836800)},
	    {0x17, "200229235959Z", 1, INT64_C(1583020799)}, /* leap day */
	    {0x17, "500101000000Z", 1, INT64_C(-631152000)}, /* 1950 */
	    {0x17, "491231235959Z", 1, INT64_C(2524607999)}, /* 2049 */
	    {0x18, "99991231235959Z", 1, INT64_C(253402300799)},
	    {0x18, "20200101000000Z", 1, INT64_C(1577836800)},
	    {0x17, "210229000000Z", 0, 0}, /* 2021 is no leap year */
	    {0x17, "200431000000Z", 0, 0},
	    {0x17, "201301000000Z", 0, 0},
	    {0x17, "200001000000Z", 0, 0},
	    {0x17, "200100000000Z", 0, 0},
	    {0x17, "200101240000Z", 0, 0},
	    {0x17, "200101006000Z", 0, 0},
	    {0x17, "200101000060Z", 0, 0},
	    {0x17, "200101000000z", 0, 0},
	    {0x17, "2001010000Z", 0, 0},       /* no seconds */
	    {0x17, "200101000000+0000", 0, 0}, /* offsets */
	    {0x17, "2001010000000", 0, 0},
	    {0x17, "20200101000000Z", 0, 0}, /* four-digit year in UTCTime */
	    {0x18, "200101000000Z", 0, 0},
	    {0x18, "20200101000000.5Z", 0, 0},
	    {0x17, "2O0101000000Z", 0, 0},
	    {0x17, "-00101000000Z", 0, 0},
	    {0x04, "200101000000Z", 0, 0}, /* not a time at all */
	};
	struct crl_info ci;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* As thisUpdate ... */
		rc = parse_piece(crl3(C(V2, ALG, ISSUER,
		                        A(cases[i].tag, cases[i].text), NULL),
		                      ALG, SIG),
		                 &ci);
		ck_assert_msg(rc == (cases[i].ok ? CRL_OK : CRL_ERR_DER),
		              "thisUpdate %s: %d", cases[i].text, rc);
		if (cases[i].ok)
			ck_assert_msg(ci.this_update == cases[i].when, "%s",
			              cases[i].text);
		/* ... as nextUpdate (a non-time there is no nextUpdate, and
		 * then no other field either) ... */
		rc = parse_piece(crl3(C(V2, ALG, ISSUER, THIS,
		                        A(cases[i].tag, cases[i].text), NULL),
		                      ALG, SIG),
		                 &ci);
		ck_assert_msg(rc == (cases[i].ok ? CRL_OK : CRL_ERR_DER),
		              "nextUpdate %s: %d", cases[i].text, rc);
		if (cases[i].ok)
			ck_assert(ci.has_next_update &&
			          ci.next_update == cases[i].when);
		/* ... and as a revocation date. */
		rc = parse_piece(
		    crl_with(W(0x30,
		               W(0x30, H("020101"),
		                 A(cases[i].tag, cases[i].text), NULL),
		               NULL),
		             E),
		    &ci);
		ck_assert_msg(rc == (cases[i].ok ? CRL_OK : CRL_ERR_DER),
		              "revocationDate %s: %d", cases[i].text, rc);
	}
}
END_TEST

/* The malformed CertificateLists, one per case; NULL after the last.
 * Built one at a time: the pieces' rings are not endless. */
static struct piece *
bad_case(int i)
{
	switch (i) {
	/* outer shape */
	case 0:
		return W(0x31, W(0x30, V2, ALG, ISSUER, THIS, NULL), ALG, SIG,
		         NULL);
	case 1:
		return W(0x30, W(0x30, V2, ALG, ISSUER, THIS, NULL), ALG, NULL);
	case 2:
		return W(0x30, W(0x30, V2, ALG, ISSUER, THIS, NULL), ALG, SIG,
		         SIG, NULL);
	case 3:
		return W(0x30, W(0x31, V2, ALG, ISSUER, THIS, NULL), ALG, SIG,
		         NULL);
	case 4:
		return W(0x30, W(0x30, V2, ALG, ISSUER, THIS, NULL), H("0500"),
		         SIG, NULL);
	case 5:
		return W(0x30, W(0x30, V2, ALG, ISSUER, THIS, NULL), ALG,
		         H("0405000102"), NULL);
	case 6: /* trailing byte */
		return C(crl_with(E, E), H("00"), NULL);
	/* signature bits: unused bits, empty */
	case 7:
		return crl3(C(V2, ALG, ISSUER, THIS, NULL), ALG,
		            H("0303070102"));
	case 8:
		return crl3(C(V2, ALG, ISSUER, THIS, NULL), ALG, H("030100"));
	case 9:
		return crl3(C(V2, ALG, ISSUER, THIS, NULL), ALG, H("0300"));
	/* version: only v2 may be written */
	case 10:
		return crl3(C(H("020100"), ALG, ISSUER, THIS, NULL), ALG, SIG);
	case 11:
		return crl3(C(H("020102"), ALG, ISSUER, THIS, NULL), ALG, SIG);
	case 12:
		return crl3(C(H("02020001"), ALG, ISSUER, THIS, NULL), ALG,
		            SIG);
	case 13:
		return crl3(C(H("02020101"), ALG, ISSUER, THIS, NULL), ALG,
		            SIG);
	case 14:
		return crl3(C(H("0200"), ALG, ISSUER, THIS, NULL), ALG, SIG);
	/* the inner algorithm differs from the outer one */
	case 15:
		return crl3(C(V2, W(0x30, H("06082a8648ce3d040303"), NULL),
		              ISSUER, THIS, NULL),
		            ALG, SIG);
	case 16: /* missing */
		return crl3(C(V2, ISSUER, THIS, NULL), ALG, SIG);
	case 17: /* no OID */
		return crl3(C(V2, W(0x30, H("0500"), NULL), ISSUER, THIS, NULL),
		            W(0x30, H("0500"), NULL), SIG);
	/* issuer: empty, wrong tag, missing */
	case 18:
		return crl3(C(V2, ALG, H("3000"), THIS, NULL), ALG, SIG);
	case 19:
		return crl3(
		    C(V2, ALG, H("310c310a300806035504030c0178"), THIS, NULL),
		    ALG, SIG);
	case 20:
		return crl3(C(V2, ALG, THIS, NULL), ALG, SIG);
	/* thisUpdate missing */
	case 21:
		return crl3(C(V2, ALG, ISSUER, NULL), ALG, SIG);
	case 22:
		return crl3(C(V2, ALG, ISSUER, H("3000"), NULL), ALG, SIG);
	/* entries: no date, extra element, wrong tags */
	case 23:
		return crl_with(W(0x30, W(0x30, H("020101"), NULL), NULL), E);
	case 24:
		return crl_with(W(0x30, W(0x30, REVDATE, NULL), NULL), E);
	case 25:
		return crl_with(
		    W(0x30, W(0x30, H("020101"), REVDATE, H("0500"), NULL),
		      NULL),
		    E);
	case 26:
		return crl_with(
		    W(0x30,
		      W(0x30, H("020101"), REVDATE, W(0x30, REASON, NULL),
		        W(0x30, REASON, NULL), NULL),
		      NULL),
		    E);
	case 27:
		return crl_with(
		    W(0x30, W(0x31, H("020101"), REVDATE, NULL), NULL), E);
	case 28:
		return crl_with(W(0x30, H("0500"), NULL), E);
	case 29:
		return crl_with(
		    W(0x30, W(0x30, H("0a0101"), REVDATE, NULL), NULL), E);
	/* extensions: empty list, bad shape, bad BOOLEAN */
	case 30:
		return crl_with(
		    W(0x30, W(0x30, H("020101"), REVDATE, H("3000"), NULL),
		      NULL),
		    E);
	case 31:
		return crl_with(E, W(0xa0, H("3000"), NULL));
	case 32:
		return crl_with(E, W(0xa0, NULL));
	case 33:
		return crl_with(
		    E, W(0xa0, W(0x30, CRL_NUM, NULL), H("3000"), NULL));
	case 34:
		return crl_with(E, W(0xa1, W(0x30, CRL_NUM, NULL), NULL));
	case 35:
		return crl_with(
		    E, W(0xa0, W(0x30, W(0x30, H("0603551d14"), NULL), NULL),
		         NULL));
	case 36:
		return crl_with(
		    E, W(0xa0, W(0x30, W(0x30, H("0403020101"), NULL), NULL),
		         NULL));
	case 37:
		return crl_with(
		    E,
		    W(0xa0, W(0x30, W(0x30, H("0600 0403020101"), NULL), NULL),
		      NULL));
	case 38:
		return crl_with(
		    E,
		    W(0xa0,
		      W(0x30, W(0x30, H("0603551d14 010101 0403020101"), NULL),
		        NULL),
		      NULL));
	case 39:
		return crl_with(
		    E, W(0xa0,
		         W(0x30,
		           W(0x30, H("0603551d14 01020000 0403020101"), NULL),
		           NULL),
		         NULL));
	case 40:
		return crl_with(
		    E, W(0xa0,
		         W(0x30, W(0x30, H("0603551d14 0403020101 0500"), NULL),
		           NULL),
		         NULL));
	case 41:
		return crl_with(
		    E, W(0xa0,
		         W(0x30, W(0x30, H("0603551d14 0101ff"), NULL), NULL),
		         NULL));
	/* extensions in a v1 CRL, CRL or entry */
	case 42:
		return crl3(C(ALG, ISSUER, THIS, NEXT,
		              W(0xa0, W(0x30, CRL_NUM, NULL), NULL), NULL),
		            ALG, SIG);
	case 43:
		return crl3(C(ALG, ISSUER, THIS, NEXT,
		              W(0x30,
		                W(0x30, H("020101"), REVDATE,
		                  W(0x30, REASON, NULL), NULL),
		                NULL),
		              NULL),
		            ALG, SIG);
	/* fields out of order, or doubled, or unknown after the end */
	case 44:
		return crl_with(W(0x30, ENTRY("020101"), NULL),
		                C(W(0xa0, W(0x30, CRL_NUM, NULL), NULL),
		                  W(0x30, ENTRY("020102"), NULL), NULL));
	case 45:
		return crl3(C(V2, ALG, ISSUER, THIS, NEXT, NEXT, NEXT, NULL),
		            ALG, SIG);
	case 46:
		return crl3(C(V2, ALG, ISSUER, THIS, NEXT, H("0500"), NULL),
		            ALG, SIG);
	case 47:
		return crl3(C(V2, V2, ALG, ISSUER, THIS, NULL), ALG, SIG);
	case 48:
		return crl_with(E,
		                C(W(0xa0, W(0x30, CRL_NUM, NULL), NULL),
		                  W(0xa0, W(0x30, CRL_NUM, NULL), NULL), NULL));
	default:
		return NULL;
	}
}

START_TEST(built_malformed)
{
	struct crl_info ci;
	struct piece *p;
	int i;

	for (i = 0; (p = bad_case(i)) != NULL; i++)
		ck_assert_msg(parse_piece(p, &ci) == CRL_ERR_DER, "case %d", i);
	ck_assert_int_gt(i, 40);
}
END_TEST

START_TEST(built_unsupported)
{
	struct crl_info ci;
	struct piece *pss = W(0x30, H("06092a864886f70d01010a"), NULL);
	struct piece *ed = W(0x30, H("06032b6570"), NULL);

	/* Critical extensions, of the CRL and of an entry. */
	ck_assert_int_eq(
	    parse_piece(crl_with(E, W(0xa0, W(0x30, CRIT_EXT, NULL), NULL)),
	                &ci),
	    CRL_ERR_CRITICAL);
	ck_assert_int_eq(
	    parse_piece(crl_with(W(0x30,
	                           W(0x30, H("020101"), REVDATE,
	                             W(0x30, REASON, CRIT_EXT, NULL), NULL),
	                           NULL),
	                         E),
	                &ci),
	    CRL_ERR_CRITICAL);
	/* RSASSA-PSS, Ed25519; ECDSA with parameters; RSA with others. */
	ck_assert_int_eq(
	    parse_piece(crl3(C(V2, pss, ISSUER, THIS, NULL), pss, SIG), &ci),
	    CRL_ERR_ALGORITHM);
	ck_assert_int_eq(
	    parse_piece(crl3(C(V2, ed, ISSUER, THIS, NULL), ed, SIG), &ci),
	    CRL_ERR_ALGORITHM);
	ck_assert_int_eq(
	    parse_piece(
	        crl3(C(V2, W(0x30, H("06082a8648ce3d040302 0500"), NULL),
	               ISSUER, THIS, NULL),
	             W(0x30, H("06082a8648ce3d040302 0500"), NULL), SIG),
	        &ci),
	    CRL_ERR_ALGORITHM);
	ck_assert_int_eq(
	    parse_piece(
	        crl3(C(V2, W(0x30, H("06092a864886f70d01010b 020100"), NULL),
	               ISSUER, THIS, NULL),
	             W(0x30, H("06092a864886f70d01010b 020100"), NULL), SIG),
	        &ci),
	    CRL_ERR_ALGORITHM);
	/* A malformed CRL with an unsupported algorithm is malformed. */
	ck_assert_int_eq(
	    parse_piece(crl3(C(V2, pss, ISSUER, NULL), pss, SIG), &ci),
	    CRL_ERR_DER);
	/* An unsupported algorithm cannot be verified. */
	ck_assert_int_eq(
	    parse_piece(crl3(C(V2, pss, ISSUER, THIS, NULL), pss, SIG), &ci),
	    CRL_ERR_ALGORITHM);
	ck_assert_int_eq(crl_verify(&ci, NULL, 0), CRL_ERR_ALGORITHM);
}
END_TEST

START_TEST(built_lengths)
{
	/* Length encodings: indefinite, not minimal, too long, past the
	 * end, high tag numbers. */
	static const char *const bad[] = {
	    "3080",
	    "308000000000",
	    "30810100",
	    "3082000100",
	    "3085ffffffffff",
	    "3084ffffffff",
	    "3088ffffffffffffffff",
	    "30820003300100",
	    "3003300100",
	    "1f8101",
	    "3f810100",
	    "30",
	    "",
	};
	struct crl_info ci;
	struct piece *p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = H(bad[i]);
		ck_assert_msg(parse_piece(p, &ci) == CRL_ERR_DER, "%s", bad[i]);
	}
	/* Inside: an entry whose length runs past its list, a list whose
	 * length runs past the TBSCertList. */
	p = crl_with(W(0x30, H("3015 020101"), REVDATE, NULL), E);
	ck_assert_int_eq(parse_piece(p, &ci), CRL_ERR_DER);
	p = crl3(C(V2, ALG, ISSUER, THIS, H("3040 3000"), NULL), ALG, SIG);
	ck_assert_int_eq(parse_piece(p, &ci), CRL_ERR_DER);
	/* Non-minimal long form inside. */
	p = crl_with(W(0x30, H("308113 020101"), REVDATE, NULL), E);
	ck_assert_int_eq(parse_piece(p, &ci), CRL_ERR_DER);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Truncation and mutation of real CRLs */

/* Every proper prefix of a fixture is refused, without overreads. */
static void
all_prefixes(const char *name)
{
	const struct derobj *o = obj(name);
	struct crl_info ci;
	size_t n;

	ck_assert_int_eq(parse_exact(o->data, o->len, &ci), CRL_OK);
	for (n = 0; n < o->len; n++)
		ck_assert_msg(parse_exact(o->data, n, &ci) == CRL_ERR_DER,
		              "%s cut to %zu bytes", name, n);
}

/*
 * The TBSCertList cut at every length, the SEQUENCEs around it made to
 * fit: a cut inside a field is malformed; one between fields may parse
 * (the signature will then fail) or not.
 */
static void
all_inner_cuts(const char *name)
{
	const struct derobj *o = obj(name);
	struct der d = {o->data, o->len}, cl, tbs, f, alg_w, sig_w, fld;
	struct piece *tbs_part, *crl;
	struct crl_info ci;
	unsigned tag;
	size_t n, boundaries[16], nb = 0, k;
	int at_boundary, rc;

	ck_assert_int_eq(der_next(&d, &tag, &cl, NULL), 0);
	ck_assert_int_eq(der_next(&cl, &tag, &tbs, NULL), 0);
	ck_assert_int_eq(der_next(&cl, &tag, &f, &alg_w), 0);
	ck_assert_int_eq(der_next(&cl, &tag, &f, &sig_w), 0);
	d = tbs;
	boundaries[nb++] = 0;
	while (d.len > 0) {
		ck_assert_int_eq(der_next(&d, &tag, &f, &fld), 0);
		ck_assert_uint_lt(nb, 16);
		boundaries[nb++] = (size_t)(fld.p + fld.len - tbs.p);
	}
	for (n = 0; n <= tbs.len; n++) {
		tbs_part = new_piece();
		put(tbs_part, tbs.p, n);
		crl = new_piece();
		{
			struct piece *a = new_piece(), *s = new_piece();

			put(a, alg_w.p, alg_w.len);
			put(s, sig_w.p, sig_w.len);
			crl = W(0x30, W(0x30, tbs_part, NULL), a, s, NULL);
		}
		rc = parse_piece(crl, &ci);
		at_boundary = 0;
		for (k = 0; k < nb; k++)
			at_boundary |= boundaries[k] == n;
		if (!at_boundary)
			ck_assert_msg(rc == CRL_ERR_DER, "%s: cut at %zu: %d",
			              name, n, rc);
		else
			ck_assert(rc == CRL_OK || rc == CRL_ERR_DER);
		if (n == tbs.len)
			ck_assert_int_eq(rc, CRL_OK);
	}
}

START_TEST(truncated)
{
	all_prefixes("root.crl");
	all_prefixes("inter.crl");
	all_prefixes("root-nonext.crl");
	all_inner_cuts("root.crl");
	all_inner_cuts("inter.crl");
	all_inner_cuts("root-nonext.crl");
}
END_TEST

START_TEST(trailing_bytes)
{
	const struct derobj *o = obj("root.crl");
	uint8_t buf[DER_MAX + 1];
	struct crl_info ci;

	memcpy(buf, o->data, o->len);
	buf[o->len] = 0;
	ck_assert_int_eq(parse_exact(buf, o->len + 1, &ci), CRL_ERR_DER);
}
END_TEST

static int
valid_status(int rc)
{
	return rc == CRL_OK || rc == CRL_ERR_DER || rc == CRL_ERR_SERIAL ||
	       rc == CRL_ERR_CRITICAL || rc == CRL_ERR_ALGORITHM;
}

/* Flip each byte of real CRLs: no crash, no overread, no false
 * signature. */
START_TEST(mutations)
{
	static const char *const files[] = {"root.crl", "inter.crl"};
	static const uint8_t flips[] = {0xff, 0x80, 0x01, 0x7f};
	static struct derobj c;
	struct crl_info ci;
	size_t i, f, k;
	uint8_t saved;
	int rc;

	root_and_inter();
	for (k = 0; k < 2; k++) {
		c = *obj(files[k]);
		for (f = 0; f < sizeof(flips); f++) {
			for (i = 0; i < c.len; i++) {
				saved = c.data[i];
				c.data[i] ^= flips[f];
				rc = parse_exact(c.data, c.len, &ci);
				ck_assert(valid_status(rc));
				if (rc == CRL_OK)
					ck_assert_int_ne(
					    crl_verify(&ci, anchors.ta,
					               anchors.count),
					    CRL_OK);
				c.data[i] = saved;
			}
		}
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Signatures */

START_TEST(verify_ok_and_not)
{
	static const char *const with_same_name[] = {"same-name.pem",
	                                             "root.pem", NULL};
	static const char *const only_same_name[] = {"same-name.pem", NULL};
	struct crl_info ci;

	root_and_inter();
	ck_assert_int_eq(parse_fixture("root.crl", &ci), CRL_OK);
	ck_assert_int_eq(crl_verify(&ci, anchors.ta, anchors.count), CRL_OK);
	/* Not in the anchors at all, or no anchors. */
	ck_assert_int_eq(parse_fixture("rogue.crl", &ci), CRL_OK);
	ck_assert_int_eq(crl_verify(&ci, anchors.ta, anchors.count),
	                 CRL_ERR_ISSUER);
	ck_assert_int_eq(parse_fixture("root.crl", &ci), CRL_OK);
	ck_assert_int_eq(crl_verify(&ci, NULL, 0), CRL_ERR_ISSUER);
	/* The root's name, another key. */
	ck_assert_int_eq(parse_fixture("same-name.crl", &ci), CRL_OK);
	ck_assert_int_eq(crl_verify(&ci, anchors.ta, anchors.count),
	                 CRL_ERR_SIGNATURE);
	/* Two anchors of one name: each is tried. */
	load_anchors(with_same_name);
	ck_assert_int_eq(parse_fixture("root.crl", &ci), CRL_OK);
	ck_assert_int_eq(crl_verify(&ci, anchors.ta, anchors.count), CRL_OK);
	ck_assert_int_eq(parse_fixture("same-name.crl", &ci), CRL_OK);
	ck_assert_int_eq(crl_verify(&ci, anchors.ta, anchors.count), CRL_OK);
	load_anchors(only_same_name);
	ck_assert_int_eq(parse_fixture("root.crl", &ci), CRL_OK);
	ck_assert_int_eq(crl_verify(&ci, anchors.ta, anchors.count),
	                 CRL_ERR_SIGNATURE);
}
END_TEST

START_TEST(verify_wrong_key_type)
{
	br_x509_trust_anchor ta[1];
	struct crl_info ci;

	root_and_inter();
	/* inter's name with the root's EC key: an RSA signature fails. */
	ta[0] = anchors.ta[1];
	ta[0].pkey = anchors.ta[0].pkey;
	ck_assert_int_eq(parse_fixture("inter.crl", &ci), CRL_OK);
	ck_assert_int_eq(crl_verify(&ci, ta, 1), CRL_ERR_SIGNATURE);
	ck_assert_int_eq(crl_verify(&ci, &anchors.ta[1], 1), CRL_OK);
}
END_TEST

/* Where needle first occurs in buf[0..len). */
static uint8_t *
find_mem(uint8_t *buf, size_t len, const char *needle)
{
	size_t i, n = strlen(needle);

	for (i = 0; len >= n && i <= len - n; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return buf + i;
	return NULL;
}

START_TEST(verify_tampered)
{
	static struct derobj c;
	struct crl_info ci;
	uint8_t *p;

	root_and_inter();
	/* A revocation date moved by a year: still a CRL, not signed. */
	c = *obj("root.crl");
	p = find_mem(c.data, c.len, "210601000000Z");
	ck_assert_ptr_nonnull(p);
	p[1] = '2';
	ck_assert_int_eq(parse_exact(c.data, c.len, &ci), CRL_OK);
	ck_assert_int_eq(crl_verify(&ci, anchors.ta, anchors.count),
	                 CRL_ERR_SIGNATURE);
	/* The last byte of an RSA signature. */
	c = *obj("inter.crl");
	c.data[c.len - 1] ^= 1;
	ck_assert_int_eq(parse_exact(c.data, c.len, &ci), CRL_OK);
	ck_assert_int_eq(crl_verify(&ci, anchors.ta, anchors.count),
	                 CRL_ERR_SIGNATURE);
	/* The signature of another CRL by the same CA (parsed in place:
	 * parse_exact keeps one copy only). */
	{
		static struct derobj other;
		struct crl_info ci2;

		c = *obj("root-empty.crl");
		other = *obj("root.crl");
		ck_assert_int_eq(crl_parse(c.data, c.len, &ci), CRL_OK);
		ck_assert_int_eq(crl_parse(other.data, other.len, &ci2),
		                 CRL_OK);
		ck_assert_int_eq(crl_verify(&ci2, anchors.ta, anchors.count),
		                 CRL_OK);
		ci.sig = ci2.sig;
		ck_assert_int_eq(crl_verify(&ci, anchors.ta, anchors.count),
		                 CRL_ERR_SIGNATURE);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* The store: PEM, limits, lookups */

static struct crl_store store;
static uint8_t scratch[CRL_DER_MAX];
static uint8_t pem[64 * PEM_MAX];

static int
load_pem(const uint8_t *text, size_t len, size_t *which)
{
	return crl_store_load_pem(&store, text, len, anchors.ta, anchors.count,
	                          scratch, sizeof(scratch), which);
}

/* Fill the store from fixture files, in order. */
static int
load_files(const char *first, ...)
{
	const char *name;
	size_t len, which;
	va_list ap;

	len = read_fixture(first, pem, sizeof(pem));
	va_start(ap, first);
	while ((name = va_arg(ap, const char *)) != NULL)
		len += read_fixture(name, pem + len, sizeof(pem) - len);
	va_end(ap);
	return load_pem(pem, len, &which);
}

START_TEST(store_pem)
{
	size_t len, which = 99, i;

	root_and_inter();
	ck_assert_int_eq(load_files("bundle.crl", NULL), CRL_OK);
	ck_assert_uint_eq(store.count, 2);
	ck_assert_uint_eq(store.revoked_count, 3);
	/* Certificates in the file are skipped. */
	ck_assert_int_eq(load_files("root.pem", "root.crl", "inter.pem", NULL),
	                 CRL_OK);
	ck_assert_uint_eq(store.count, 1);

	/* CRLF line ends, no final newline. */
	len = read_fixture("root.crl", pem, sizeof(pem) / 2);
	for (i = len; i-- > 0;) {
		if (pem[i] == '\n') {
			memmove(pem + i + 1, pem + i, len - i);
			pem[i] = '\r';
			len++;
		}
	}
	while (len > 0 && (pem[len - 1] == '\n' || pem[len - 1] == '\r'))
		len--;
	ck_assert_int_eq(load_pem(pem, len, &which), CRL_OK);
	ck_assert_uint_eq(which, 0);
	ck_assert_uint_eq(store.count, 1);

	/* No CRL, empty, broken PEM, a missing END line. */
	ck_assert_int_eq(load_files("root.pem", NULL), CRL_ERR_NONE);
	ck_assert_int_eq(load_pem(pem, 0, &which), CRL_ERR_NONE);
	len = read_fixture("root.crl", pem, sizeof(pem));
	pem[40] = '*';
	ck_assert_int_eq(load_pem(pem, len, &which), CRL_ERR_PEM);
	ck_assert_uint_eq(which, 1);
	len = read_fixture("root.crl", pem, sizeof(pem));
	ck_assert_int_eq(load_pem(pem, len - 20, &which), CRL_ERR_PEM);
	ck_assert_uint_eq(store.count, 0);
}
END_TEST

START_TEST(store_errors_name_the_crl)
{
	size_t len, which;

	root_and_inter();
	len = read_fixture("root.crl", pem, sizeof(pem));
	len += read_fixture("inter.crl", pem + len, sizeof(pem) - len);
	len += read_fixture("root.pem", pem + len, sizeof(pem) - len);
	len += read_fixture("same-name.crl", pem + len, sizeof(pem) - len);
	ck_assert_int_eq(load_pem(pem, len, &which), CRL_ERR_SIGNATURE);
	ck_assert_uint_eq(which, 3);
	ck_assert_uint_eq(store.count, 0); /* all or nothing */
	ck_assert_uint_eq(store.revoked_count, 0);

	ck_assert_int_eq(load_files("root.crl", "rogue.crl", NULL),
	                 CRL_ERR_ISSUER);
	ck_assert_int_eq(load_files("root-idp.crl", NULL), CRL_ERR_CRITICAL);
	/* A CRL larger than the buffer for its DER. */
	len = read_fixture("root.crl", pem, sizeof(pem));
	ck_assert_int_eq(crl_store_load_pem(&store, pem, len, anchors.ta,
	                                    anchors.count, scratch, 100,
	                                    &which),
	                 CRL_ERR_TOO_BIG);
	ck_assert_uint_eq(which, 1);
}
END_TEST

START_TEST(store_limit_crls)
{
	size_t len = 0, one, which, i;

	root_and_inter();
	one = read_fixture("root-empty.crl", pem, sizeof(pem));
	for (i = 1; i < CRL_MAX; i++)
		memcpy(pem + i * one, pem, one);
	len = one * CRL_MAX;
	ck_assert_int_eq(load_pem(pem, len, &which), CRL_OK);
	ck_assert_uint_eq(store.count, CRL_MAX);
	memcpy(pem + len, pem, one);
	ck_assert_int_eq(load_pem(pem, len + one, &which), CRL_ERR_TOO_MANY);
	ck_assert_uint_eq(which, CRL_MAX + 1);
	ck_assert_uint_eq(store.count, 0);
}
END_TEST

/* A CRL (unsigned: for crl_store_add) listing n serials from first. */
static struct piece *
crl_of_serials(size_t first, size_t n)
{
	struct piece *list = new_piece_of(BIG_MAX), *revdate = REVDATE;
	uint8_t e[6];
	size_t i;

	/* Serial 0x01HHLL: the leading 0x01 keeps it minimal, positive. */
	for (i = 0; i < n; i++) {
		e[0] = 0x30;
		e[1] = (uint8_t)(5 + revdate->len);
		e[2] = 0x02;
		e[3] = 3;
		e[4] = 0x01;
		put(list, e, 5);
		e[0] = (uint8_t)((first + i) >> 8);
		e[1] = (uint8_t)(first + i);
		put(list, e, 2);
		put(list, revdate->b, revdate->len);
	}
	return crl_with(W(0x30, list, NULL), E);
}

START_TEST(store_limit_revoked)
{
	struct crl_info ci;
	struct der_serial s;
	uint8_t v[3];

	crl_store_clear(&store);
	ck_assert_int_eq(parse_piece(crl_of_serials(0, CRL_REVOKED_MAX), &ci),
	                 CRL_OK);
	ck_assert_uint_eq(ci.revoked_count, CRL_REVOKED_MAX);
	ck_assert_int_eq(crl_store_add(&store, &ci), CRL_OK);
	ck_assert_uint_eq(store.revoked_count, CRL_REVOKED_MAX);
	/* One more, even in another CRL: refused, the store unchanged. */
	ck_assert_int_eq(parse_piece(crl_of_serials(0x7000, 1), &ci), CRL_OK);
	ck_assert_int_eq(crl_store_add(&store, &ci), CRL_ERR_REVOKED_MAX);
	ck_assert_uint_eq(store.count, 1);
	ck_assert_uint_eq(store.revoked_count, CRL_REVOKED_MAX);
	/* An empty CRL still fits. */
	ck_assert_int_eq(parse_piece(crl_with(E, E), &ci), CRL_OK);
	ck_assert_int_eq(crl_store_add(&store, &ci), CRL_OK);
	/* The last serial is there. */
	v[0] = 0x01;
	v[1] = (uint8_t)((CRL_REVOKED_MAX - 1) >> 8);
	v[2] = (uint8_t)(CRL_REVOKED_MAX - 1);
	ck_assert_int_eq(crl_serial_set(&s, v, 3), CRL_OK);
	ck_assert_int_eq(
	    crl_store_check(&store, ISSUER->b, ISSUER->len, &s, T2098),
	    CRL_REVOKED);

	crl_store_clear(&store);
	ck_assert_int_eq(
	    parse_piece(crl_of_serials(0, CRL_REVOKED_MAX + 1), &ci), CRL_OK);
	ck_assert_int_eq(crl_store_add(&store, &ci), CRL_ERR_REVOKED_MAX);
	ck_assert_uint_eq(store.count, 0);
}
END_TEST

/* The certificate's issuer and serial, the simple way (tests only). */
static void
cert_ids(const char *name, struct der *issuer, struct der_serial *serial)
{
	static struct derobj certs[8];
	static size_t next;
	struct derobj *c = &certs[next++ % 8];
	struct der d, cert, tbs, f, num;
	unsigned tag;

	*c = *obj(name);
	d.p = c->data;
	d.len = c->len;
	ck_assert_int_eq(der_expect(&d, DER_SEQUENCE, &cert), 0);
	ck_assert_int_eq(der_expect(&cert, DER_SEQUENCE, &tbs), 0);
	ck_assert_int_eq(der_next(&tbs, &tag, &f, NULL), 0); /* [0] v3 */
	ck_assert_int_eq(der_expect(&tbs, DER_INTEGER, &num), 0);
	ck_assert_int_eq(der_next(&tbs, &tag, &f, NULL), 0);
	ck_assert_int_eq(der_next(&tbs, &tag, &f, issuer), 0);
	ck_assert_int_eq(crl_serial_set(serial, num.p, num.len), CRL_OK);
}

static enum crl_verdict
check_cert(const char *name, int64_t now)
{
	struct der issuer;
	struct der_serial serial;

	cert_ids(name, &issuer, &serial);
	return crl_store_check(&store, issuer.p, issuer.len, &serial, now);
}

START_TEST(lookup)
{
	struct der_serial s;
	struct der root_name;

	root_and_inter();
	ck_assert_int_eq(load_files("root.crl", "inter.crl", NULL), CRL_OK);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2098), CRL_GOOD);
	/* 20 octets with the sign octet in the certificate. */
	ck_assert_int_eq(check_cert("leaf-revoked.pem", T2098), CRL_REVOKED);
	ck_assert_int_eq(check_cert("inter-leaf-good.pem", T2098), CRL_GOOD);
	ck_assert_int_eq(check_cert("inter-leaf-revoked.pem", T2098),
	                 CRL_REVOKED);
	ck_assert_int_eq(check_cert("inter.pem", T2098), CRL_GOOD);
	/* Issued by a CA without a CRL here. */
	ck_assert_int_eq(check_cert("rogue.pem", T2098), CRL_NO_CRL);

	/* Serial 0x0100 is listed; 0x01 and 0x010000 are not. */
	cert_ids("leaf-good.pem", &root_name, &s);
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\x01\x00", 2),
	                 CRL_OK);
	ck_assert_int_eq(
	    crl_store_check(&store, root_name.p, root_name.len, &s, T2098),
	    CRL_REVOKED);
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\x01", 1),
	                 CRL_OK);
	ck_assert_int_eq(
	    crl_store_check(&store, root_name.p, root_name.len, &s, T2098),
	    CRL_GOOD);
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\x01\x00\x00", 3),
	                 CRL_OK);
	ck_assert_int_eq(
	    crl_store_check(&store, root_name.p, root_name.len, &s, T2098),
	    CRL_GOOD);
	/* A negative serial is not its magnitude. */
	ck_assert_int_eq(crl_serial_set(&s, (const uint8_t *)"\xf0\x0d", 2),
	                 CRL_OK);
	ck_assert_int_eq(
	    crl_store_check(&store, root_name.p, root_name.len, &s, T2098),
	    CRL_GOOD);
	/* An empty store knows no issuer. */
	crl_store_clear(&store);
	ck_assert_int_eq(check_cert("leaf-revoked.pem", T2098), CRL_NO_CRL);
}
END_TEST

START_TEST(lookup_times)
{
	root_and_inter();
	ck_assert_int_eq(load_files("root-expired.crl", NULL), CRL_OK);
	/* thisUpdate 2000-01-01, nextUpdate 2001-01-01: nextUpdate itself
	 * is already past, as in OpenSSL. */
	ck_assert_int_eq(check_cert("leaf-good.pem", T2000 - 1),
	                 CRL_NOT_YET_VALID);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2000), CRL_GOOD);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2001 - 1), CRL_GOOD);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2001), CRL_EXPIRED);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2098), CRL_EXPIRED);
	/* A listed serial stays revoked whatever the dates. */
	ck_assert_int_eq(check_cert("leaf-revoked.pem", T2098), CRL_REVOKED);

	ck_assert_int_eq(load_files("root-future.crl", NULL), CRL_OK);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2098 - 1),
	                 CRL_NOT_YET_VALID);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2098), CRL_GOOD);

	/* No nextUpdate: never expires. */
	ck_assert_int_eq(load_files("root-nonext.crl", NULL), CRL_OK);
	ck_assert_int_eq(check_cert("leaf-good.pem", INT64_MAX / 2), CRL_GOOD);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2020 - 1),
	                 CRL_NOT_YET_VALID);
	ck_assert_int_eq(check_cert("leaf-revoked.pem", T2098), CRL_REVOKED);
}
END_TEST

START_TEST(lookup_several_of_one_issuer)
{
	root_and_inter();
	/* One current CRL is enough; any listing revokes. */
	ck_assert_int_eq(load_files("root-expired.crl", "root-empty.crl", NULL),
	                 CRL_OK);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2098), CRL_GOOD);
	ck_assert_int_eq(check_cert("leaf-revoked.pem", T2098), CRL_REVOKED);
	/* None current: the first one's reason. */
	ck_assert_int_eq(
	    load_files("root-expired.crl", "root-future.crl", NULL), CRL_OK);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2020), CRL_EXPIRED);
	ck_assert_int_eq(
	    load_files("root-future.crl", "root-expired.crl", NULL), CRL_OK);
	ck_assert_int_eq(check_cert("leaf-good.pem", T2020), CRL_NOT_YET_VALID);
}
END_TEST

START_TEST(strerror_texts)
{
	int a, b;

	for (a = CRL_OK; a <= CRL_ERR_SIGNATURE; a++) {
		ck_assert_ptr_nonnull(crl_strerror(a));
		for (b = CRL_OK; b < a; b++)
			ck_assert_str_ne(crl_strerror(a), crl_strerror(b));
	}
	ck_assert_str_eq(crl_strerror(CRL_ERR_SIGNATURE + 1), "unknown error");
	ck_assert_str_eq(crl_strerror(CRL_ERR_TOO_MANY),
	                 "more CRLs than the built-in limit (16)");
}
END_TEST

/* ------------------------------------------------------------------ */
/* verifier with CRLs */

static struct verifier xc;

/* Feed certificates (fixture names) as the SSL engine does. */
static unsigned
feed(const char *const *names, size_t chunk)
{
	static struct derobj certs[4];
	const br_x509_class **vt = &xc.vtable;
	size_t i, n, off, k;

	for (n = 0; names[n] != NULL; n++) {
		ck_assert_uint_lt(n, 4);
		certs[n] = *obj(names[n]);
	}
	(*vt)->start_chain(vt, NULL);
	for (i = 0; i < n; i++) {
		(*vt)->start_cert(vt, (uint32_t)certs[i].len);
		for (off = 0; off < certs[i].len; off += k) {
			k = certs[i].len - off;
			if (k > chunk)
				k = chunk;
			(*vt)->append(vt, certs[i].data + off, k);
		}
		(*vt)->end_cert(vt);
	}
	return (*vt)->end_chain(vt);
}

/* A chain against root + inter anchors and the store. */
static unsigned
chain(const char *a, const char *b, const char *c)
{
	const char *names[4] = {a, b, c, NULL};

	verifier_init(&xc, VERIFIER_CA, anchors.ta, anchors.count, NULL);
	ck_assert_int_eq(verifier_set_crl(&xc, &store), 0);
	return feed(names, 100);
}

static const br_x509_pkey *
pkey(void)
{
	const br_x509_class *const *vt = &xc.vtable;

	return (*vt)->get_pkey(vt, NULL);
}

START_TEST(engine_revoked)
{
	root_and_inter();
	ck_assert_int_eq(load_files("root.crl", "inter.crl", NULL), CRL_OK);
	ck_assert_uint_eq(chain("leaf-good.pem", NULL, NULL), 0);
	ck_assert_ptr_nonnull(pkey());
	ck_assert_uint_eq(chain("leaf-revoked.pem", NULL, NULL),
	                  VERIFIER_ERR_REVOKED);
	ck_assert_ptr_null(pkey());
	ck_assert_uint_eq(chain("inter-leaf-good.pem", "inter.pem", NULL), 0);
	ck_assert_uint_eq(chain("inter-leaf-revoked.pem", "inter.pem", NULL),
	                  VERIFIER_ERR_REVOKED);
	ck_assert_uint_eq(chain("inter-leaf-revoked.pem", NULL, NULL),
	                  VERIFIER_ERR_REVOKED);
	/* Fed a byte at a time, the same. */
	{
		static const char *const names[] = {"leaf-revoked.pem", NULL};

		verifier_init(&xc, VERIFIER_CA, anchors.ta, anchors.count,
		              NULL);
		ck_assert_int_eq(verifier_set_crl(&xc, &store), 0);
		ck_assert_uint_eq(feed(names, 1), VERIFIER_ERR_REVOKED);
		/* Reused for the next chain. */
		ck_assert_uint_eq(chain("leaf-good.pem", NULL, NULL), 0);
	}
	/* Without the store, nobody is revoked. */
	verifier_init(&xc, VERIFIER_CA, anchors.ta, anchors.count, NULL);
	{
		static const char *const names[] = {"leaf-revoked.pem", NULL};

		ck_assert_uint_eq(feed(names, 100), 0);
	}
}
END_TEST

START_TEST(engine_intermediate)
{
	root_and_inter();
	/* The root's CRL revokes inter: a chain that sends inter fails. */
	ck_assert_int_eq(
	    load_files("root-inter-revoked.crl", "inter.crl", NULL), CRL_OK);
	ck_assert_uint_eq(chain("inter-leaf-good.pem", "inter.pem", NULL),
	                  VERIFIER_ERR_REVOKED);
	/* XXX: inter is an anchor, so a chain without it is complete, and
	 * a certificate the client does not send is not checked. */
	ck_assert_uint_eq(chain("inter-leaf-good.pem", NULL, NULL), 0);
	/* Every certificate sent needs its issuer's CRL. */
	ck_assert_int_eq(load_files("inter.crl", NULL), CRL_OK);
	ck_assert_uint_eq(chain("inter-leaf-good.pem", NULL, NULL), 0);
	ck_assert_uint_eq(chain("inter-leaf-good.pem", "inter.pem", NULL),
	                  VERIFIER_ERR_NO_CRL);
	ck_assert_uint_eq(chain("leaf-good.pem", NULL, NULL),
	                  VERIFIER_ERR_NO_CRL);
}
END_TEST

START_TEST(engine_root_sent_along)
{
	root_and_inter();
	ck_assert_int_eq(load_files("inter.crl", NULL), CRL_OK);
	/* The root itself needs no CRL ... */
	ck_assert_uint_eq(chain("inter-leaf-good.pem", "root.pem", NULL), 0);
	ck_assert_uint_eq(chain("root.pem", NULL, NULL), 0);
	/* ... but something of its name and another key does. */
	ck_assert_uint_eq(chain("inter-leaf-good.pem", "same-name.pem", NULL),
	                  VERIFIER_ERR_NO_CRL);
	/* Nor does a stranger's self-signed certificate get by. */
	ck_assert_uint_eq(chain("inter-leaf-good.pem", "rogue.pem", NULL),
	                  VERIFIER_ERR_NO_CRL);
	ck_assert_int_eq(load_files("root.crl", "inter.crl", NULL), CRL_OK);
	ck_assert_uint_eq(chain("inter-leaf-good.pem", "inter.pem", "root.pem"),
	                  0);
}
END_TEST

START_TEST(engine_times)
{
	root_and_inter();
	ck_assert_int_eq(load_files("root-expired.crl", NULL), CRL_OK);
	ck_assert_uint_eq(chain("leaf-good.pem", NULL, NULL),
	                  VERIFIER_ERR_CRL_EXPIRED);
	ck_assert_int_eq(load_files("root-future.crl", NULL), CRL_OK);
	ck_assert_uint_eq(chain("leaf-good.pem", NULL, NULL),
	                  VERIFIER_ERR_CRL_NOT_YET_VALID);
	ck_assert_int_eq(load_files("root-nonext.crl", NULL), CRL_OK);
	ck_assert_uint_eq(chain("leaf-good.pem", NULL, NULL), 0);
	ck_assert_uint_eq(chain("leaf-revoked.pem", NULL, NULL),
	                  VERIFIER_ERR_REVOKED);
}
END_TEST

START_TEST(engine_chain_errors_first)
{
	static const char *const rogue_only[] = {"rogue.pem", NULL};

	root_and_inter();
	ck_assert_int_eq(load_files("root.crl", NULL), CRL_OK);
	/* Not trusted: BearSSL's verdict, not the CRL's. */
	load_anchors(rogue_only);
	ck_assert_uint_eq(chain("leaf-revoked.pem", NULL, NULL),
	                  BR_ERR_X509_NOT_TRUSTED);
	root_and_inter();
	ck_assert_uint_eq(chain("inter-leaf-good.pem", "leaf-good.pem", NULL),
	                  VERIFIER_ERR_NO_CRL);
}
END_TEST

START_TEST(engine_set_crl)
{
	root_and_inter();
	verifier_init(&xc, VERIFIER_NONE, NULL, 0, NULL);
	ck_assert_int_eq(verifier_set_crl(&xc, &store), -1);
	ck_assert_ptr_null(xc.crl);
	ck_assert_int_eq(verifier_set_crl(&xc, NULL), 0);
	verifier_init(&xc, VERIFIER_FULL, anchors.ta, anchors.count, "x");
	ck_assert_int_eq(verifier_set_crl(&xc, &store), -1);
	verifier_init(&xc, VERIFIER_CA, anchors.ta, anchors.count, NULL);
	ck_assert_int_eq(verifier_set_crl(&xc, &store), 0);
	ck_assert_ptr_eq(xc.crl, &store);
	ck_assert_int_eq(verifier_set_crl(&xc, NULL), 0);
	ck_assert_ptr_null(xc.crl);
}
END_TEST

START_TEST(engine_cert_too_big)
{
	static struct derobj big;
	static struct keys_anchors x509_anchors;
	const br_x509_class **vt = &xc.vtable;
	uint8_t buf[PEM_MAX];
	size_t len = 0;
	int rc;

	/* The x509 fixtures: big.pem (over 8 KiB) signed by inter.pem. */
	rc = readfile("tests/unit/fixtures/x509/inter.pem", buf, sizeof(buf),
	              &len, NULL, NULL);
	ck_assert_int_eq(rc, KEYS_OK);
	ck_assert_int_eq(keys_anchors_parse(&x509_anchors, buf, len), KEYS_OK);
	ck_assert_uint_eq(fixture_load_pem("tests/unit/fixtures/x509/big.pem",
	                                   "CERTIFICATE", &big, 1),
	                  1);
	ck_assert_uint_gt(big.len, VERIFIER_LEAF_MAX);
	crl_store_clear(&store);
	verifier_init(&xc, VERIFIER_CA, x509_anchors.ta, x509_anchors.count,
	              NULL);
	ck_assert_int_eq(verifier_set_crl(&xc, &store), 0);
	(*vt)->start_chain(vt, NULL);
	(*vt)->start_cert(vt, (uint32_t)big.len);
	(*vt)->append(vt, big.data, big.len);
	(*vt)->end_cert(vt);
	ck_assert_uint_eq((*vt)->end_chain(vt), VERIFIER_ERR_CERT_SIZE);
}
END_TEST

START_TEST(engine_strerror)
{
	int e;

	for (e = VERIFIER_ERR_REVOKED; e <= VERIFIER_ERR_CERT_SIZE; e++)
		ck_assert_str_ne(verifier_strerror(e), verifier_strerror(-1));
	ck_assert_str_eq(verifier_strerror(VERIFIER_ERR_REVOKED),
	                 "certificate revoked");
	ck_assert_str_eq(verifier_strerror(VERIFIER_ERR_NO_CRL),
	                 "no CRL for the certificate's issuer");
	ck_assert_str_eq(verifier_strerror(VERIFIER_ERR_CRL_EXPIRED),
	                 "CRL has expired");
	ck_assert_str_eq(verifier_strerror(VERIFIER_ERR_CRL_NOT_YET_VALID),
	                 "CRL not yet valid");
}
END_TEST

static Suite *
crl_suite(void)
{
	Suite *s = suite_create("crl");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_root);
	tcase_add_test(tc, parse_shapes);
	tcase_add_test(tc, parse_algorithms);
	tcase_add_test(tc, parse_critical_idp);
	tcase_add_test(tc, serial_values);
	tcase_add_test(tc, serial_in_crl);
	tcase_add_test(tc, built_valid);
	tcase_add_test(tc, built_times);
	tcase_add_test(tc, built_malformed);
	tcase_add_test(tc, built_unsupported);
	tcase_add_test(tc, built_lengths);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, trailing_bytes);
	tcase_add_test(tc, mutations);
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_test(tc, verify_ok_and_not);
	tcase_add_test(tc, verify_wrong_key_type);
	tcase_add_test(tc, verify_tampered);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, store_pem);
	tcase_add_test(tc, store_errors_name_the_crl);
	tcase_add_test(tc, store_limit_crls);
	tcase_add_test(tc, store_limit_revoked);
	tcase_add_test(tc, lookup);
	tcase_add_test(tc, lookup_times);
	tcase_add_test(tc, lookup_several_of_one_issuer);
	tcase_add_test(tc, strerror_texts);
	suite_add_tcase(s, tc);

	tc = tcase_create("verifier");
	tcase_add_test(tc, engine_revoked);
	tcase_add_test(tc, engine_intermediate);
	tcase_add_test(tc, engine_root_sent_along);
	tcase_add_test(tc, engine_times);
	tcase_add_test(tc, engine_chain_errors_first);
	tcase_add_test(tc, engine_set_crl);
	tcase_add_test(tc, engine_cert_too_big);
	tcase_add_test(tc, engine_strerror);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(crl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(copy);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

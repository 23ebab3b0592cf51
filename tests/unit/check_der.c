/*
 * Unit tests for der.c: a certificate's identifying fields, its public
 * key, CA flag and client purpose, its first CN, serial numbers, and the
 * Extensions walker that
 * hostname.c and crl.c share. Inputs are hand-made DER or the certificates of
 * tests/unit/fixtures/x509 (run from the repository root), walked from
 * exact-size heap copies so that AddressSanitizer sees any read past
 * them.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "fixture.h"
#include "x509/der.h"

/* An exact-size heap copy of len bytes; freed by the next call. */
static uint8_t *copy;

static struct der
exact(const uint8_t *p, size_t len)
{
	struct der d;

	free(copy);
	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	if (len > 0)
		memcpy(copy, p, len);
	d.p = copy;
	d.len = len;
	return d;
}

#define EXACT(a) exact((a), sizeof(a))

/* ------------------------------------------------------------------ */
/* Certificates */

static struct derobj cert, issuer_cert;

/* The subject Name's whole encoding, from BearSSL's own decoder. */
static void
bearssl_subject(const struct derobj *c, struct derobj *dn)
{
	br_x509_decoder_context dc;

	memset(dn, 0, sizeof(*dn));
	br_x509_decoder_init(&dc, fixture_der_append, dn);
	br_x509_decoder_push(&dc, c->data, c->len);
	ck_assert_int_eq(br_x509_decoder_last_error(&dc), 0);
	ck_assert(!dn->overflow);
}

START_TEST(test_cert_ids)
{
	static struct derobj subject, issuer;
	struct der_cert_ids ids;
	struct der d, rest, cn;
	int found;

	ck_assert_uint_eq(fixture_load_pem("tests/unit/fixtures/x509/leaf.pem",
	                                   "CERTIFICATE", &cert, 1),
	                  1);
	ck_assert_uint_eq(fixture_load_pem("tests/unit/fixtures/x509/inter.pem",
	                                   "CERTIFICATE", &issuer_cert, 1),
	                  1);
	bearssl_subject(&cert, &subject);
	bearssl_subject(&issuer_cert, &issuer);
	d = exact(cert.data, cert.len);
	ck_assert_int_eq(der_cert_ids(d.p, d.len, &ids, &rest), 0);
	ck_assert(der_is(&ids.subject, subject.data, subject.len));
	ck_assert(der_is(&ids.issuer, issuer.data, issuer.len));
	/* The serial's contents, inside the certificate. */
	ck_assert(ids.serial.p > d.p &&
	          ids.serial.p + ids.serial.len < d.p + d.len);
	ck_assert_uint_eq(ids.serial.p[-2], DER_INTEGER);
	ck_assert_uint_eq(ids.serial.p[-1], ids.serial.len);
	/* rest starts at subjectPublicKeyInfo. */
	ck_assert_uint_gt(rest.len, 0);
	ck_assert_uint_eq(rest.p[0], DER_SEQUENCE);
	ck_assert(rest.p == ids.subject.p + ids.subject.len);

	ck_assert_int_eq(der_name_cn(&ids.subject, &cn, &found), 0);
	ck_assert(found);
	ck_assert(der_is(&cn, (const uint8_t *)"cn.example.net", 14));
}
END_TEST

START_TEST(test_cert_ids_malformed)
{
	static uint8_t buf[FIXTURE_DER_MAX + 1];
	struct der_cert_ids ids;
	struct der d, rest;
	size_t n;

	ck_assert_uint_eq(fixture_load_pem("tests/unit/fixtures/x509/leaf.pem",
	                                   "CERTIFICATE", &cert, 1),
	                  1);
	for (n = 0; n < cert.len; n++) {
		d = exact(cert.data, n);
		ck_assert_msg(der_cert_ids(d.p, d.len, &ids, &rest) == -1,
		              "cut to %zu", n);
	}
	memcpy(buf, cert.data, cert.len);
	buf[cert.len] = 0;
	d = exact(buf, cert.len + 1);
	ck_assert_int_eq(der_cert_ids(d.p, d.len, &ids, &rest), -1);
	ck_assert_int_eq(der_cert_ids(NULL, 0, &ids, &rest), -1);
}
END_TEST

/* der_spki() and der_cert_is_ca() against BearSSL's own decoder, on the
 * x509 fixtures (EC) and the keys fixtures (RSA and EC, leaves and CAs). */
START_TEST(test_spki_and_ca_as_bearssl)
{
	static const char *const files[] = {
	    "tests/unit/fixtures/x509/leaf.pem",
	    "tests/unit/fixtures/x509/inter.pem",
	    "tests/unit/fixtures/x509/root.pem",
	    "tests/unit/fixtures/keys/rsa2048.crt",
	    "tests/unit/fixtures/keys/rsaroot.crt",
	    "tests/unit/fixtures/keys/ec384.crt",
	    "tests/unit/fixtures/keys/root.crt",
	};
	static br_x509_decoder_context dc;

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct der_cert_ids ids;
		struct der d, rest;
		br_x509_pkey pk;
		const br_x509_pkey *want;

		ck_assert_uint_eq(
		    fixture_load_pem(files[i], "CERTIFICATE", &cert, 1), 1);
		br_x509_decoder_init(&dc, NULL, NULL);
		br_x509_decoder_push(&dc, cert.data, cert.len);
		want = br_x509_decoder_get_pkey(&dc);
		ck_assert_ptr_nonnull(want);
		d = exact(cert.data, cert.len);
		ck_assert_int_eq(der_cert_ids(d.p, d.len, &ids, &rest), 0);
		ck_assert_msg(der_spki(&rest, &pk) == 0, "%s", files[i]);
		ck_assert_int_eq(pk.key_type, want->key_type);
		if (pk.key_type == BR_KEYTYPE_RSA) {
			ck_assert_uint_eq(pk.key.rsa.nlen, want->key.rsa.nlen);
			ck_assert_mem_eq(pk.key.rsa.n, want->key.rsa.n,
			                 pk.key.rsa.nlen);
			ck_assert_uint_eq(pk.key.rsa.elen, want->key.rsa.elen);
			ck_assert_mem_eq(pk.key.rsa.e, want->key.rsa.e,
			                 pk.key.rsa.elen);
		} else {
			ck_assert_int_eq(pk.key.ec.curve, want->key.ec.curve);
			ck_assert_uint_eq(pk.key.ec.qlen, want->key.ec.qlen);
			ck_assert_mem_eq(pk.key.ec.q, want->key.ec.q,
			                 pk.key.ec.qlen);
		}
		ck_assert_msg(der_cert_is_ca(rest) ==
		                  (br_x509_decoder_isCA(&dc) ? 1 : 0),
		              "%s: CA flag", files[i]);
	}
}
END_TEST

START_TEST(test_spki_refused)
{
	/* SEQUENCE { SEQUENCE { id-ecPublicKey, CURVE }, BIT STRING 00 PT } */
	static uint8_t spki[160];
	static const uint8_t ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
	static const uint8_t p256[] = {0x2a, 0x86, 0x48, 0xce,
	                               0x3d, 0x03, 0x01, 0x07};
	static const uint8_t p521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};
	static const uint8_t k256[] = {0x2b, 0x81, 0x04, 0x00, 0x0a};
	static const struct {
		const uint8_t *curve;
		size_t curve_len, point_len;
		uint8_t first;
		int want;
	} cases[] = {
	    {p256, sizeof p256, 65, 0x04, 0},  /* the one that works */
	    {p256, sizeof p256, 65, 0x05, -1}, /* not uncompressed */
	    {p256, sizeof p256, 33, 0x02, -1}, /* compressed */
	    {p521, sizeof p521, 97, 0x04, -1}, /* a P-384 point */
	    {k256, sizeof k256, 65, 0x04, -1}, /* secp256k1 */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t alg = 2 + sizeof ec + 2 + cases[i].curve_len;
		size_t bits = 1 + cases[i].point_len, n = 0;
		struct der d;
		br_x509_pkey pk;

		spki[n++] = 0x30;
		spki[n++] = (uint8_t)(2 + alg + 2 + bits);
		spki[n++] = 0x30;
		spki[n++] = (uint8_t)alg;
		spki[n++] = 0x06;
		spki[n++] = sizeof ec;
		memcpy(spki + n, ec, sizeof ec);
		n += sizeof ec;
		spki[n++] = 0x06;
		spki[n++] = (uint8_t)cases[i].curve_len;
		memcpy(spki + n, cases[i].curve, cases[i].curve_len);
		n += cases[i].curve_len;
		spki[n++] = 0x03;
		spki[n++] = (uint8_t)bits;
		spki[n++] = 0;
		memset(spki + n, 0x11, cases[i].point_len);
		spki[n] = cases[i].first;
		n += cases[i].point_len;
		d = exact(spki, n);
		ck_assert_msg(der_spki(&d, &pk) == cases[i].want, "case %zu",
		              i);
		if (cases[i].want == 0) {
			ck_assert_uint_eq(d.len, 0);
			ck_assert_int_eq(pk.key.ec.curve, BR_EC_secp256r1);
		} else {
			ck_assert_uint_eq(d.len, n); /* left as it was */
		}
	}
}
END_TEST

/* der_name_cn() on a hand-made Name: its return, *found, the CN. */
static int
name_cn(const uint8_t *name, size_t len, int *found, struct der *cn)
{
	struct der d = exact(name, len);

	return der_name_cn(&d, cn, found);
}

START_TEST(test_name_cn)
{
	/* CN=a */
	static const uint8_t cn_a[] = {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06,
	                               0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 'a'};
	/* O=o, CN=b, CN=c: the first CN is b */
	static const uint8_t o_b_c[] = {
	    0x30, 0x24, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04,
	    0x0a, 0x0c, 0x01, 'o',  0x31, 0x0a, 0x30, 0x08, 0x06, 0x03,
	    0x55, 0x04, 0x03, 0x13, 0x01, 'b',  0x31, 0x0a, 0x30, 0x08,
	    0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 'c'};
	/* One multi-valued RDN: O=o + CN=d */
	static const uint8_t multi[] = {0x30, 0x16, 0x31, 0x14, 0x30, 0x08,
	                                0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c,
	                                0x01, 'o',  0x30, 0x08, 0x06, 0x03,
	                                0x55, 0x04, 0x03, 0x0c, 0x01, 'd'};
	/* No CN; an empty Name; an empty CN */
	static const uint8_t no_cn[] = {0x30, 0x0c, 0x31, 0x0a, 0x30,
	                                0x08, 0x06, 0x03, 0x55, 0x04,
	                                0x0a, 0x0c, 0x01, 'o'};
	static const uint8_t empty[] = {0x30, 0x00};
	static const uint8_t empty_cn[] = {0x30, 0x0b, 0x31, 0x09, 0x30,
	                                   0x07, 0x06, 0x03, 0x55, 0x04,
	                                   0x03, 0x0c, 0x00};
	/* A non-CN value may be anything, here a SEQUENCE */
	static const uint8_t odd_o[] = {
	    0x30, 0x18, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55,
	    0x04, 0x0a, 0x30, 0x01, 0x00, 0x31, 0x0a, 0x30, 0x08,
	    0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 'e'};
	struct der cn;
	int found;

	ck_assert_int_eq(name_cn(cn_a, sizeof(cn_a), &found, &cn), 0);
	ck_assert(found && der_is(&cn, (const uint8_t *)"a", 1));
	ck_assert_int_eq(name_cn(o_b_c, sizeof(o_b_c), &found, &cn), 0);
	ck_assert(found && der_is(&cn, (const uint8_t *)"b", 1));
	ck_assert_int_eq(name_cn(multi, sizeof(multi), &found, &cn), 0);
	ck_assert(found && der_is(&cn, (const uint8_t *)"d", 1));
	ck_assert_int_eq(name_cn(no_cn, sizeof(no_cn), &found, &cn), 0);
	ck_assert(!found);
	ck_assert_int_eq(name_cn(empty, sizeof(empty), &found, &cn), 0);
	ck_assert(!found);
	ck_assert_int_eq(name_cn(empty_cn, sizeof(empty_cn), &found, &cn), 0);
	ck_assert(found);
	ck_assert_uint_eq(cn.len, 0);
	ck_assert_int_eq(name_cn(odd_o, sizeof(odd_o), &found, &cn), 0);
	ck_assert(found && der_is(&cn, (const uint8_t *)"e", 1));
}
END_TEST

START_TEST(test_name_cn_malformed)
{
	/* An empty RDN */
	static const uint8_t empty_rdn[] = {0x30, 0x02, 0x31, 0x00};
	/* A CN whose value is constructed, or context-tagged */
	static const uint8_t cons_cn[] = {0x30, 0x0c, 0x31, 0x0a, 0x30,
	                                  0x08, 0x06, 0x03, 0x55, 0x04,
	                                  0x03, 0x30, 0x01, 0x00};
	static const uint8_t ctx_cn[] = {0x30, 0x0c, 0x31, 0x0a, 0x30,
	                                 0x08, 0x06, 0x03, 0x55, 0x04,
	                                 0x03, 0x80, 0x01, 'a'};
	/* ... also after a good first CN */
	static const uint8_t late_bad[] = {
	    0x30, 0x18, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55,
	    0x04, 0x03, 0x0c, 0x01, 'a',  0x31, 0x0a, 0x30, 0x08,
	    0x06, 0x03, 0x55, 0x04, 0x03, 0xa0, 0x01, 0x00};
	/* An attribute without a value, or with two */
	static const uint8_t no_value[] = {0x30, 0x09, 0x31, 0x07, 0x30, 0x05,
	                                   0x06, 0x03, 0x55, 0x04, 0x03};
	static const uint8_t two_values[] = {0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b,
	                                     0x06, 0x03, 0x55, 0x04, 0x03, 0x0c,
	                                     0x01, 'a',  0x0c, 0x01, 'b'};
	/* Not a SEQUENCE; bytes after it; an RDN that is not a SET */
	static const uint8_t set[] = {0x31, 0x00};
	static const uint8_t trailing[] = {0x30, 0x00, 0x00};
	static const uint8_t seq_rdn[] = {0x30, 0x0c, 0x30, 0x0a, 0x30,
	                                  0x08, 0x06, 0x03, 0x55, 0x04,
	                                  0x03, 0x0c, 0x01, 'a'};
	static const uint8_t *const bad[] = {empty_rdn, cons_cn,  ctx_cn,
	                                     late_bad,  no_value, two_values,
	                                     set,       trailing, seq_rdn};
	static const size_t len[] = {
	    sizeof(empty_rdn), sizeof(cons_cn),  sizeof(ctx_cn),
	    sizeof(late_bad),  sizeof(no_value), sizeof(two_values),
	    sizeof(set),       sizeof(trailing), sizeof(seq_rdn)};
	struct der cn;
	size_t i, n;
	int found;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(name_cn(bad[i], len[i], &found, &cn) == -1,
		              "case %zu", i);
	/* Every proper prefix of a good Name. */
	for (n = 0; n < sizeof(late_bad); n++)
		ck_assert_msg(name_cn(late_bad, n, &found, &cn) == -1,
		              "cut to %zu", n);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Serial numbers */

/* der_serial_set() on an exact-size copy; *s must be zero on failure. */
static int
serial(struct der_serial *s, const char *bytes, size_t len)
{
	struct der d = exact((const uint8_t *)bytes, len);
	static const struct der_serial zero;
	int rc;

	memset(s, 0x5a, sizeof(*s));
	rc = der_serial_set(s, d.p, d.len);
	if (rc != DER_SERIAL_OK)
		ck_assert_mem_eq(s, &zero, sizeof(*s));
	return rc;
}

START_TEST(test_serial_values)
{
	struct der_serial s;

	ck_assert_int_eq(serial(&s, "\x00", 1), DER_SERIAL_OK);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_uint_eq(s.neg, 0);
	ck_assert_int_eq(serial(&s, "\x01\x00", 2), DER_SERIAL_OK);
	ck_assert_uint_eq(s.len, 2);
	ck_assert_mem_eq(s.v, "\x01\x00", 2);
	/* The sign octet before a high bit is no part of the value. */
	ck_assert_int_eq(serial(&s, "\x00\x80", 2), DER_SERIAL_OK);
	ck_assert_uint_eq(s.len, 1);
	ck_assert_uint_eq(s.v[0], 0x80);
	ck_assert_uint_eq(s.neg, 0);
	/* Without it the number is negative, and a different value. */
	ck_assert_int_eq(serial(&s, "\x80", 1), DER_SERIAL_OK);
	ck_assert_uint_eq(s.len, 1);
	ck_assert_uint_eq(s.neg, 1);
	ck_assert_int_eq(serial(&s, "\xff\x7f", 2), DER_SERIAL_OK);
	ck_assert_uint_eq(s.neg, 1);
	ck_assert_uint_eq(s.len, 2);
}
END_TEST

START_TEST(test_serial_bad)
{
	struct der_serial s;
	char buf[22];

	/* Not DER: empty, or padded. */
	ck_assert_int_eq(serial(&s, "", 0), DER_SERIAL_BAD);
	ck_assert_int_eq(serial(&s, "\x00\x7f", 2), DER_SERIAL_BAD);
	ck_assert_int_eq(serial(&s, "\x00\x00", 2), DER_SERIAL_BAD);
	ck_assert_int_eq(serial(&s, "\xff\x80", 2), DER_SERIAL_BAD);

	/* 20 octets of value, with and without the sign octet; not 21. */
	memset(buf, 0xab, sizeof(buf));
	buf[0] = 0x00;
	ck_assert_int_eq(serial(&s, buf, 21), DER_SERIAL_OK);
	ck_assert_uint_eq(s.len, 20);
	ck_assert_uint_eq(s.neg, 0);
	ck_assert_int_eq(serial(&s, buf + 1, 20), DER_SERIAL_OK);
	ck_assert_uint_eq(s.len, 20);
	ck_assert_uint_eq(s.neg, 1);
	buf[0] = 0x7f;
	ck_assert_int_eq(serial(&s, buf, 21), DER_SERIAL_TOO_LONG);
	buf[0] = 0x00;
	buf[1] = (char)0x81;
	ck_assert_int_eq(serial(&s, buf, 22), DER_SERIAL_TOO_LONG);
	ck_assert_int_eq(serial(&s, buf + 1, 21), DER_SERIAL_TOO_LONG);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Extensions */

/* One extension, OID 2.5.29.17 (subjectAltName), value 30 00. */
#define EXT_SAN 0x30, 0x09, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x02, 0x30, 0x00
#define EXT_SAN_CRIT                                                           \
	0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x01, 0x01, 0xff, 0x04,      \
	    0x02, 0x30, 0x00

/* One call on the whole of in: its return, and exts must end empty. */
static int
one(const uint8_t *in, size_t len, int *crit)
{
	struct der exts = exact(in, len), oid, val;
	const uint8_t *start = exts.p;
	int rc;

	*crit = -1;
	rc = der_next_extension(&exts, &oid, crit, &val);
	if (rc != 0) {
		/* Unchanged on failure. */
		ck_assert_ptr_eq(exts.p, start);
		ck_assert_uint_eq(exts.len, len);
		return rc;
	}
	ck_assert_uint_eq(exts.len, 0);
	ck_assert(oid.p >= start && oid.p + oid.len <= start + len);
	ck_assert(val.p >= start && val.p + val.len <= start + len);
	return rc;
}

START_TEST(test_ext_plain)
{
	static const uint8_t in[] = {EXT_SAN};
	static const uint8_t san[] = {0x55, 0x1d, 0x11};
	struct der exts = EXACT(in), oid, val;
	int crit = -1;

	ck_assert_int_eq(der_next_extension(&exts, &oid, &crit, &val), 0);
	ck_assert_int_eq(crit, DER_EXT_NOT_CRITICAL);
	ck_assert(der_is(&oid, san, sizeof(san)));
	ck_assert_uint_eq(val.len, 2);
	ck_assert_uint_eq(val.p[0], 0x30);
	ck_assert_uint_eq(exts.len, 0);
}
END_TEST

START_TEST(test_ext_critical)
{
	static const uint8_t der_true[] = {EXT_SAN_CRIT};
	/* Explicit FALSE: not DER, let through as not critical. */
	static const uint8_t explicit_false[] = {0x30, 0x0c, 0x06, 0x03, 0x55,
	                                         0x1d, 0x11, 0x01, 0x01, 0x00,
	                                         0x04, 0x02, 0x30, 0x00};
	/* TRUE as 0x01 or 0x80: BER, reported as such. */
	static const uint8_t ber_true[] = {0x30, 0x0c, 0x06, 0x03, 0x55,
	                                   0x1d, 0x11, 0x01, 0x01, 0x01,
	                                   0x04, 0x02, 0x30, 0x00};
	static const uint8_t ber_true80[] = {0x30, 0x0c, 0x06, 0x03, 0x55,
	                                     0x1d, 0x11, 0x01, 0x01, 0x80,
	                                     0x04, 0x02, 0x30, 0x00};
	int crit;

	ck_assert_int_eq(one(der_true, sizeof(der_true), &crit), 0);
	ck_assert_int_eq(crit, DER_EXT_CRITICAL);
	ck_assert_int_eq(one(explicit_false, sizeof(explicit_false), &crit), 0);
	ck_assert_int_eq(crit, DER_EXT_NOT_CRITICAL);
	ck_assert_int_eq(one(ber_true, sizeof(ber_true), &crit), 0);
	ck_assert_int_eq(crit, DER_EXT_CRITICAL_BER);
	ck_assert_int_eq(one(ber_true80, sizeof(ber_true80), &crit), 0);
	ck_assert_int_eq(crit, DER_EXT_CRITICAL_BER);
}
END_TEST

START_TEST(test_ext_bad_critical)
{
	/* BOOLEAN of length 0 and 2. */
	static const uint8_t len0[] = {0x30, 0x0b, 0x06, 0x03, 0x55, 0x1d, 0x11,
	                               0x01, 0x00, 0x04, 0x02, 0x30, 0x00};
	static const uint8_t len2[] = {0x30, 0x0d, 0x06, 0x03, 0x55,
	                               0x1d, 0x11, 0x01, 0x02, 0xff,
	                               0xff, 0x04, 0x02, 0x30, 0x00};
	/* A constructed BOOLEAN tag; a BOOLEAN after extnValue; two. */
	static const uint8_t cons[] = {0x30, 0x0c, 0x06, 0x03, 0x55,
	                               0x1d, 0x11, 0x21, 0x01, 0xff,
	                               0x04, 0x02, 0x30, 0x00};
	static const uint8_t after[] = {0x30, 0x0c, 0x06, 0x03, 0x55,
	                                0x1d, 0x11, 0x04, 0x02, 0x30,
	                                0x00, 0x01, 0x01, 0xff};
	static const uint8_t twice[] = {0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d,
	                                0x11, 0x01, 0x01, 0xff, 0x01, 0x01,
	                                0xff, 0x04, 0x02, 0x30, 0x00};
	/* critical without extnValue */
	static const uint8_t no_value[] = {0x30, 0x08, 0x06, 0x03, 0x55,
	                                   0x1d, 0x11, 0x01, 0x01, 0xff};
	int crit;

	ck_assert_int_eq(one(len0, sizeof(len0), &crit), -1);
	ck_assert_int_eq(one(len2, sizeof(len2), &crit), -1);
	ck_assert_int_eq(one(cons, sizeof(cons), &crit), -1);
	ck_assert_int_eq(one(after, sizeof(after), &crit), -1);
	ck_assert_int_eq(one(twice, sizeof(twice), &crit), -1);
	ck_assert_int_eq(one(no_value, sizeof(no_value), &crit), -1);
}
END_TEST

START_TEST(test_ext_shapes)
{
	/* Not a SEQUENCE; no OID first; extnValue not an OCTET STRING. */
	static const uint8_t set[] = {0x31, 0x09, 0x06, 0x03, 0x55, 0x1d,
	                              0x11, 0x04, 0x02, 0x30, 0x00};
	static const uint8_t no_oid[] = {0x30, 0x04, 0x04, 0x02, 0x30, 0x00};
	static const uint8_t bits[] = {0x30, 0x09, 0x06, 0x03, 0x55, 0x1d,
	                               0x11, 0x03, 0x02, 0x00, 0x00};
	static const uint8_t only_oid[] = {0x30, 0x05, 0x06, 0x03,
	                                   0x55, 0x1d, 0x11};
	/* Something after extnValue inside the Extension. */
	static const uint8_t inner_trailing[] = {0x30, 0x0b, 0x06, 0x03, 0x55,
	                                         0x1d, 0x11, 0x04, 0x02, 0x30,
	                                         0x00, 0x05, 0x00};
	/* An empty extnID is the caller's to refuse. */
	static const uint8_t empty_oid[] = {0x30, 0x06, 0x06, 0x00,
	                                    0x04, 0x02, 0x30, 0x00};
	/* Indefinite and non-minimal lengths. */
	static const uint8_t indefinite[] = {0x30, 0x80, 0x06, 0x03, 0x55,
	                                     0x1d, 0x11, 0x04, 0x02, 0x30,
	                                     0x00, 0x00, 0x00};
	static const uint8_t long_form[] = {0x30, 0x81, 0x09, 0x06, 0x03, 0x55,
	                                    0x1d, 0x11, 0x04, 0x02, 0x30, 0x00};
	int crit;

	ck_assert_int_eq(one(set, sizeof(set), &crit), -1);
	ck_assert_int_eq(one(no_oid, sizeof(no_oid), &crit), -1);
	ck_assert_int_eq(one(bits, sizeof(bits), &crit), -1);
	ck_assert_int_eq(one(only_oid, sizeof(only_oid), &crit), -1);
	ck_assert_int_eq(one(inner_trailing, sizeof(inner_trailing), &crit),
	                 -1);
	ck_assert_int_eq(one(indefinite, sizeof(indefinite), &crit), -1);
	ck_assert_int_eq(one(long_form, sizeof(long_form), &crit), -1);
	ck_assert_int_eq(one(empty_oid, sizeof(empty_oid), &crit), 0);
	ck_assert_int_eq(crit, DER_EXT_NOT_CRITICAL);
	ck_assert_int_eq(one(NULL, 0, &crit), -1);
}
END_TEST

/* Every proper prefix of a well-formed Extension is refused. */
START_TEST(test_ext_truncated)
{
	static const uint8_t plain[] = {EXT_SAN};
	static const uint8_t crit_ext[] = {EXT_SAN_CRIT};
	int crit;
	size_t n;

	for (n = 0; n < sizeof(plain); n++)
		ck_assert_msg(one(plain, n, &crit) == -1, "cut to %zu", n);
	for (n = 0; n < sizeof(crit_ext); n++)
		ck_assert_msg(one(crit_ext, n, &crit) == -1, "cut to %zu", n);
	/* An inner length that overruns the Extension. */
	{
		static const uint8_t overrun[] = {0x30, 0x09, 0x06, 0x03,
		                                  0x55, 0x1d, 0x11, 0x04,
		                                  0x03, 0x30, 0x00};

		ck_assert_int_eq(one(overrun, sizeof(overrun), &crit), -1);
	}
}
END_TEST

/* A list: each call takes one; what follows the last must parse too. */
START_TEST(test_ext_list_and_trailing)
{
	static const uint8_t two[] = {EXT_SAN, EXT_SAN_CRIT};
	static const uint8_t trailing[] = {EXT_SAN, 0x00};
	struct der exts = EXACT(two), oid, val, saved;
	int crit;

	ck_assert_int_eq(der_next_extension(&exts, &oid, &crit, &val), 0);
	ck_assert_int_eq(crit, DER_EXT_NOT_CRITICAL);
	ck_assert_uint_eq(exts.len, sizeof(two) - 11);
	ck_assert_int_eq(der_next_extension(&exts, &oid, &crit, &val), 0);
	ck_assert_int_eq(crit, DER_EXT_CRITICAL);
	ck_assert_uint_eq(exts.len, 0);
	ck_assert_int_eq(der_next_extension(&exts, &oid, &crit, &val), -1);

	exts = EXACT(trailing);
	ck_assert_int_eq(der_next_extension(&exts, &oid, &crit, &val), 0);
	ck_assert_uint_eq(exts.len, 1);
	saved = exts;
	ck_assert_int_eq(der_next_extension(&exts, &oid, &crit, &val), -1);
	ck_assert_ptr_eq(exts.p, saved.p);
	ck_assert_uint_eq(exts.len, 1);
}
END_TEST

/* der_hash_oid: BearSSL's DigestInfo OIDs for the five hashes, else NULL. */
/* ------------------------------------------------------------------ */
/* A certificate's purpose: TLS client use */

/* out = tag, length (< 128), v; the bytes written. */
static size_t
tlv(uint8_t *out, uint8_t tag, const uint8_t *v, size_t n)
{
	ck_assert_uint_lt(n, 128);
	out[0] = tag;
	out[1] = (uint8_t)n;
	memcpy(out + 2, v, n);
	return n + 2;
}

/* An Extension (critical when crit) with extnID oid and extnValue v. */
static size_t
extension(uint8_t *out, const uint8_t *oid, size_t oid_len, int crit,
          const uint8_t *v, size_t n)
{
	static const uint8_t critical[] = {0x01, 0x01, 0xff};
	uint8_t body[120];
	size_t len = tlv(body, DER_OID, oid, oid_len);

	if (crit) {
		memcpy(body + len, critical, sizeof critical);
		len += sizeof critical;
	}
	len += tlv(body + len, DER_OCTET_STRING, v, n);
	return tlv(out, DER_SEQUENCE, body, len);
}

/* rest of a TBSCertificate after the SPKI: [3] { SEQUENCE { exts } }. */
static int
purpose_of(const uint8_t *exts, size_t n)
{
	uint8_t seq[128], rest[130];
	size_t len = tlv(seq, DER_SEQUENCE, exts, n);

	len = tlv(rest, DER_CTX_CONS(3), seq, len);
	return der_cert_client_purpose(exact(rest, len));
}

static const uint8_t oid_eku[] = {0x55, 0x1d, 0x25};
static const uint8_t oid_ku[] = {0x55, 0x1d, 0x0f};
static const uint8_t oid_bc[] = {0x55, 0x1d, 0x13};
#define KP(n) 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, (n)

/* One Extension of a table: extnID, critical, extnValue. */
struct ext_case {
	const uint8_t *oid;
	int crit;
	const uint8_t *v;
	size_t n;
};
#define EXT(oid, crit, v)                                                      \
	{                                                                      \
		(oid), (crit), (v), sizeof(v)                                  \
	}

/* The verdict on the extensions a and, when b.oid is set, b after it. */
static int
purpose_of_pair(struct ext_case a, struct ext_case b)
{
	uint8_t e[128];
	size_t n = extension(e, a.oid, 3, a.crit, a.v, a.n);

	if (b.oid != NULL)
		n += extension(e + n, b.oid, 3, b.crit, b.v, b.n);
	return purpose_of(e, n);
}

static const uint8_t eku_client[] = {0x30, 0x0a, KP(2)};
static const uint8_t eku_server[] = {0x30, 0x0a, KP(1)};
static const uint8_t ku_enc[] = {0x03, 0x02, 0x05, 0x20};

START_TEST(test_client_purpose)
{
	static const uint8_t eku_both[] = {0x30, 0x14, KP(1), KP(2)};
	/* anyExtendedKeyUsage (2.5.29.37.0) alone, as OpenSSL: not enough */
	static const uint8_t eku_any[] = {0x30, 0x06, 0x06, 0x04,
	                                  0x55, 0x1d, 0x25, 0x00};
	static const uint8_t ku_sig[] = {0x03, 0x02, 0x07, 0x80};
	static const uint8_t ku_sig_enc[] = {0x03, 0x02, 0x05, 0xa0};
	static const uint8_t ku_agree[] = {0x03, 0x02, 0x03, 0x08};
	static const uint8_t bc_leaf[] = {0x30, 0x00};
	static const struct {
		struct ext_case a, b;
		int want;
	} cases[] = {
	    {EXT(oid_bc, 1, bc_leaf), {0}, DER_PURPOSE_OK},
	    {EXT(oid_eku, 0, eku_client), {0}, DER_PURPOSE_OK},
	    {EXT(oid_eku, 0, eku_both), {0}, DER_PURPOSE_OK},
	    {EXT(oid_eku, 0, eku_server), {0}, DER_PURPOSE_NO_CLIENT_AUTH},
	    {EXT(oid_eku, 1, eku_any), {0}, DER_PURPOSE_NO_CLIENT_AUTH},
	    {EXT(oid_ku, 1, ku_sig), {0}, DER_PURPOSE_OK},
	    {EXT(oid_ku, 1, ku_sig_enc), {0}, DER_PURPOSE_OK},
	    {EXT(oid_ku, 1, ku_enc), {0}, DER_PURPOSE_NO_SIGNATURE},
	    {EXT(oid_ku, 1, ku_agree), {0}, DER_PURPOSE_NO_SIGNATURE},
	    /* Both present: the extendedKeyUsage verdict comes first. */
	    {EXT(oid_ku, 1, ku_enc), EXT(oid_eku, 0, eku_server),
	     DER_PURPOSE_NO_CLIENT_AUTH},
	    {EXT(oid_eku, 0, eku_client), EXT(oid_ku, 1, ku_enc),
	     DER_PURPOSE_NO_SIGNATURE},
	};

	/* No extensions at all. */
	ck_assert_int_eq(der_cert_client_purpose(exact(NULL, 0)),
	                 DER_PURPOSE_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(purpose_of_pair(cases[i].a, cases[i].b) ==
		                  cases[i].want,
		              "case %zu", i);
}
END_TEST

START_TEST(test_client_purpose_malformed)
{
	static const uint8_t eku_empty[] = {0x30, 0x00};
	static const uint8_t eku_not_oid[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	static const uint8_t eku_trailing[] = {0x30, 0x0a, KP(2), 0x00};
	static const uint8_t ku_empty[] = {0x03, 0x00};
	static const uint8_t ku_no_bits_unused[] = {0x03, 0x01, 0x01};
	static const uint8_t ku_unused_8[] = {0x03, 0x02, 0x08, 0x80};
	static const uint8_t ku_not_bits[] = {0x04, 0x02, 0x07, 0x80};
	static const struct {
		struct ext_case a, b;
	} cases[] = {
	    {EXT(oid_eku, 0, eku_empty), {0}},
	    {EXT(oid_eku, 0, eku_not_oid), {0}},
	    {EXT(oid_eku, 0, eku_trailing), {0}},
	    {EXT(oid_ku, 1, ku_empty), {0}},
	    {EXT(oid_ku, 1, ku_no_bits_unused), {0}},
	    {EXT(oid_ku, 1, ku_unused_8), {0}},
	    {EXT(oid_ku, 1, ku_not_bits), {0}},
	    /* The same extension twice: which one would count? */
	    {EXT(oid_eku, 0, eku_client), EXT(oid_eku, 0, eku_client)},
	    {EXT(oid_ku, 1, ku_enc), EXT(oid_ku, 1, ku_enc)},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(purpose_of_pair(cases[i].a, cases[i].b) == -1,
		              "case %zu", i);
}
END_TEST

/* Real certificates (tests/unit/fixtures/purpose, made by openssl). */
START_TEST(test_client_purpose_fixtures)
{
	static const struct {
		const char *file;
		int want;
	} cases[] = {
	    {"tests/unit/fixtures/purpose/client.pem", DER_PURPOSE_OK},
	    {"tests/unit/fixtures/purpose/both.pem", DER_PURPOSE_OK},
	    {"tests/unit/fixtures/purpose/noext.pem", DER_PURPOSE_OK},
	    /* keyCertSign, cRLSign: a CA's key, not a client's */
	    {"tests/unit/fixtures/purpose/root.pem", DER_PURPOSE_NO_SIGNATURE},
	    {"tests/unit/fixtures/purpose/server.pem",
	     DER_PURPOSE_NO_CLIENT_AUTH},
	    {"tests/unit/fixtures/purpose/anyeku.pem",
	     DER_PURPOSE_NO_CLIENT_AUTH},
	    {"tests/unit/fixtures/purpose/nosig.pem", DER_PURPOSE_NO_SIGNATURE},
	    {"tests/unit/fixtures/x509/leaf.pem", DER_PURPOSE_OK},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct der_cert_ids ids;
		struct der d, rest, spki;

		ck_assert_uint_eq(
		    fixture_load_pem(cases[i].file, "CERTIFICATE", &cert, 1),
		    1);
		d = exact(cert.data, cert.len);
		ck_assert_int_eq(der_cert_ids(d.p, d.len, &ids, &rest), 0);
		ck_assert_int_eq(der_expect(&rest, DER_SEQUENCE, &spki), 0);
		ck_assert_msg(der_cert_client_purpose(rest) == cases[i].want,
		              "%s", cases[i].file);
	}
}
END_TEST

START_TEST(test_hash_oid)
{
	static const struct {
		int id;
		const unsigned char *oid;
	} want[] = {
	    {br_sha1_ID, BR_HASH_OID_SHA1},
	    {br_sha224_ID, BR_HASH_OID_SHA224},
	    {br_sha256_ID, BR_HASH_OID_SHA256},
	    {br_sha384_ID, BR_HASH_OID_SHA384},
	    {br_sha512_ID, BR_HASH_OID_SHA512},
	};

	/* The same bytes (a length, then the OID): literals may not be
	 * merged into one address. */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const unsigned char *got = der_hash_oid(want[i].id);

		ck_assert_ptr_nonnull(got);
		ck_assert_mem_eq(got, want[i].oid, (size_t)want[i].oid[0] + 1);
	}
	ck_assert_ptr_null(der_hash_oid(0));
	ck_assert_ptr_null(der_hash_oid(br_md5_ID));
	ck_assert_ptr_null(der_hash_oid(7));
}
END_TEST

static Suite *
der_suite(void)
{
	Suite *s = suite_create("der");
	TCase *tc;

	tc = tcase_create("certificate");
	tcase_add_test(tc, test_cert_ids);
	tcase_add_test(tc, test_cert_ids_malformed);
	tcase_add_test(tc, test_spki_and_ca_as_bearssl);
	tcase_add_test(tc, test_spki_refused);
	tcase_add_test(tc, test_name_cn);
	tcase_add_test(tc, test_name_cn_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("serial");
	tcase_add_test(tc, test_serial_values);
	tcase_add_test(tc, test_serial_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("extensions");
	tcase_add_test(tc, test_ext_plain);
	tcase_add_test(tc, test_ext_critical);
	tcase_add_test(tc, test_ext_bad_critical);
	tcase_add_test(tc, test_ext_shapes);
	tcase_add_test(tc, test_ext_truncated);
	tcase_add_test(tc, test_ext_list_and_trailing);
	tcase_add_test(tc, test_hash_oid);
	tcase_add_test(tc, test_client_purpose);
	tcase_add_test(tc, test_client_purpose_malformed);
	tcase_add_test(tc, test_client_purpose_fixtures);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(der_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(copy);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

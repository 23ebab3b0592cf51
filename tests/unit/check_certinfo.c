/*
 * Unit tests for certinfo.c, what --check reports of a certificate: its
 * fields from the fixtures of tests/unit/fixtures/x509 (run from the
 * repository root; see make-fixtures.sh for what each holds), the SAN
 * text, times as ISO 8601, days left, validity verdicts and signatures
 * along the fixture chain. Certificates are read from exact-size heap
 * copies so that AddressSanitizer sees any read past them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "x509/certinfo.h"
#include "x509/dn.h"

#define X509_DIR "tests/unit/fixtures/x509/"
#define T2020    1577836800LL /* 2020-01-01T00:00:00Z */
#define T2120    4733510400LL /* 2120-01-01T00:00:00Z */

static uint8_t *copies[4];

/* Fixture file name (its first certificate), parsed from a heap copy in
 * slot. */
static void
load(const char *name, size_t slot, struct certinfo *ci)
{
	static struct derobj obj;
	char path[128];

	snprintf(path, sizeof(path), X509_DIR "%s", name);
	ck_assert_uint_ge(fixture_load_pem(path, "CERTIFICATE", &obj, 1), 1);
	free(copies[slot]);
	copies[slot] = malloc(obj.len);
	ck_assert_ptr_nonnull(copies[slot]);
	memcpy(copies[slot], obj.data, obj.len);
	ck_assert_int_eq(certinfo_parse(copies[slot], obj.len, ci), 0);
}

static void
assert_name(const struct der *name, const char *want)
{
	char text[DN_TEXT_MAX];

	ck_assert_int_gt(dn_rfc2253(name->p, name->len, text, sizeof(text)), 0);
	ck_assert_str_eq(text, want);
}

START_TEST(test_leaf_fields)
{
	struct certinfo ci;
	char san[CERTINFO_SAN_MAX];

	load("leaf.pem", 0, &ci);
	assert_name(&ci.subject, "CN=cn.example.net");
	assert_name(&ci.issuer, "CN=pgstunnel test intermediate");
	ck_assert_int_eq(ci.not_before, T2020);
	ck_assert_int_eq(ci.not_after, T2120);
	ck_assert(ci.key_known);
	ck_assert_int_eq(ci.pkey.key_type, BR_KEYTYPE_EC);
	ck_assert(ci.has_alg);
	ck_assert_int_eq(ci.alg.key_type, BR_KEYTYPE_RSA);
	ck_assert_int_eq(ci.alg.hash_id, br_sha256_ID);
	ck_assert(!ci.is_ca);
	ck_assert(ci.has_san);
	ck_assert_int_gt(certinfo_san_text(&ci.san, san, sizeof(san)), 0);
	ck_assert_str_eq(san, "DNS:db.example.com,DNS:*.pg.example.com,"
	                      "IP:192.0.2.10,IP:2001:db8::10");
}
END_TEST

START_TEST(test_ca_fields)
{
	struct certinfo ci;

	load("root.pem", 0, &ci);
	assert_name(&ci.subject, "CN=pgstunnel test root");
	ck_assert(der_is(&ci.subject, ci.issuer.p, ci.issuer.len));
	ck_assert(ci.is_ca);
	ck_assert(!ci.has_san);
	ck_assert_int_eq(ci.pkey.key_type, BR_KEYTYPE_EC);
	load("inter.pem", 1, &ci);
	ck_assert(ci.is_ca);
	ck_assert_int_eq(ci.alg.key_type, BR_KEYTYPE_EC);
	load("expired.pem", 2, &ci);
	ck_assert_int_eq(ci.not_before, 946684800LL); /* 2000-01-01 */
	ck_assert_int_eq(ci.not_after, 978307200LL);  /* 2001-01-01 */
}
END_TEST

START_TEST(test_san_text)
{
	struct certinfo ci;
	char san[CERTINFO_SAN_MAX];
	int n;

	load("cn-only.pem", 0, &ci);
	ck_assert(!ci.has_san);
	load("ip-only.pem", 0, &ci);
	ck_assert_int_eq(certinfo_san_text(&ci.san, san, sizeof(san)), 12);
	ck_assert_str_eq(san, "IP:192.0.2.7");
	/* Exactly the room needed, then one byte less. */
	ck_assert_int_eq(certinfo_san_text(&ci.san, san, 13), 12);
	ck_assert_int_eq(certinfo_san_text(&ci.san, san, 12), -1);
	ck_assert_int_eq(certinfo_san_text(&ci.san, san, 0), -1);
	/* A NUL inside a DNS name cannot hide what follows it. */
	load("nul-san.pem", 0, &ci);
	n = certinfo_san_text(&ci.san, san, sizeof(san));
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(san,
	                 "DNS:db.example.com?.evil.net,DNS:db.example.com");
	/* An iPAddress of 5 bytes is malformed. */
	load("bad-ip.pem", 0, &ci);
	ck_assert_int_eq(certinfo_san_text(&ci.san, san, sizeof(san)), -1);
}
END_TEST

START_TEST(test_signatures)
{
	struct certinfo leaf, inter, root, other;

	load("leaf.pem", 0, &leaf);
	load("inter.pem", 1, &inter);
	load("root.pem", 2, &root);
	load("other-root.pem", 3, &other);
	ck_assert_int_eq(certinfo_signed_by(&leaf, &inter.pkey), 1);
	ck_assert_int_eq(certinfo_signed_by(&inter, &root.pkey), 1);
	ck_assert_int_eq(certinfo_signed_by(&root, &root.pkey), 1);
	/* The wrong signer, of the right and of the wrong key type. */
	ck_assert_int_eq(certinfo_signed_by(&leaf, &leaf.pkey), 0);
	ck_assert_int_eq(certinfo_signed_by(&leaf, &root.pkey), 0);
	ck_assert_int_eq(certinfo_signed_by(&inter, &other.pkey), 0);
	/* A damaged signature. */
	{
		uint8_t *sig = (uint8_t *)(uintptr_t)leaf.sig.p;

		sig[leaf.sig.len / 2] ^= 0x01;
		ck_assert_int_eq(certinfo_signed_by(&leaf, &inter.pkey), 0);
	}
	/* An algorithm signature does not know. */
	leaf.has_alg = 0;
	ck_assert_int_eq(certinfo_signed_by(&leaf, &inter.pkey), -1);
}
END_TEST

/* Every proper prefix of a certificate, and one byte more, is refused. */
START_TEST(test_truncated)
{
	static struct derobj obj;
	struct certinfo ci;

	ck_assert_uint_eq(
	    fixture_load_pem(X509_DIR "leaf.pem", "CERTIFICATE", &obj, 1), 1);
	for (size_t n = 0; n < obj.len; n++) {
		uint8_t *p = malloc(n > 0 ? n : 1);

		ck_assert_ptr_nonnull(p);
		memcpy(p, obj.data, n);
		ck_assert_int_eq(certinfo_parse(p, n, &ci), -1);
		free(p);
	}
	ck_assert_uint_lt(obj.len, sizeof(obj.data));
	obj.data[obj.len] = 0;
	ck_assert_int_eq(certinfo_parse(obj.data, obj.len + 1, &ci), -1);
}
END_TEST

START_TEST(test_time_text)
{
	static const struct {
		int64_t t;
		const char *text;
	} cases[] = {
	    {0, "1970-01-01T00:00:00Z"},
	    {-1, "1969-12-31T23:59:59Z"},
	    {951782400, "2000-02-29T00:00:00Z"},
	    {T2120 - 1, "2119-12-31T23:59:59Z"},
	    {253402300799LL, "9999-12-31T23:59:59Z"},
	    {-2208988800LL, "1900-01-01T00:00:00Z"},
	};
	char out[CERTINFO_TIME_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(
		    certinfo_time_text(cases[i].t, out, sizeof(out)), 20);
		ck_assert_str_eq(out, cases[i].text);
	}
	ck_assert_int_eq(certinfo_time_text(0, out, 20), -1);
	ck_assert_int_eq(certinfo_time_text(0, out, 21), 20);
}
END_TEST

START_TEST(test_days_and_verdicts)
{
	const int64_t now = T2020;

	ck_assert_int_eq(certinfo_days_left(now + 86399, now), 0);
	ck_assert_int_eq(certinfo_days_left(now + 86400, now), 1);
	ck_assert_int_eq(certinfo_days_left(now + 5 * 86400 - 60, now), 4);
	ck_assert_int_eq(certinfo_days_left(now - 1, now), -1);
	ck_assert_int_eq(certinfo_days_left(now - 86400, now), -1);
	ck_assert_int_eq(certinfo_days_left(now - 86401, now), -2);

	ck_assert_int_eq(certinfo_when(now - 10, now + 31 * 86400, now, 30),
	                 CERTINFO_VALID);
	ck_assert_int_eq(certinfo_when(now - 10, now + 30 * 86400, now, 30),
	                 CERTINFO_VALID);
	ck_assert_int_eq(certinfo_when(now - 10, now + 30 * 86400 - 1, now, 30),
	                 CERTINFO_EXPIRING);
	ck_assert_int_eq(certinfo_when(now - 10, now + 5 * 86400, now, 3),
	                 CERTINFO_VALID);
	ck_assert_int_eq(certinfo_when(now - 10, now + 1, now, 0),
	                 CERTINFO_VALID);
	ck_assert_int_eq(certinfo_when(now - 10, now, now, 30),
	                 CERTINFO_EXPIRED);
	ck_assert_int_eq(certinfo_when(now, now + 1, now, 0), CERTINFO_VALID);
	ck_assert_int_eq(certinfo_when(now + 1, now + 86400 * 90, now, 30),
	                 CERTINFO_NOT_YET_VALID);
}
END_TEST

static Suite *
certinfo_suite(void)
{
	Suite *s = suite_create("certinfo");
	TCase *tc = tcase_create("certinfo");

	tcase_add_test(tc, test_leaf_fields);
	tcase_add_test(tc, test_ca_fields);
	tcase_add_test(tc, test_san_text);
	tcase_add_test(tc, test_signatures);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_time_text);
	tcase_add_test(tc, test_days_and_verdicts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(certinfo_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++)
		free(copies[i]);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

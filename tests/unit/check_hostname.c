/*
 * Unit tests for hostname: hostname_match() against libpq's rules, and
 * on malformed input.
 *
 * Fixtures: the PEM files in tests/unit/fixtures/x509, made by the script
 * make-fixtures.sh there, which lists what each certificate holds. Run
 * from the repository root.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "x509/hostname.h"

#define FIXDIR "tests/unit/fixtures/x509/"

/* The CERTIFICATE objects of a fixture; returns how many. */
static size_t
load_certs(const char *name, struct derobj *out, size_t max)
{
	char path[256];

	snprintf(path, sizeof(path), FIXDIR "%s", name);
	return fixture_load_pem(path, "CERTIFICATE", out, max);
}

static struct derobj one_cert;

static const struct derobj *
load_one(const char *name)
{
	ck_assert_uint_eq(load_certs(name, &one_cert, 1), 1);
	return &one_cert;
}

/* hostname_match() on an exact-size heap copy, so ASan sees overreads. */
static int
check_exact(const unsigned char *der, size_t len, const char *host)
{
	unsigned char *copy;
	int r;

	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	if (len > 0)
		memcpy(copy, der, len);
	r = hostname_match(copy, len, host);
	free(copy);
	return r;
}

static int
hc(const char *fixture, const char *host)
{
	const struct derobj *c = load_one(fixture);

	return check_exact(c->data, c->len, host);
}

/* ------------------------------------------------------------------ */
/* hostname_match: DNS names */

START_TEST(test_dns_exact)
{
	ck_assert_int_eq(hc("leaf.pem", "db.example.com"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("leaf.pem", "db.example.co"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("leaf.pem", "xdb.example.com"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("leaf.pem", "db.example.com."), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("leaf.pem", "example.com"), HOSTNAME_MISMATCH);
}
END_TEST

START_TEST(test_dns_case)
{
	ck_assert_int_eq(hc("leaf.pem", "DB.Example.COM"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("cn-only.pem", "DB.EXAMPLE.COM"), HOSTNAME_MATCH);
}
END_TEST

START_TEST(test_wildcard_one_label)
{
	ck_assert_int_eq(hc("leaf.pem", "a.pg.example.com"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("leaf.pem", "Replica-1.PG.example.COM"),
	                 HOSTNAME_MATCH);
}
END_TEST

START_TEST(test_wildcard_not_two_labels)
{
	ck_assert_int_eq(hc("leaf.pem", "a.b.pg.example.com"),
	                 HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("leaf.pem", "a.b.c.pg.example.com"),
	                 HOSTNAME_MISMATCH);
}
END_TEST

START_TEST(test_wildcard_not_bare_domain)
{
	ck_assert_int_eq(hc("leaf.pem", "pg.example.com"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("leaf.pem", ".pg.example.com"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("leaf.pem", "*.pg.example.com"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("leaf.pem", "apg.example.com"), HOSTNAME_MISMATCH);
}
END_TEST

/* ------------------------------------------------------------------ */
/* hostname_match: IP addresses */

START_TEST(test_ip_v4)
{
	ck_assert_int_eq(hc("leaf.pem", "192.0.2.10"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("leaf.pem", "192.0.2.11"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("leaf.pem", "10.2.0.192"), HOSTNAME_MISMATCH);
	/* libpq parses IPv4 with inet_aton(): 192.0.2.10 as one number */
	ck_assert_int_eq(hc("leaf.pem", "3221225994"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("ip-only.pem", "192.0.2.7"), HOSTNAME_MATCH);
}
END_TEST

START_TEST(test_ip_v6)
{
	ck_assert_int_eq(hc("leaf.pem", "2001:db8::10"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("leaf.pem", "2001:DB8:0:0:0::10"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("leaf.pem", "2001:db8::11"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("leaf.pem", "::ffff:192.0.2.10"),
	                 HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("leaf.pem", "::1"), HOSTNAME_MISMATCH);
}
END_TEST

START_TEST(test_ip_host_dns_only_cert)
{
	/* dNSName db.example.com, CN cn.example.com: no address at all */
	ck_assert_int_eq(hc("dns-only.pem", "192.0.2.10"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("dns-only.pem", "2001:db8::10"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("cn-only.pem", "192.0.2.10"), HOSTNAME_MISMATCH);
}
END_TEST

START_TEST(test_dns_host_ip_only_cert)
{
	/* A DNS host is never compared with an iPAddress; the CN is. */
	ck_assert_int_eq(hc("ip-only.pem", "other.example.com"),
	                 HOSTNAME_MISMATCH);
}
END_TEST

/* ------------------------------------------------------------------ */
/* hostname_match: the subject CN */

START_TEST(test_cn_fallback_no_san)
{
	ck_assert_int_eq(hc("cn-only.pem", "db.example.com"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("cn-only.pem", "x.example.com"), HOSTNAME_MISMATCH);
}
END_TEST

START_TEST(test_cn_ignored_with_dns_san)
{
	ck_assert_int_eq(hc("leaf.pem", "cn.example.net"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("dns-only.pem", "cn.example.com"),
	                 HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("dns-only.pem", "db.example.com"), HOSTNAME_MATCH);
}
END_TEST

START_TEST(test_cn_libpq_ip_rules)
{
	/*
	 * libpq 15+: for an IP host the CN is checked when there is no
	 * iPAddress SAN, even if dNSName SANs exist ...
	 */
	ck_assert_int_eq(hc("cn-ip.pem", "192.0.2.5"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("cn-ip.pem", "192.0.2.6"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("cn-ip.pem", "db.example.com"), HOSTNAME_MATCH);
	/* ... and for a DNS host when there is no dNSName SAN ... */
	ck_assert_int_eq(hc("ip-only.pem", "db.example.com"), HOSTNAME_MATCH);
	/* ... but not for an IP host when an iPAddress SAN exists. */
	ck_assert_int_eq(hc("ip-cn.pem", "192.0.2.99"), HOSTNAME_MISMATCH);
	ck_assert_int_eq(hc("ip-cn.pem", "192.0.2.7"), HOSTNAME_MATCH);
}
END_TEST

/* ------------------------------------------------------------------ */
/* hostname_match: malformed names and input */

START_TEST(test_embedded_nul)
{
	/* The first dNSName holds a NUL: libpq fails before the good one. */
	ck_assert_int_eq(hc("nul-san.pem", "db.example.com"),
	                 HOSTNAME_BAD_NAME);
	ck_assert_int_eq(hc("nul-san.pem", "other.example.com"),
	                 HOSTNAME_BAD_NAME);
}
END_TEST

START_TEST(test_bad_ip_length)
{
	ck_assert_int_eq(hc("bad-ip.pem", "db.example.com"), HOSTNAME_BAD_NAME);
	ck_assert_int_eq(hc("bad-ip.pem", "192.0.2.10"), HOSTNAME_BAD_NAME);
}
END_TEST

START_TEST(test_no_host)
{
	const struct derobj *c = load_one("leaf.pem");

	ck_assert_int_eq(hostname_match(c->data, c->len, NULL),
	                 HOSTNAME_MISMATCH);
	ck_assert_int_eq(hostname_match(c->data, c->len, ""),
	                 HOSTNAME_MISMATCH);
	ck_assert_int_eq(hostname_match(NULL, 0, "db.example.com"),
	                 HOSTNAME_BAD_CERT);
}
END_TEST

START_TEST(test_big_san)
{
	ck_assert_int_eq(hc("big.pem", "db.example.com"), HOSTNAME_MATCH);
	ck_assert_int_eq(hc("big.pem", "host399.big.example.com"),
	                 HOSTNAME_MATCH);
	ck_assert_int_eq(hc("big.pem", "host400.big.example.com"),
	                 HOSTNAME_MISMATCH);
}
END_TEST

/* Every proper prefix of a certificate is refused, without overreads. */
static void
all_truncations(const char *fixture, const char *host)
{
	static struct derobj c;
	size_t n;

	ck_assert_uint_eq(load_certs(fixture, &c, 1), 1);
	ck_assert_int_eq(check_exact(c.data, c.len, host), HOSTNAME_MATCH);
	for (n = 0; n < c.len; n++)
		ck_assert_msg(check_exact(c.data, n, host) == HOSTNAME_BAD_CERT,
		              "%s cut to %zu bytes", fixture, n);
}

START_TEST(test_truncated)
{
	all_truncations("leaf.pem", "db.example.com");
	all_truncations("cn-only.pem", "db.example.com");
	all_truncations("big.pem", "db.example.com");
}
END_TEST

START_TEST(test_trailing_garbage)
{
	const struct derobj *c = load_one("leaf.pem");
	unsigned char buf[FIXTURE_DER_MAX + 1];

	memcpy(buf, c->data, c->len);
	buf[c->len] = 0;
	ck_assert_int_eq(check_exact(buf, c->len + 1, "db.example.com"),
	                 HOSTNAME_BAD_CERT);
}
END_TEST

static int
valid_result(int r)
{
	return r == HOSTNAME_MATCH || r == HOSTNAME_MISMATCH ||
	       r == HOSTNAME_BAD_CERT || r == HOSTNAME_BAD_NAME;
}

/* Flip each byte of a real certificate in turn: no crash, no overread. */
START_TEST(test_mutations)
{
	static struct derobj c;
	size_t i;
	unsigned char saved;
	static const unsigned char flips[] = {0xff, 0x80, 0x01, 0x7f};
	size_t f;

	ck_assert_uint_eq(load_certs("leaf.pem", &c, 1), 1);
	for (f = 0; f < sizeof(flips); f++) {
		for (i = 0; i < c.len; i++) {
			saved = c.data[i];
			c.data[i] ^= flips[f];
			ck_assert(valid_result(
			    check_exact(c.data, c.len, "db.example.com")));
			ck_assert(valid_result(
			    check_exact(c.data, c.len, "192.0.2.10")));
			c.data[i] = saved;
		}
	}
}
END_TEST

START_TEST(test_garbage)
{
	/* Hand-made bad headers: indefinite, non-minimal, huge lengths. */
	static const unsigned char bad[][8] = {
	    {0x30, 0x80, 0x00, 0x00},
	    {0x30, 0x81, 0x02, 0x30, 0x00},
	    {0x30, 0x84, 0xff, 0xff, 0xff, 0xff},
	    {0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	    {0x30, 0x82, 0x00, 0x03, 0x30, 0x01, 0x00},
	    {0x1f, 0x81, 0x01, 0x00},
	    {0x30, 0x02, 0x30, 0x00},
	    {0x30, 0x06, 0x30, 0x00, 0x30, 0x00, 0x03, 0x00},
	};
	unsigned char buf[512] = {0};
	unsigned long x = 12345;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (n = 0; n <= sizeof(bad[0]); n++)
			ck_assert_int_eq(check_exact(bad[i], n, "a.example"),
			                 HOSTNAME_BAD_CERT);

	/* Pseudo-random bytes, some starting like a certificate. */
	for (n = 0; n < 2000; n++) {
		size_t len = n % sizeof(buf);

		for (i = 0; i < len; i++) {
			x = x * 1103515245UL + 12345UL;
			buf[i] = (unsigned char)(x >> 16);
		}
		if (len >= 4 && (n & 1)) {
			buf[0] = 0x30;
			buf[1] = 0x82;
			buf[2] = (unsigned char)((len - 4) >> 8);
			buf[3] = (unsigned char)(len - 4);
		}
		ck_assert(valid_result(check_exact(buf, len, "a.example")));
	}
}
END_TEST

static Suite *
hostname_suite(void)
{
	Suite *s = suite_create("hostname");
	TCase *tc;

	tc = tcase_create("hostname");
	tcase_add_test(tc, test_dns_exact);
	tcase_add_test(tc, test_dns_case);
	tcase_add_test(tc, test_wildcard_one_label);
	tcase_add_test(tc, test_wildcard_not_two_labels);
	tcase_add_test(tc, test_wildcard_not_bare_domain);
	tcase_add_test(tc, test_ip_v4);
	tcase_add_test(tc, test_ip_v6);
	tcase_add_test(tc, test_ip_host_dns_only_cert);
	tcase_add_test(tc, test_dns_host_ip_only_cert);
	tcase_add_test(tc, test_cn_fallback_no_san);
	tcase_add_test(tc, test_cn_ignored_with_dns_san);
	tcase_add_test(tc, test_cn_libpq_ip_rules);
	tcase_add_test(tc, test_embedded_nul);
	tcase_add_test(tc, test_bad_ip_length);
	tcase_add_test(tc, test_no_host);
	tcase_add_test(tc, test_big_san);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_trailing_garbage);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(hostname_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

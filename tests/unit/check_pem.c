/*
 * Unit tests for pem.c: what the walk hands to its sink, and which
 * malformed bodies it refuses. Whole files (chains, keys, CRLs) are
 * tested through keys.c and crl.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "x509/pem.h"

/* What the sink saw: "B<kind>" and "E" marks around the decoded bytes. */
static uint8_t seen[4096];
static size_t seen_len;
static int begin_result;

static void
note(const void *p, size_t len)
{
	ck_assert_uint_le(len, sizeof seen - seen_len);
	memcpy(seen + seen_len, p, len);
	seen_len += len;
}

static int
on_begin(void *ctx, enum pem_kind kind)
{
	uint8_t mark[2] = {'B', (uint8_t)('0' + kind)};

	(void)ctx;
	note(mark, 2);
	return begin_result;
}

static void
on_data(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	note(buf, len);
}

static int
on_end(void *ctx)
{
	(void)ctx;
	note("E", 1);
	return 0;
}

static int
walk(const char *text)
{
	struct pem_sink sink = {on_begin, on_data, on_end, NULL};

	seen_len = 0;
	return pem_walk((const uint8_t *)text, strlen(text), &sink);
}

static void
assert_seen(const char *want)
{
	ck_assert_uint_eq(seen_len, strlen(want));
	ck_assert_mem_eq(seen, want, seen_len);
}

START_TEST(decodes_and_names)
{
	static const struct {
		const char *text, *seen;
	} cases[] = {
	    {"-----BEGIN CERTIFICATE-----\nYWJj\n-----END CERTIFICATE-----\n",
	     "B1abcE"},
	    /* CRLF, a trailing blank, no final newline */
	    {"-----BEGIN PRIVATE KEY----- \r\nYWJj\r\n-----END PRIVATE "
	     "KEY-----",
	     "B2abcE"},
	    /* padding; a group cut by a line end; blanks in a line */
	    {"-----BEGIN X509 CRL-----\nYW\nJjZA==\n-----END X509 CRL-----\n",
	     "B4abcdE"},
	    {"-----BEGIN ENCRYPTED PRIVATE KEY-----\nYW Jj\tZGU=\n-----END "
	     "ENCRYPTED PRIVATE KEY-----\n",
	     "B3abcdeE"},
	    /* text around objects; other labels; two objects */
	    {"subject=CN=x\n-----BEGIN EC PARAMETERS-----\nYQ==\n-----END EC "
	     "PARAMETERS-----\nnote\n-----BEGIN EC PRIVATE KEY-----\nYg==\n"
	     "-----END EC PRIVATE KEY-----\ntrailer\n",
	     "B0aEB2bE"},
	    /* a BEGIN line without its closing dashes is text */
	    {"-----BEGIN CERTIFICATE\nYWJj\n", ""},
	    {"", ""},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(walk(cases[i].text) == 0, "case %zu", i);
		assert_seen(cases[i].seen);
	}
}
END_TEST

START_TEST(refuses_bad_bodies)
{
	static const char *const bodies[] = {
	    "YWJ\n",                  /* a group cut short */
	    "Y===\n",                 /* padding after one digit */
	    "YQ==YWJj\n",             /* data after the padding */
	    "YQ==\nYWJj\n", "YW*j\n", /* not base64 */
	    "-----\n",                /* a dash line that is no END */
	    "YQ=a\n",                 /* a digit after '=' */
	    "\xc3\xa9YWJ\n"           /* 8-bit bytes */
	};
	char text[256];

	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		snprintf(text, sizeof text,
		         "-----BEGIN CERTIFICATE-----\n%s-----END "
		         "CERTIFICATE-----\n",
		         bodies[i]);
		ck_assert_msg(walk(text) == PEM_WALK_BAD, "body %zu: %s", i,
		              bodies[i]);
	}
	/* No END line: a truncated file. */
	ck_assert_int_eq(walk("-----BEGIN CERTIFICATE-----\nYWJj\n"),
	                 PEM_WALK_BAD);
}
END_TEST

START_TEST(control_bytes_are_blanks)
{
	/* As BearSSL's decoder had it: NUL and other control bytes in a
	 * body line are skipped like blanks. */
	static const char text[] = "-----BEGIN CERTIFICATE-----\nYW\x01Jj\n"
	                           "-----END CERTIFICATE-----\n";

	ck_assert_int_eq(walk(text), 0);
	assert_seen("B1abcE");
}
END_TEST

START_TEST(sink_status_stops_the_walk)
{
	begin_result = 7;
	ck_assert_int_eq(walk("-----BEGIN CERTIFICATE-----\nYWJj\n-----END "
	                      "CERTIFICATE-----\n"),
	                 7);
	begin_result = 0;
	assert_seen("B1");
}
END_TEST

START_TEST(long_body_in_chunks)
{
	/* 3000 bytes of 'a' ("YWFh" per three) arrive whole, in order. */
	static char text[8192];
	size_t at = 0;

	at += (size_t)snprintf(text, sizeof text,
	                       "-----BEGIN CERTIFICATE-----\n");
	for (int i = 0; i < 1000; i++) {
		memcpy(text + at, "YWFh", 4);
		at += 4;
		if (i % 16 == 15)
			text[at++] = '\n';
	}
	snprintf(text + at, sizeof text - at, "\n-----END CERTIFICATE-----\n");
	ck_assert_int_eq(walk(text), 0);
	ck_assert_uint_eq(seen_len, 2 + 3000 + 1);
	for (size_t i = 2; i < 3002; i++)
		ck_assert_uint_eq(seen[i], 'a');
}
END_TEST

static Suite *
pem_suite(void)
{
	Suite *s = suite_create("pem");
	TCase *tc = tcase_create("walk");

	tcase_add_test(tc, decodes_and_names);
	tcase_add_test(tc, refuses_bad_bodies);
	tcase_add_test(tc, control_bytes_are_blanks);
	tcase_add_test(tc, sink_status_stops_the_walk);
	tcase_add_test(tc, long_body_in_chunks);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pem_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

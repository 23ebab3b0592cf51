/*
 * Unit tests for der.c: serial numbers, and the Extensions walker that
 * hostcheck.c and crl.c share. Inputs are hand-made DER, walked from exact-size
 * heap copies so that AddressSanitizer sees any read past them.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"

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

static Suite *
der_suite(void)
{
	Suite *s = suite_create("der");
	TCase *tc;

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

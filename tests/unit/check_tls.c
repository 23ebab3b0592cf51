/*
 * Unit tests for tls.c's pure parts: the fatal alert owed after a refused
 * handshake, its record, and the names of alerts and errors.
 */
#include <check.h>
#include <string.h>

#include <bearssl.h>

#include "tls.h"
#include "x509/verifier.h"

START_TEST(test_alert_for_certificates)
{
	ck_assert_int_eq(tls_alert_for(BR_ERR_NO_CLIENT_AUTH), 116);
	ck_assert_int_eq(tls_alert_for(BR_ERR_X509_NOT_TRUSTED), 48);
	ck_assert_int_eq(tls_alert_for(BR_ERR_X509_EXPIRED), 45);
	ck_assert_int_eq(tls_alert_for(VERIFIER_ERR_REVOKED), 44);
	ck_assert_int_eq(tls_alert_for(VERIFIER_ERR_PURPOSE), 43);
	ck_assert_int_eq(tls_alert_for(BR_ERR_X509_FORBIDDEN_KEY_USAGE), 43);
	/* Every other verifier refusal: bad_certificate. */
	for (int e = BR_ERR_X509_OK + 1; e < BR_ERR_X509_OK + 32; e++) {
		int a = tls_alert_for(e);

		ck_assert_msg(a == 42 || a == 43 || a == 45 || a == 48,
		              "X.509 error %d: alert %d", e, a);
	}
	for (int e = VERIFIER_ERR_NAME; e <= VERIFIER_ERR_LAST; e++)
		ck_assert_msg(tls_alert_for(e) != 0, "verifier error %d", e);
}
END_TEST

START_TEST(test_alert_for_protocol)
{
	ck_assert_int_eq(tls_alert_for(BR_ERR_UNSUPPORTED_VERSION), 70);
	ck_assert_int_eq(tls_alert_for(BR_ERR_BAD_SIGNATURE), 51);
	ck_assert_int_eq(tls_alert_for(BR_ERR_BAD_FINISHED), 51);
	ck_assert_int_eq(tls_alert_for(BR_ERR_BAD_MAC), 20);
	ck_assert_int_eq(tls_alert_for(BR_ERR_UNEXPECTED), 10);
	ck_assert_int_eq(tls_alert_for(BR_ERR_BAD_HANDSHAKE), 50);
}
END_TEST

/* No alert where BearSSL sent one, the peer did, the transport failed,
 * or the bytes were not TLS (nothing the protocol allows to answer). */
START_TEST(test_alert_for_none)
{
	static const int none[] = {
	    BR_ERR_OK,
	    BR_ERR_IO,
	    BR_ERR_UNKNOWN_TYPE,
	    BR_ERR_BAD_VERSION,
	    BR_ERR_BAD_LENGTH,
	    BR_ERR_TOO_LARGE,
	    BR_ERR_BAD_PARAM,
	    BR_ERR_BAD_STATE,
	    BR_ERR_NO_RANDOM,
	    BR_ERR_BAD_ALERT,
	    BR_ERR_LIMIT_EXCEEDED,
	};

	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
		ck_assert_msg(tls_alert_for(none[i]) == 0, "error %d", none[i]);
	for (int a = 0; a < 256; a++) {
		ck_assert_int_eq(tls_alert_for(BR_ERR_RECV_FATAL_ALERT + a), 0);
		ck_assert_int_eq(tls_alert_for(BR_ERR_SEND_FATAL_ALERT + a), 0);
	}
}
END_TEST

START_TEST(test_alert_record)
{
	static const unsigned char want12[] = {21, 3, 3, 0, 2, 2, 48};
	static const unsigned char want10[] = {21, 3, 1, 0, 2, 2, 70};
	unsigned char rec[TLS_ALERT_RECORD_LEN];

	tls_alert_record(rec, BR_TLS12, 48);
	ck_assert_mem_eq(rec, want12, sizeof rec);
	tls_alert_record(rec, BR_TLS10, 70);
	ck_assert_mem_eq(rec, want10, sizeof rec);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(tls_alert_name(116), "certificate_required");
	ck_assert_str_eq(tls_alert_name(48), "unknown_ca");
	ck_assert_str_eq(tls_alert_name(43), "unsupported_certificate");
	/* Every alert tls_alert_for() can send has a name for the log. */
	for (int e = 0; e < 2048; e++) {
		int a = tls_alert_for(e);

		ck_assert_msg(a == 0 || tls_alert_name(a) != NULL, "alert %d",
		              a);
	}
	ck_assert_ptr_null(tls_alert_name(255));
	ck_assert_str_eq(
	    tls_strerror(VERIFIER_ERR_PURPOSE),
	    "unsupported certificate purpose (its extendedKeyUsage "
	    "lacks clientAuth, or its keyUsage digitalSignature)");
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("alerts");

	tcase_add_test(tc, test_alert_for_certificates);
	tcase_add_test(tc, test_alert_for_protocol);
	tcase_add_test(tc, test_alert_for_none);
	tcase_add_test(tc, test_alert_record);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tls_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

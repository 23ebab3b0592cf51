/* Unit tests for keyperm.c: PostgreSQL's rule for private key files. */
#include <check.h>

#include "x509/keyperm.h"

#define ROOT  0u
#define US    1000u
#define OTHER 65534u

START_TEST(test_own_file)
{
	/* Ours: 0600 or less, nothing for group or others. */
	ck_assert_int_eq(keyperm_judge(0100600, US, US), KEYPERM_OK);
	ck_assert_int_eq(keyperm_judge(0100400, US, US), KEYPERM_OK);
	ck_assert_int_eq(keyperm_judge(0100700, US, US), KEYPERM_OK);
	ck_assert_int_eq(keyperm_judge(0100640, US, US), KEYPERM_OPEN);
	ck_assert_int_eq(keyperm_judge(0100644, US, US), KEYPERM_OPEN);
	ck_assert_int_eq(keyperm_judge(0100604, US, US), KEYPERM_OPEN);
	ck_assert_int_eq(keyperm_judge(0100610, US, US), KEYPERM_OPEN);
	ck_assert_int_eq(keyperm_judge(0100620, US, US), KEYPERM_OPEN);
	ck_assert_int_eq(keyperm_judge(0100601, US, US), KEYPERM_OPEN);
}
END_TEST

START_TEST(test_root_file)
{
	/* Root's, read by root or by anyone: 0640 or less. */
	for (unsigned euid = 0; euid < 2; euid++) {
		unsigned me = euid ? US : ROOT;

		ck_assert_int_eq(keyperm_judge(0100600, ROOT, me), KEYPERM_OK);
		ck_assert_int_eq(keyperm_judge(0100640, ROOT, me), KEYPERM_OK);
		ck_assert_int_eq(keyperm_judge(0100440, ROOT, me), KEYPERM_OK);
		ck_assert_int_eq(keyperm_judge(0100400, ROOT, me), KEYPERM_OK);
		ck_assert_int_eq(keyperm_judge(0100644, ROOT, me),
		                 KEYPERM_OPEN);
		ck_assert_int_eq(keyperm_judge(0100660, ROOT, me),
		                 KEYPERM_OPEN);
		ck_assert_int_eq(keyperm_judge(0100650, ROOT, me),
		                 KEYPERM_OPEN);
		ck_assert_int_eq(keyperm_judge(0100641, ROOT, me),
		                 KEYPERM_OPEN);
		ck_assert_int_eq(keyperm_judge(0100602, ROOT, me),
		                 KEYPERM_OPEN);
	}
}
END_TEST

START_TEST(test_someone_elses_file)
{
	/* Neither root's nor ours: refused whatever the mode, also when we
	 * are root and could read it. */
	ck_assert_int_eq(keyperm_judge(0100600, OTHER, US), KEYPERM_OWNER);
	ck_assert_int_eq(keyperm_judge(0100400, OTHER, ROOT), KEYPERM_OWNER);
	ck_assert_int_eq(keyperm_judge(0100640, OTHER, ROOT), KEYPERM_OWNER);
	ck_assert_int_eq(keyperm_judge(0100644, OTHER, US), KEYPERM_OWNER);
}
END_TEST

START_TEST(test_systemd_credential)
{
	/* LoadCredential=: root's 0400 with an ACL entry for the service's
	 * user (stat shows the mask as 0440), or chowned to it, 0400. */
	ck_assert_int_eq(keyperm_judge(0100440, ROOT, OTHER), KEYPERM_OK);
	ck_assert_int_eq(keyperm_judge(0100400, OTHER, OTHER), KEYPERM_OK);
}
END_TEST

static Suite *
keyperm_suite(void)
{
	Suite *s = suite_create("keyperm");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_own_file);
	tcase_add_test(tc, test_root_file);
	tcase_add_test(tc, test_someone_elses_file);
	tcase_add_test(tc, test_systemd_credential);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(keyperm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* Unit tests for privdrop.c: ids, lookups, and (as root, in the forked
 * test process) the drop itself and that root cannot come back. */
#define _GNU_SOURCE /* getresuid */
#include <check.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "privdrop.h"

static char err[256];

START_TEST(test_parse_id)
{
	unsigned long id = 7;

	ck_assert_int_eq(privdrop_parse_id("0", &id), 0);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(privdrop_parse_id("65534", &id), 0);
	ck_assert_uint_eq(id, 65534);
	ck_assert_int_eq(privdrop_parse_id("4294967294", &id), 0);
	/* (uid_t)-1 is "no change", never an id. */
	ck_assert_int_eq(privdrop_parse_id("4294967295", &id), -1);
	ck_assert_int_eq(privdrop_parse_id("99999999999999999999", &id), -1);
	ck_assert_int_eq(privdrop_parse_id("nobody", &id), -1);
	ck_assert_int_eq(privdrop_parse_id("12x", &id), -1);
	ck_assert_int_eq(privdrop_parse_id("-1", &id), -1);
	ck_assert_int_eq(privdrop_parse_id("+1", &id), -1);
	ck_assert_int_eq(privdrop_parse_id(" 1", &id), -1);
	ck_assert_int_eq(privdrop_parse_id("", &id), -1);
	ck_assert_int_eq(privdrop_parse_id(NULL, &id), -1);
}
END_TEST

START_TEST(test_prepare)
{
	struct privdrop pd;

	ck_assert_int_eq(
	    privdrop_prepare(&pd, NULL, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(pd.change_user, 0);
	ck_assert_int_eq(
	    privdrop_prepare(&pd, "nobody", NULL, "/x", err, sizeof(err)), 0);
	ck_assert_int_eq(pd.change_user, 1);
	ck_assert_uint_eq(pd.uid, 65534);
	ck_assert_uint_eq(pd.gid, 65534);
	ck_assert_str_eq(pd.chroot_dir, "/x");
	/* Numbers with --group need no lookup at all. */
	ck_assert_int_eq(
	    privdrop_prepare(&pd, "4000", "4001", NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(pd.uid, 4000);
	ck_assert_uint_eq(pd.gid, 4001);
	ck_assert_int_eq(privdrop_prepare(&pd, "no-such-user-here", NULL, NULL,
	                                  err, sizeof(err)),
	                 -1);
	ck_assert_ptr_nonnull(strstr(err, "no such user"));
	ck_assert_int_eq(
	    privdrop_prepare(&pd, "root", NULL, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "is root"));
	ck_assert_int_eq(privdrop_prepare(&pd, "nobody", "no-such-group-here",
	                                  NULL, err, sizeof(err)),
	                 -1);
	ck_assert_ptr_nonnull(strstr(err, "no such group"));
}
END_TEST

START_TEST(test_apply_as_root)
{
	struct privdrop pd;
	uid_t r, e, s;

	if (geteuid() != 0)
		return; /* needs root; CI runs as root */
	ck_assert_int_eq(
	    privdrop_prepare(&pd, "nobody", NULL, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(privdrop_apply(&pd, err, sizeof(err)), 0);
	ck_assert_int_eq(getresuid(&r, &e, &s), 0);
	ck_assert_uint_eq(r, 65534);
	ck_assert_uint_eq(e, 65534);
	ck_assert_uint_eq(s, 65534);
	ck_assert_int_eq(getgroups(0, NULL), 0);
	ck_assert_int_ne(setuid(0), 0);
	ck_assert_int_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
}
END_TEST

START_TEST(test_apply_nothing)
{
	struct privdrop pd;

	ck_assert_int_eq(
	    privdrop_prepare(&pd, NULL, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(privdrop_apply(&pd, err, sizeof(err)), 0);
	ck_assert_int_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
}
END_TEST

static Suite *
privdrop_suite(void)
{
	Suite *s = suite_create("privdrop");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_id);
	tcase_add_test(tc, test_prepare);
	tcase_add_test(tc, test_apply_as_root);
	tcase_add_test(tc, test_apply_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(privdrop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

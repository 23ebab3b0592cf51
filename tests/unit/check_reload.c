/*
 * Unit tests for reload.c: when the files a --listen parent loaded count
 * as changed. Temporary files; no sockets.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "reload.h"

static char dir[64], cert[96], key[96], other[96];
static struct config cfg;
static struct reload_watch w;

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static void
setup(void)
{
	strcpy(dir, "/tmp/check_reload.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cert, sizeof cert, "%s/server.crt", dir);
	snprintf(key, sizeof key, "%s/server.key", dir);
	snprintf(other, sizeof other, "%s/new.crt", dir);
	write_file(cert, "cert one\n");
	write_file(key, "key one\n");
	config_defaults(&cfg);
	cfg.cert.item[0] = cert;
	cfg.cert.count = 1;
	cfg.key.item[0] = key;
	cfg.key.count = 1;
	reload_watch_init(&w, &cfg);
}

static void
teardown(void)
{
	unlink(cert);
	unlink(key);
	unlink(other);
	rmdir(dir);
}

START_TEST(test_unchanged)
{
	ck_assert_uint_eq(w.count, 2);
	ck_assert_int_eq(reload_watch_changed(&w, 0), 0);
	ck_assert_int_eq(reload_watch_changed(&w, 10 * RELOAD_CHECK_MS), 0);
}
END_TEST

START_TEST(test_renamed_over)
{
	write_file(other, "cert two\n");
	ck_assert_int_eq(rename(other, cert), 0);
	ck_assert_int_eq(reload_watch_changed(&w, 0), 1);
	/* Taken: no longer a change. */
	reload_watch_take(&w);
	ck_assert_int_eq(reload_watch_changed(&w, RELOAD_CHECK_MS), 0);
}
END_TEST

START_TEST(test_edited_removed_chmod)
{
	write_file(key, "key one, longer\n");
	ck_assert_int_eq(reload_watch_changed(&w, 0), 1);
	reload_watch_take(&w);
	ck_assert_int_eq(unlink(key), 0);
	ck_assert_int_eq(reload_watch_changed(&w, RELOAD_CHECK_MS), 1);
	reload_watch_take(&w);
	write_file(key, "key three\n");
	ck_assert_int_eq(reload_watch_changed(&w, 2 * RELOAD_CHECK_MS), 1);
	reload_watch_take(&w);
	usleep(10000); /* a ctime the filesystem tells apart */
	ck_assert_int_eq(chmod(key, 0600), 0);
	ck_assert_int_eq(reload_watch_changed(&w, 3 * RELOAD_CHECK_MS), 1);
}
END_TEST

/* At most one look a RELOAD_CHECK_MS: a change is seen at the next one. */
START_TEST(test_rate)
{
	ck_assert_int_eq(reload_watch_changed(&w, 1000000), 0);
	write_file(other, "cert two\n");
	ck_assert_int_eq(rename(other, cert), 0);
	ck_assert_int_eq(reload_watch_changed(&w, 1000000 + 1), 0);
	ck_assert_int_eq(
	    reload_watch_changed(&w, 1000000 + RELOAD_CHECK_MS - 1), 0);
	ck_assert_int_eq(reload_watch_changed(&w, 1000000 + RELOAD_CHECK_MS),
	                 1);
}
END_TEST

static Suite *
reload_suite(void)
{
	Suite *s = suite_create("reload");
	TCase *tc = tcase_create("watch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unchanged);
	tcase_add_test(tc, test_renamed_over);
	tcase_add_test(tc, test_edited_removed_chmod);
	tcase_add_test(tc, test_rate);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(reload_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

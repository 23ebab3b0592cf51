/* Unit tests for usermap.c: the --client-user-map file. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "usermap.h"

static struct usermap m;
static unsigned line;
static char err[128];

static int
parse(const char *text, size_t len)
{
	ck_assert_uint_le(len, USERMAP_FILE_MAX);
	memcpy(m.text, text, len);
	err[0] = '\0';
	return usermap_parse(&m, len, &line, err, sizeof(err));
}

#define PARSE(s) parse((s), sizeof(s) - 1)

START_TEST(test_entries)
{
	ck_assert_int_eq(PARSE("# certificate-name database-user\n"
	                       "\n"
	                       "alice   alice_rw\n"
	                       "\talice alice_ro # read only\r\n"
	                       "ops *\n"
	                       "\"CN=bob,O=Acme Corp\" \"bob\"\n"
	                       "star \"*\"\n"
	                       "last line#no newline"),
	                 0);
	ck_assert_uint_eq(m.count, 6);
	ck_assert(usermap_allows(&m, "alice", "alice_rw"));
	ck_assert(usermap_allows(&m, "alice", "alice_ro"));
	ck_assert(!usermap_allows(&m, "alice", "alice"));
	ck_assert(!usermap_allows(&m, "alice", "postgres"));
	/* '*' unquoted: any user. */
	ck_assert(usermap_allows(&m, "ops", "postgres"));
	ck_assert(usermap_allows(&m, "ops", ""));
	ck_assert(usermap_allows(&m, "CN=bob,O=Acme Corp", "bob"));
	ck_assert(!usermap_allows(&m, "CN=bob,O=Acme", "bob"));
	/* "*" quoted is a user named *. */
	ck_assert(usermap_allows(&m, "star", "*"));
	ck_assert(!usermap_allows(&m, "star", "postgres"));
	ck_assert(usermap_allows(&m, "last", "line"));
	/* Names are compared exactly. */
	ck_assert(!usermap_allows(&m, "Alice", "alice_rw"));
	ck_assert(!usermap_allows(&m, "nobody", "alice_rw"));
}
END_TEST

START_TEST(test_empty)
{
	ck_assert_int_eq(PARSE(""), 0);
	ck_assert_uint_eq(m.count, 0);
	ck_assert(!usermap_allows(&m, "a", "a"));
	ck_assert_int_eq(PARSE("# nothing\n\n  \n"), 0);
	ck_assert_uint_eq(m.count, 0);
}
END_TEST

START_TEST(test_errors)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *what;
	} cases[] = {
	    {"alice\n", 1, "certificate-name database-user"},
	    {"ok ok\nalice bob carol\n", 2, "certificate-name database-user"},
	    {"\"unclosed bob\n", 1, "quote"},
	    {"a\"b c\n", 1, "quote"},
	    {"ok ok\n\n\nx\n", 4, "certificate-name"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(parse(cases[i].text, strlen(cases[i].text)),
		                 -1);
		ck_assert_uint_eq(line, cases[i].line);
		ck_assert_msg(strstr(err, cases[i].what) != NULL, "%s", err);
	}
	ck_assert_int_eq(parse("a b\nc\0d e\n", 10), -1);
	ck_assert_uint_eq(line, 2);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
}
END_TEST

START_TEST(test_too_many)
{
	static char text[USERMAP_FILE_MAX];
	size_t n = 0;

	for (int i = 0; i <= USERMAP_ENTRIES_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "c%d u\n", i);
	ck_assert_int_eq(parse(text, n), -1);
	ck_assert_uint_eq(line, USERMAP_ENTRIES_MAX + 1);
	ck_assert_ptr_nonnull(strstr(err, "more than"));
}
END_TEST

static Suite *
usermap_suite(void)
{
	Suite *s = suite_create("usermap");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_entries);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_too_many);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(usermap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

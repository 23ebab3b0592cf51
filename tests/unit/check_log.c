/*
 * Unit tests for log_field(): client-chosen names in a log line stay
 * readable (UTF-8) but can never forge a field or a line; and
 * log_copy_errors(), --check's copy of error lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "log.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct field_case {
	const char *in;
	size_t cap;
	const char *out;
};

static const struct field_case field_cases[] = {
    {"alice", 64, "alice"},
    {NULL, 64, "-"},
    {"", 64, "-"},
    /* Field and line forgery. */
    {"a b", 64, "a?b"},
    {"a=b", 64, "a?b"},
    {"a\"b\\c", 64, "a?b?c"},
    {"x\nend=forged", 64, "x?end?forged"},
    {"tab\there", 64, "tab?here"},
    {"del\x7f", 64, "del?"},
    /* UTF-8 stays: 2, 3 and 4 bytes. */
    {"j\xc3\xbcrgen", 64, "j\xc3\xbcrgen"},
    {"\xe2\x82\xac", 64, "\xe2\x82\xac"},
    {"\xf0\x9f\x90\x98", 64, "\xf0\x9f\x90\x98"},
    /* Malformed: each bad byte is '?'. */
    {"\xc3", 64, "?"},                /* truncated */
    {"\xc3(", 64, "?("},              /* bad continuation */
    {"\xc0\xaf", 64, "??"},           /* overlong '/' */
    {"\xe0\x80\xaf", 64, "???"},      /* overlong, 3 bytes */
    {"\xed\xa0\x80", 64, "???"},      /* a surrogate */
    {"\xf4\x90\x80\x80", 64, "????"}, /* above U+10FFFF */
    {"\xff\xfe", 64, "??"},
    {"\xc2\x85", 64, "??"},       /* C1 control NEL */
    {"\xc2\xa0", 64, "\xc2\xa0"}, /* no-break space: printable */
    /* Cut at cap - 1 bytes, never inside a character. */
    {"abcdef", 4, "abc"},
    {"ab\xc3\xbc", 4, "ab"},
    {"a\xc3\xbc", 4, "a\xc3\xbc"},
    {"\xf0\x9f\x90\x98", 4, ""},
    {"abc", 1, ""},
};

START_TEST(field)
{
	const struct field_case *c = &field_cases[_i];
	char out[80];

	memset(out, 'Z', sizeof(out));
	log_field(out, c->cap, c->in);
	ck_assert_str_eq(out, c->out);
	ck_assert_uint_lt(strlen(out), c->cap);
}
END_TEST

/* A 63-byte field from a 10000-byte name: nothing beyond cap is written. */
START_TEST(field_bound)
{
	static char big[10000];
	char out[70];

	memset(big, 'u', sizeof(big) - 1);
	memset(out, 'Z', sizeof(out));
	log_field(out, 64, big);
	ck_assert_uint_eq(strlen(out), 63);
	for (size_t i = 64; i < sizeof(out); i++)
		ck_assert_int_eq(out[i], 'Z');
}
END_TEST

/* --check's copy: error lines (and worse) only, as "error: LINE". */
START_TEST(copy_errors)
{
	char buf[256];
	FILE *f = tmpfile();
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(log_init(LOG_SINK_STDERR, NULL, 0), LOG_SINK_STDERR);
	log_copy_errors(f);
	log_msg(LOG_ERR, "key %s: %s", "k.pem", "bad");
	log_msg(LOG_INFO, "not copied");
	log_msg(LOG_CRIT, "worse");
	log_copy_errors(NULL);
	log_msg(LOG_ERR, "after the copy stopped");
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "error: key k.pem: bad\nerror: worse\n");
	fclose(f);
}
END_TEST

/* Control bytes in a message become \xNN, never cut in half. */
START_TEST(escape)
{
	char out[16], big[64];
	char buf[256];
	FILE *f = tmpfile();
	size_t n;

	log_escape(big, sizeof(big), "a\001b\nc\033[2J\177 j\xc3\xbcrgen");
	ck_assert_str_eq(big, "a\\x01b\\x0ac\\x1b[2J\\x7f j\xc3\xbcrgen");
	log_escape(out, 6, "abcd\n");
	ck_assert_str_eq(out, "abcd"); /* no room for the whole escape */
	log_escape(out, 1, "abc");
	ck_assert_str_eq(out, "");
	/* Every message passes through it. */
	ck_assert_ptr_nonnull(f);
	log_copy_errors(f);
	log_msg(LOG_ERR, "option '%s'", "cert\001\nx");
	log_copy_errors(NULL);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "error: option 'cert\\x01\\x0ax'\n");
	fclose(f);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("field");

	tcase_add_loop_test(tc, field, 0, (int)NELEM(field_cases));
	tcase_add_test(tc, field_bound);
	tcase_add_test(tc, copy_errors);
	tcase_add_test(tc, escape);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Unit tests for fmt.c: every conversion, flag, width, precision and
 * length pgstunnel uses, compared with the C library's snprintf(); the
 * bounds (cut, NUL, the length of the whole text, a zero cap); what fmt
 * does not know; fmt_print() to a stream, a line in one write(2).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "fmt.h"

/* Cutting and NULL are what some of these cases are about. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat-overflow"

/* Both ways into buffers of cap bytes: the same text and result. */
#define SAME(cap, ...)                                                         \
	do {                                                                   \
		char want_[256], got_[256];                                    \
		int w_ = snprintf(want_, (cap), __VA_ARGS__);                  \
		int g_ = fmt_format(got_, (cap), __VA_ARGS__);                 \
		ck_assert_int_eq(g_, w_);                                      \
		if ((cap) > 0)                                                 \
			ck_assert_str_eq(got_, want_);                         \
	} while (0)

START_TEST(conversions)
{
	SAME(256, "plain text");
	SAME(256, "%s|%s", "a", "");
	SAME(256, "%d %d %d %i", 0, -1, INT_MIN, INT_MAX);
	SAME(256, "%u %u", 0u, UINT_MAX);
	SAME(256, "%x %X %o", 0xbeefu, 0xbeefu, 0644u);
	SAME(256, "%ld %lu %lld %llu", LONG_MIN, ULONG_MAX, LLONG_MIN,
	     ULLONG_MAX);
	SAME(256, "%zu %zu", (size_t)0, SIZE_MAX);
	SAME(256, "%hd %hu %hhd %hhu", (short)-5, (unsigned short)65535,
	     (signed char)-7, (unsigned char)200);
	SAME(256, "%c%c%%", 'a', '!');
}
END_TEST

START_TEST(flags_width_precision)
{
	SAME(256, "[%02d] [%02d] [%03lld] [%04lld] [%04o]", 5, 123, 7LL, -42LL,
	     0600u);
	SAME(256, "[%02x] [%02X] [%02x]", 0xau, 0xabu, 0x1234u);
	SAME(256, "[%5d] [%-5d] [%5s] [%-5s]", 42, 42, "ab", "ab");
	SAME(256, "[%*s] [%-*s] [%*d]", 6, "x", 6, "y", -6, 3);
	SAME(256, "[%.3s] [%.0s] [%.10s]", "abcdef", "abc", "abc");
	SAME(256, "[%.*s] [%.*s]", 2, "abcdef", -1, "abc");
	SAME(256, "[%.64s] [%.80s]", "short", "also short");
	SAME(256, "[%*s%.*s]", 4, "", 3, "abcdef");
	SAME(256, "[%2d]", 7);
}
END_TEST

START_TEST(precision_does_not_read_past)
{
	/* Not NUL-terminated: %.3s reads three bytes only. */
	static const char abc[3] = {'a', 'b', 'c'};
	char got[8];

	ck_assert_int_eq(fmt_format(got, sizeof(got), "%.3s!", abc), 4);
	ck_assert_str_eq(got, "abc!");
}
END_TEST

START_TEST(bounds)
{
	char buf[8];

	SAME(5, "%s", "abcdefgh");
	SAME(1, "%d", 12345);
	SAME(8, "%s-%d", "abc", 1234);
	ck_assert_int_eq(fmt_format(NULL, 0, "%s", "abcdef"), 6);
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(fmt_format(buf, 4, "%s", "abcdef"), 6);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(buf[4], 'x'); /* nothing written past cap */
}
END_TEST

/* Formats a compiler would refuse: the point of this test. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
START_TEST(unknown_and_null)
{
	char got[64];
	const char *null = NULL;

	/* A conversion fmt does not know is written as it stands. */
	ck_assert_int_eq(fmt_format(got, sizeof(got), "a%qb"), 4);
	ck_assert_str_eq(got, "a%qb");
	ck_assert_int_eq(fmt_format(got, sizeof(got), "end%"), 4);
	ck_assert_str_eq(got, "end%");
	ck_assert_int_eq(fmt_format(got, sizeof(got), "[%s]", null), 8);
	ck_assert_str_eq(got, "[(null)]");
}
END_TEST
#pragma GCC diagnostic pop

START_TEST(print_to_stream)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char big[3000];

	ck_assert_ptr_nonnull(f);
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(fmt_print(f, "%s=%04d;", "key", 7), 9);
	/* Longer than any internal buffer: nothing is cut. */
	ck_assert_int_eq(fmt_print(f, "%s", big), (int)sizeof(big) - 1);
	fclose(f);
	ck_assert_uint_eq(len, 9 + sizeof(big) - 1);
	ck_assert_int_eq(strncmp(text, "key=0007;zzz", 12), 0);
	free(text);
}
END_TEST

/*
 * A line on an unbuffered stream is one write(2): one datagram here. The
 * longest line log.c writes to stderr: its prefix (127 bytes) and line
 * (1,023) after the widest process ID a long holds.
 */
START_TEST(one_write_a_line)
{
	int sv[2];
	char prefix[128], line[1024], got[4096];
	const int len = 10 + 20 + 3 + 127 + 2 + 1023 + 1;
	FILE *f;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	f = fdopen(sv[0], "w");
	ck_assert_ptr_nonnull(f);
	setvbuf(f, NULL, _IONBF, 0);
	memset(prefix, 'p', sizeof(prefix) - 1);
	prefix[sizeof(prefix) - 1] = '\0';
	memset(line, 'q', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	ck_assert_int_eq(
	    fmt_print(f, "pgstunnel[%lld]: %s: %s\n", LLONG_MIN, prefix, line),
	    len);
	ck_assert_int_eq(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), len);
	ck_assert_int_lt(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), 0);
	/* Longer text is written whole, in more than one write(2). */
	ck_assert_int_eq(fmt_print(f, "%s%s%s", line, line, line), 3 * 1023);
	ck_assert_int_gt(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), 0);
	ck_assert_int_gt(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), 0);
	fclose(f);
	close(sv[1]);
}
END_TEST

static Suite *
fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("fmt");

	tcase_add_test(tc, conversions);
	tcase_add_test(tc, flags_width_precision);
	tcase_add_test(tc, precision_does_not_read_past);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, unknown_and_null);
	tcase_add_test(tc, print_to_stream);
	tcase_add_test(tc, one_write_a_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fmt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

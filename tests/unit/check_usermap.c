/* Unit tests for usermap.c: the --client-user-map file. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "pgproto.h"
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

/* A byte-order mark at the start is skipped, not part of a name. */
START_TEST(test_bom)
{
	ck_assert_int_eq(PARSE("\xef\xbb\xbf"
	                       "alice alice_rw\n"),
	                 0);
	ck_assert_uint_eq(m.count, 1);
	ck_assert(usermap_allows(&m, "alice", "alice_rw"));
	/* Elsewhere it is an ordinary byte of a name. */
	ck_assert_int_eq(PARSE("bob bob\n\xef\xbb\xbf"
	                       "alice alice_rw\n"),
	                 0);
	ck_assert(!usermap_allows(&m, "alice", "alice_rw"));
}
END_TEST

/* n copies of c, NUL-terminated, in a buffer of at least n + 1. */
static const char *
repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/*
 * PostgreSQL cuts the startup user to 63 bytes before cert
 * authentication: a certificate name of 64 bytes or more can never be
 * that cut name, so it must not get in under the longer user either.
 */
START_TEST(test_cert_login_cut)
{
	char p63[64], p64[65], p100[101];
	const char *dn_us = "CN=alice,O=Example Corporation International "
	                    "Holdings Limited,C=US";
	const char *dn_de = "CN=alice,O=Example Corporation International "
	                    "Holdings Limited,C=DE";
	char dn_cut[PGPROTO_NAMEDATALEN];

	repeat(p63, 'p', 63);
	repeat(p64, 'p', 64);
	repeat(p100, 'p', 100);
	/* Without a map: the CN must equal the cut user. */
	ck_assert(usermap_cert_login(NULL, "alice", "alice"));
	ck_assert(!usermap_cert_login(NULL, "alice", "bob"));
	ck_assert(usermap_cert_login(NULL, p63, p63));
	ck_assert(!usermap_cert_login(NULL, p64, p64));   /* role of p63 */
	ck_assert(!usermap_cert_login(NULL, p100, p100)); /* the same */
	/* A 63-byte name asked for with more bytes: the server's role is
	   the certificate's name, as PostgreSQL decides. */
	ck_assert(usermap_cert_login(NULL, p63, p64));
	/* Two DNs that share their first 63 bytes reach neither role. */
	ck_assert_uint_gt(strlen(dn_us), 63);
	pgproto_server_user(dn_us, dn_cut);
	ck_assert_uint_eq(strlen(dn_cut), 63);
	ck_assert(!usermap_cert_login(NULL, dn_us, dn_us));
	ck_assert(!usermap_cert_login(NULL, dn_de, dn_us));
	ck_assert(!usermap_cert_login(NULL, dn_us, dn_cut));
	ck_assert(!usermap_cert_login(NULL, dn_de, dn_cut));
	/* With a map, the mapped user is compared with the cut name. */
	{
		char text[512];
		int n = snprintf(text, sizeof(text),
		                 "alice %s\nbob %s\nops *\n", p64, p63);

		ck_assert_int_eq(parse(text, (size_t)n), 0);
	}
	ck_assert(!usermap_cert_login(&m, "alice", p64));
	ck_assert(!usermap_cert_login(&m, "alice", p63));
	ck_assert(usermap_cert_login(&m, "bob", p63));
	ck_assert(usermap_cert_login(&m, "bob", p64));
	ck_assert(!usermap_cert_login(&m, "carol", p63));
	ck_assert(usermap_cert_login(&m, "ops", p100));
}
END_TEST

/* The cut is a byte cut, inside a UTF-8 character too, as the server's. */
START_TEST(test_server_user)
{
	char out[PGPROTO_NAMEDATALEN], in[80];

	pgproto_server_user("", out);
	ck_assert_str_eq(out, "");
	pgproto_server_user("postgres", out);
	ck_assert_str_eq(out, "postgres");
	memset(in, 'a', 62);
	memcpy(in + 62, "\xc3\xbc", 3); /* ü across the 63rd byte */
	pgproto_server_user(in, out);
	ck_assert_uint_eq(strlen(out), 63);
	ck_assert_int_eq((unsigned char)out[62], 0xc3);
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
	tcase_add_test(tc, test_cert_login_cut);
	tcase_add_test(tc, test_bom);
	tcase_add_test(tc, test_server_user);
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

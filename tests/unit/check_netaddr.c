/*
 * Unit tests for netaddr.c: CIDR ranges parsed (IPv4, IPv6, bare
 * addresses, ::ffff: mapped ranges, and what is refused), matched against
 * addresses of both families and their mapped forms, sockaddrs, and the
 * log text.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "netaddr.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const bad_ranges[] = {
    "",
    "10.0.0.0/",
    "10.0.0.0/33",
    "::/129",
    "10.0.0.1/8",
    "10.0.0.0/08",
    "10.0.0.0/-1",
    "10.0.0.0/8/8",
    "10.0.0",
    "10.0.0.0.0",
    "host.example",
    "2001:db8::1/32",
    "::ffff:10.0.0.0/95",
    "10.0.0.0 /8",
    " 10.0.0.0",
    "10.0.0.0/1000",
    "::ffff:10.0.0.1/104",
};

START_TEST(cidr_refused)
{
	struct netaddr_cidr c;
	const char *why = NULL;

	ck_assert_msg(netaddr_parse_cidr(bad_ranges[_i], &c, &why) != 0,
	              "'%s' accepted", bad_ranges[_i]);
	ck_assert_ptr_nonnull(why);
}
END_TEST

struct match_case {
	const char *range;
	const char *addr;
	int match;
};

static const struct match_case matches[] = {
    {"127.0.0.1", "127.0.0.1", 1},
    {"127.0.0.1", "127.0.0.2", 0},
    {"127.0.0.1/32", "127.0.0.1", 1},
    {"10.0.0.0/8", "10.255.1.2", 1},
    {"10.0.0.0/8", "11.0.0.0", 0},
    {"192.168.1.128/25", "192.168.1.200", 1},
    {"192.168.1.128/25", "192.168.1.127", 0},
    {"0.0.0.0/0", "203.0.113.9", 1},
    {"0.0.0.0/0", "::1", 0},
    {"::/0", "::1", 1},
    {"::/0", "1.2.3.4", 0},
    {"::1", "::1", 1},
    {"::1/128", "::2", 0},
    {"2001:db8::/32", "2001:db8:ffff::1", 1},
    {"2001:db8::/33", "2001:db8:8000::1", 0},
    {"fe80::/10", "febf::1", 1},
    {"fe80::/10", "fec0::1", 0},
    /* Mapped forms: an IPv4 client on a dual-stack socket, a mapped range. */
    {"10.0.0.0/8", "::ffff:10.1.2.3", 1},
    {"::ffff:10.0.0.0/104", "10.1.2.3", 1},
    {"::ffff:10.0.0.0/104", "11.1.2.3", 0},
    {"::ffff:127.0.0.1", "127.0.0.1", 1},
    {"::ffff:0.0.0.0/96", "8.8.8.8", 1},
    {"::ffff:0:0/96", "8.8.8.8", 1}, /* every mapped address */
    {"::ffff:0:0/96", "::1", 0},
    {"::/0", "::ffff:1.2.3.4", 0}, /* mapped is IPv4 */
};

START_TEST(cidr_match)
{
	const struct match_case *m = &matches[_i];
	struct netaddr_cidr c;
	struct netaddr a;
	const char *why;

	ck_assert_msg(netaddr_parse_cidr(m->range, &c, &why) == 0,
	              "'%s' refused: %s", m->range, why);
	ck_assert_int_eq(netaddr_parse_ip(m->addr, strlen(m->addr), &a), 0);
	ck_assert_msg(netaddr_cidr_match(&c, &a) == m->match, "%s in %s: %d",
	              m->addr, m->range, !m->match);
}
END_TEST

START_TEST(list_match)
{
	struct netaddr_list l = {0};
	struct netaddr a, none = {0};
	const char *why;

	ck_assert_int_eq(netaddr_parse_ip("::1", 3, &a), 0);
	ck_assert_int_eq(netaddr_list_match(&l, &a), 0);
	ck_assert_int_eq(netaddr_parse_cidr("10.0.0.0/8", &l.item[0], &why), 0);
	ck_assert_int_eq(netaddr_parse_cidr("::1", &l.item[1], &why), 0);
	l.count = 2;
	ck_assert_int_eq(netaddr_list_match(&l, &a), 1);
	ck_assert_int_eq(netaddr_list_match(&l, &none), 0);
	ck_assert_int_eq(netaddr_parse_cidr("0.0.0.0/0", &l.item[2], &why), 0);
	l.count = 3;
	ck_assert_int_eq(netaddr_list_match(&l, &none), 0);
}
END_TEST

START_TEST(sockaddrs_and_text)
{
	struct sockaddr_in in = {.sin_family = AF_INET,
	                         .sin_port = htons(5432)};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6,
	                           .sin6_port = htons(65535)};
	struct sockaddr sa = {.sa_family = AF_UNIX};
	struct netaddr a;
	char text[NETADDR_TEXT_MAX];

	inet_pton(AF_INET, "192.0.2.1", &in.sin_addr);
	ck_assert_int_eq(
	    netaddr_from_sockaddr((struct sockaddr *)&in, sizeof(in), &a), 0);
	netaddr_format(&a, text, sizeof(text));
	ck_assert_str_eq(text, "192.0.2.1:5432");
	inet_pton(AF_INET6, "::ffff:192.0.2.1", &in6.sin6_addr);
	ck_assert_int_eq(
	    netaddr_from_sockaddr((struct sockaddr *)&in6, sizeof(in6), &a), 0);
	netaddr_format(&a, text, sizeof(text));
	ck_assert_str_eq(text, "192.0.2.1:65535");
	inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	          &in6.sin6_addr);
	ck_assert_int_eq(
	    netaddr_from_sockaddr((struct sockaddr *)&in6, sizeof(in6), &a), 0);
	netaddr_format(&a, text, sizeof(text));
	ck_assert_str_eq(text,
	                 "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	ck_assert_int_eq(
	    netaddr_from_sockaddr((struct sockaddr *)&in6, sizeof(in6) - 1, &a),
	    -1);
	ck_assert_int_eq(netaddr_from_sockaddr(&sa, sizeof(sa), &a), -1);
	ck_assert_int_eq(a.family, NETADDR_NONE);
	netaddr_format(&a, text, sizeof(text));
	ck_assert_str_eq(text, "-");
	ck_assert_int_eq(netaddr_parse_ip("1.2.3.4x", 7, &a), 0);
	ck_assert_int_eq(netaddr_parse_ip("1.2.3.4\0", 8, &a), -1);
	ck_assert_int_eq(netaddr_parse_ip("", 0, &a), -1);
}
END_TEST

static Suite *
netaddr_suite(void)
{
	Suite *s = suite_create("netaddr");
	TCase *tc = tcase_create("netaddr");

	tcase_add_loop_test(tc, cidr_refused, 0, (int)NELEM(bad_ranges));
	tcase_add_loop_test(tc, cidr_match, 0, (int)NELEM(matches));
	tcase_add_test(tc, list_match);
	tcase_add_test(tc, sockaddrs_and_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(netaddr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

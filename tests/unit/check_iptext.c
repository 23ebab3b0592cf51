/*
 * Unit tests for iptext.c: the text of IPv4 and IPv6 addresses, compared
 * with the C library's inet_ntop() for each case and for random ones
 * (where glibc's and RFC 5952's differ, with RFC 5952's).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "x509/iptext.h"

static const uint8_t zero12[12];

/*
 * glibc writes an address whose first 96 bits are zero, and the next 16
 * not, the deprecated IPv4-compatible way ("::0.170.0.218"); iptext()
 * writes it as RFC 5952 and musl do ("::aa:da"): not compared.
 */
static void
same_as_libc(const uint8_t *ip, int is6)
{
	char want[INET6_ADDRSTRLEN], got[IPTEXT_MAX];

	if (is6 && memcmp(ip, zero12, 12) == 0 && (ip[12] | ip[13]) != 0)
		return;
	ck_assert_ptr_nonnull(
	    inet_ntop(is6 ? AF_INET6 : AF_INET, ip, want, sizeof(want)));
	ck_assert_int_eq(iptext(ip, is6, got, sizeof(got)), (int)strlen(want));
	ck_assert_str_eq(got, want);
}

START_TEST(known_texts)
{
	static const struct {
		const char *text;
		int is6;
	} cases[] = {
	    {"0.0.0.0", 0},
	    {"127.0.0.1", 0},
	    {"255.255.255.255", 0},
	    {"192.0.2.10", 0},
	    {"::", 1},
	    {"::1", 1},
	    {"1::", 1},
	    {"2001:db8::1", 1},
	    {"2001:db8:0:1:1:1:1:1", 1}, /* one zero group: no "::" */
	    {"2001:0:0:1::1", 1},        /* the longer run wins */
	    {"2001:db8::1:0:0:1", 1},    /* equal runs: the first */
	    {"fe80::abcd:ef01:2345:6789", 1},
	    {"::ffff:192.0.2.1", 1},
	    {"::ffff:0.0.0.0", 1},
	    {"::aa:da", 1}, /* not "::0.170.0.218" (glibc) */
	    {"::1:0:0", 1},
	    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1},
	};
	uint8_t ip[16];
	char got[IPTEXT_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(inet_pton(cases[i].is6 ? AF_INET6 : AF_INET,
		                           cases[i].text, ip),
		                 1);
		ck_assert_int_eq(iptext(ip, cases[i].is6, got, sizeof(got)),
		                 (int)strlen(cases[i].text));
		ck_assert_str_eq(got, cases[i].text);
		same_as_libc(ip, cases[i].is6);
	}
}
END_TEST

START_TEST(random_addresses)
{
	uint8_t ip[16];

	srand(12345);
	for (int n = 0; n < 20000; n++) {
		for (int i = 0; i < 16; i++) {
			/* Mostly zero bytes, so that runs of zero groups,
			 * ties and mapped addresses all come up. */
			int r = rand();
			ip[i] = (uint8_t)(r % 3 == 0 ? r >> 8 : 0);
		}
		if (n % 7 == 0)
			memcpy(ip, "\0\0\0\0\0\0\0\0\0\0\377\377", 12);
		same_as_libc(ip, 1);
		same_as_libc(ip, 0);
	}
}
END_TEST

START_TEST(too_small)
{
	static const uint8_t ip[4] = {192, 0, 2, 10};
	char out[11] = "xxxxxxxxxx";

	ck_assert_int_eq(iptext(ip, 0, out, 10), -1); /* needs 11 */
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(iptext(ip, 0, out, 11), 10);
	ck_assert_str_eq(out, "192.0.2.10");
}
END_TEST

static Suite *
iptext_suite(void)
{
	Suite *s = suite_create("iptext");
	TCase *tc = tcase_create("iptext");

	tcase_add_test(tc, known_texts);
	tcase_add_test(tc, random_addresses);
	tcase_add_test(tc, too_small);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(iptext_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Unit tests for dn.c: RFC 2253 text of hand-made Names, as OpenSSL's
 * X509_NAME_print_ex(XN_FLAG_RFC2253) prints them (the integration test
 * 53 compares with the openssl command on real certificates).
 */
#include <check.h>
#include <string.h>

#include "x509/dn.h"

/* The tables below leave value_len out where strlen() gives it. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* One attribute: its RDN (attributes of one RDN are consecutive), the
 * attribute type's OID contents, the value's tag and contents. */
struct attr {
	int rdn;
	const char *oid; /* contents, as a C string of bytes */
	unsigned char tag;
	const char *value;
	size_t value_len; /* 0: strlen(value) */
};

#define OID_CN "\x55\x04\x03"
#define OID_O  "\x55\x04\x0a"
#define OID_OU "\x55\x04\x0b"
#define OID_C  "\x55\x04\x06"
#define OID_DC "\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19"

static size_t
tlv(unsigned char *out, unsigned char tag, const unsigned char *v, size_t n)
{
	ck_assert_uint_lt(n, 256);
	out[0] = tag;
	if (n < 128) {
		out[1] = (unsigned char)n;
		memcpy(out + 2, v, n);
		return n + 2;
	}
	out[1] = 0x81;
	out[2] = (unsigned char)n;
	memcpy(out + 3, v, n);
	return n + 3;
}

/* The Name's DER from attrs into out; its length. */
static size_t
make_name(const struct attr *a, size_t n, unsigned char *out)
{
	unsigned char rdns[255], set[255], atv[128], body[128];
	size_t rl = 0;

	for (size_t i = 0; i < n;) {
		size_t sl = 0;
		int rdn = a[i].rdn;

		for (; i < n && a[i].rdn == rdn; i++) {
			size_t vl = a[i].value_len ? a[i].value_len
			                           : strlen(a[i].value);
			size_t bl =
			    tlv(body, 0x06, (const unsigned char *)a[i].oid,
			        strlen(a[i].oid));

			bl += tlv(body + bl, a[i].tag,
			          (const unsigned char *)a[i].value, vl);
			sl += tlv(set + sl, 0x30, body, bl);
		}
		rl += tlv(rdns + rl, 0x31, set, sl);
		(void)atv;
	}
	return tlv(out, 0x30, rdns, rl);
}

static const char *
dn_of(const struct attr *a, size_t n)
{
	static unsigned char der[300];
	static char text[DN_TEXT_MAX];
	size_t len = make_name(a, n, der);

	if (dn_rfc2253(der, len, text, sizeof(text)) < 0)
		return NULL;
	return text;
}

#define DN(...)                                                                \
	dn_of((const struct attr[]){__VA_ARGS__},                              \
	      sizeof((const struct attr[]){__VA_ARGS__}) /                     \
	          sizeof(struct attr))

START_TEST(test_order_and_separators)
{
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "alice"}), "CN=alice");
	/* Last RDN first. */
	ck_assert_str_eq(DN({0, OID_C, 0x13, "DE"}, {1, OID_O, 0x0c, "Acme"},
	                    {2, OID_CN, 0x0c, "alice"}),
	                 "CN=alice,O=Acme,C=DE");
	/* A multi-valued RDN: '+', and its attributes reversed too. */
	ck_assert_str_eq(DN({0, OID_O, 0x0c, "Acme"}, {1, OID_OU, 0x0c, "db"},
	                    {1, OID_CN, 0x0c, "bob"}),
	                 "CN=bob+OU=db,O=Acme");
	ck_assert_str_eq(
	    DN({0, OID_DC, 0x16, "org"}, {1, OID_DC, 0x16, "example"}),
	    "DC=example,DC=org");
}
END_TEST

START_TEST(test_escaping)
{
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "a,b+c\"d\\e<f>g;h"}),
	                 "CN=a\\,b\\+c\\\"d\\\\e\\<f\\>g\\;h");
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, " lead"}), "CN=\\ lead");
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "trail "}), "CN=trail\\ ");
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "#hash"}), "CN=\\#hash");
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "a#b"}), "CN=a#b");
	/* OpenSSL looks only at "last" for the last character. */
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "#"}), "CN=#");
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, " "}), "CN=\\ ");
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "a=b"}), "CN=a=b");
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "tab\there"}), "CN=tab\\09here");
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "nul\0x", 5}), "CN=nul\\00x");
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "del\x7f"}), "CN=del\\7F");
}
END_TEST

START_TEST(test_non_ascii)
{
	/* UTF-8 bytes escaped one by one (ASN1_STRFLGS_ESC_MSB). */
	ck_assert_str_eq(DN({0, OID_CN, 0x0c, "j\xc3\xbcrgen"}),
	                 "CN=j\\C3\\BCrgen");
	/* A one-byte type's 0xFC is U+00FC: the same text. */
	ck_assert_str_eq(DN({0, OID_CN, 0x14, "j\xfcrgen"}),
	                 "CN=j\\C3\\BCrgen");
	/* BMPString and UniversalString. */
	ck_assert_str_eq(DN({0, OID_CN, 0x1e, "\0d\0b", 4}), "CN=db");
	ck_assert_str_eq(DN({0, OID_CN, 0x1e, "\x20\xac", 2}),
	                 "CN=\\E2\\82\\AC");
	ck_assert_str_eq(DN({0, OID_CN, 0x1c, "\0\x01\xf6\x00", 4}),
	                 "CN=\\F0\\9F\\98\\80");
}
END_TEST

START_TEST(test_dumped)
{
	/* Not a string type: '#' and the hex of the DER (OCTET STRING). */
	ck_assert_str_eq(DN({0, OID_CN, 0x04, "\x01\xab", 2}), "CN=#040201AB");
}
END_TEST

START_TEST(test_refused)
{
	static unsigned char der[300];
	char text[DN_TEXT_MAX];
	/* An attribute type not in the table: OpenSSL may name it. */
	static const unsigned char odd[] = {0x30, 0x0d, 0x31, 0x0b, 0x30,
	                                    0x09, 0x06, 0x03, 0x55, 0x04,
	                                    0x61, 0x0c, 0x02, 0x68, 0x69};
	static const unsigned char empty_rdn[] = {0x30, 0x02, 0x31, 0x00};
	static const unsigned char trailing[] = {0x30, 0x00, 0x00};
	size_t len;

	ck_assert_int_eq(dn_rfc2253(odd, sizeof odd, text, sizeof text), -1);
	ck_assert_int_eq(
	    dn_rfc2253(empty_rdn, sizeof empty_rdn, text, sizeof text), -1);
	ck_assert_int_eq(
	    dn_rfc2253(trailing, sizeof trailing, text, sizeof text), -1);
	/* Bad UTF-8: a lone continuation byte, an over-long form, a
	 * surrogate; an odd-length BMPString. */
	ck_assert_ptr_null(DN({0, OID_CN, 0x0c, "a\x80"}));
	ck_assert_ptr_null(DN({0, OID_CN, 0x0c, "\xc0\xaf"}));
	ck_assert_ptr_null(DN({0, OID_CN, 0x0c, "\xed\xa0\x80"}));
	ck_assert_ptr_null(DN({0, OID_CN, 0x1e, "\0d\0", 3}));
	/* Text that does not fit. */
	len = make_name((const struct attr[]){{0, OID_CN, 0x0c, "abcdef"}}, 1,
	                der);
	ck_assert_int_eq(dn_rfc2253(der, len, text, 10), 9);
	ck_assert_str_eq(text, "CN=abcdef");
	ck_assert_int_eq(dn_rfc2253(der, len, text, 9), -1);
	/* An empty Name is the empty text. */
	ck_assert_int_eq(
	    dn_rfc2253((const unsigned char *)"\x30\x00", 2, text, sizeof text),
	    0);
	ck_assert_str_eq(text, "");
}
END_TEST

static Suite *
dn_suite(void)
{
	Suite *s = suite_create("dn");
	TCase *tc = tcase_create("rfc2253");

	tcase_add_test(tc, test_order_and_separators);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_non_ascii);
	tcase_add_test(tc, test_dumped);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

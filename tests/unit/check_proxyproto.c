/*
 * Unit tests for proxyproto.c: every header of a table read the way
 * gate.c reads it (parse the bytes so far, read up to `need`, parse
 * again), so that the reading discipline is checked with the result:
 * each answer before the last asks for more than it has and never for a
 * byte past the header, and a client's bytes after the header are never
 * asked for. Version 1 lines (TCP4, TCP6, UNKNOWN, malformed), version 2
 * headers (PROXY over IPv4 and IPv6, LOCAL, UNSPEC, TLVs, lengths over
 * the bound, truncated), a missing header and versions not accepted.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "proxyproto.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ANY      (PROXYPROTO_V1 | PROXYPROTO_V2)
#define V2SIG    "\r\n\r\n\0\r\nQUIT\n"

/* What a SSLRequest follows the header with: must never be asked for. */
static const uint8_t after[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};

struct pp_case {
	const char *name;
	const char *bytes; /* may hold NULs: len says how many */
	size_t len;
	int accept;
	enum proxyproto_status want;
	size_t need;     /* the header's length (complete answers) */
	const char *src; /* PROXY: netaddr_format() of src and dst */
	const char *dst;
};

#define B(s) s, sizeof(s) - 1

static const struct pp_case cases[] = {
    /* Version 1 */
    {"v1 tcp4", B("PROXY TCP4 192.0.2.10 198.51.100.1 56324 5433\r\n"), ANY,
     PROXYPROTO_PROXY, 47, "192.0.2.10:56324", "198.51.100.1:5433"},
    {"v1 tcp4 only v1", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 65535\r\n"),
     PROXYPROTO_V1, PROXYPROTO_PROXY, 36, "1.2.3.4:1", "5.6.7.8:65535"},
    {"v1 tcp4 shortest", B("PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n"), ANY,
     PROXYPROTO_PROXY, 32, "0.0.0.0:0", "0.0.0.0:0"},
    {"v1 tcp4 longest",
     B("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"), ANY,
     PROXYPROTO_PROXY, 56, "255.255.255.255:65535", "255.255.255.255:65535"},
    {"v1 tcp6", B("PROXY TCP6 2001:db8::1 ::1 40000 5432\r\n"), ANY,
     PROXYPROTO_PROXY, 39, "[2001:db8::1]:40000", "[::1]:5432"},
    {"v1 tcp6 shortest", B("PROXY TCP6 :: :: 0 0\r\n"), ANY, PROXYPROTO_PROXY,
     22, "[::]:0", "[::]:0"},
    {"v1 tcp6 mapped", B("PROXY TCP6 ::ffff:10.1.2.3 ::1 7 8\r\n"), ANY,
     PROXYPROTO_PROXY, 36, "10.1.2.3:7", "[::1]:8"},
    {"v1 tcp6 over 107 bytes",
     B("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 "
       "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 65535 65535\r\n"),
     ANY, PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 tcp6 longest",
     B("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
     ANY, PROXYPROTO_PROXY, 104,
     "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
     "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"},
    {"v1 unknown", B("PROXY UNKNOWN\r\n"), ANY, PROXYPROTO_LOCAL, 15, NULL,
     NULL},
    {"v1 unknown with text", B("PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n"),
     ANY, PROXYPROTO_LOCAL, 39, NULL, NULL},
    {"v1 no CR", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), ANY, PROXYPROTO_INVALID,
     0, NULL, NULL},
    {"v1 unknown LF alone", B("PROXY UNKNOWN\n"), ANY, PROXYPROTO_INVALID, 0,
     NULL, NULL},
    {"v1 unknown text LF alone", B("PROXY UNKNOWN a b\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 tcp6 with ipv4", B("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 tcp6 with one ipv4", B("PROXY TCP6 ::1 5.6.7.8 1 2\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 no LF", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 unknown no LF", B("PROXY UNKNOWN\r\r"), ANY, PROXYPROTO_INVALID, 0,
     NULL, NULL},
    {"v1 port too big", B("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 port 6 digits", B("PROXY TCP4 1.2.3.4 5.6.7.8 100000 2\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 bad ipv4", B("PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 ipv6 as tcp4", B("PROXY TCP4 ::1 ::1 1 2\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 double space", B("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 missing port", B("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 extra field", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 tcp5", B("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 lower case", B("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 unknownx", B("PROXY UNKNOWNX\r\n"), ANY, PROXYPROTO_INVALID, 0, NULL,
     NULL},
    {"v1 too long",
     B("PROXY UNKNOWN "
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"),
     ANY, PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v1 unknown longest",
     B("PROXY UNKNOWN "
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxx\r\n"),
     ANY, PROXYPROTO_LOCAL, 107, NULL, NULL},
    {"v1 not accepted", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), PROXYPROTO_V2,
     PROXYPROTO_INVALID, 0, NULL, NULL},

    /* Version 2: signature, 0x21 PROXY / 0x20 LOCAL, family, length. */
    {"v2 inet",
     B(V2SIG "\x21\x11\x00\x0c"
             "\xc0\x00\x02\x0a\xc6\x33\x64\x01\xdc\x04\x15\x39"),
     ANY, PROXYPROTO_PROXY, 28, "192.0.2.10:56324", "198.51.100.1:5433"},
    {"v2 inet only v2",
     B(V2SIG "\x21\x11\x00\x0c"
             "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01"
             "\x00\x02"),
     PROXYPROTO_V2, PROXYPROTO_PROXY, 28, "1.2.3.4:1", "5.6.7.8:2"},
    {"v2 inet6",
     B(V2SIG "\x21\x21\x00\x24"
             "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
             "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"
             "\x9c\x40\x15\x38"),
     ANY, PROXYPROTO_PROXY, 52, "[2001:db8::1]:40000", "[::1]:5432"},
    {"v2 inet with TLVs",
     B(V2SIG "\x21\x11\x00\x1e"
             "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x00\x02"
             "\x01\x00\x0a"
             "postgresql" /* ALPN */
             "\x04\x00\x02"
             "\0\0"), /* NOOP */
     ANY, PROXYPROTO_PROXY, 46, "1.2.3.4:1", "5.6.7.8:2"},
    {"v2 local", B(V2SIG "\x20\x00\x00\x00"), ANY, PROXYPROTO_LOCAL, 16, NULL,
     NULL},
    {"v2 local with block",
     B(V2SIG "\x20\x11\x00\x0c"
             "\x01\x02\x03\x04\x05\x06\x07\x08\x00"
             "\x01\x00\x02"),
     ANY, PROXYPROTO_LOCAL, 28, NULL, NULL},
    {"v2 proxy unspec", B(V2SIG "\x21\x00\x00\x00"), ANY, PROXYPROTO_LOCAL, 16,
     NULL, NULL},
    {"v2 wrong signature",
     B("\r\n\r\n\0\r\nQUIX\n\x21\x11\x00\x0c"
       "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x00"
       "\x02"),
     ANY, PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v2 version 1",
     B(V2SIG "\x11\x11\x00\x0c"
             "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x00"
             "\x02"),
     ANY, PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v2 command 2",
     B(V2SIG "\x22\x11\x00\x0c"
             "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x00"
             "\x02"),
     ANY, PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v2 family 4",
     B(V2SIG "\x21\x41\x00\x0c"
             "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x00"
             "\x02"),
     ANY, PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v2 dgram",
     B(V2SIG "\x21\x12\x00\x0c"
             "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x00\x02"),
     ANY, PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v2 inet block short",
     B(V2SIG "\x21\x11\x00\x0b"
             "\x01\x02\x03\x04\x05\x06\x07\x08\x00"
             "\x01\x00"),
     ANY, PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v2 TLV past the block",
     B(V2SIG "\x21\x11\x00\x10"
             "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x00\x02"
             "\x01\x00\x05"
             "x"),
     ANY, PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v2 TLV header cut",
     B(V2SIG "\x21\x11\x00\x0e"
             "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x00\x02"
             "\x01\x00"),
     ANY, PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v2 length 1024", B(V2SIG "\x20\x00\x04\x00"), ANY, PROXYPROTO_NEED_MORE,
     1040, NULL, NULL},
    {"v2 length over the bound", B(V2SIG "\x20\x00\x04\x01"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"v2 length 65535", B(V2SIG "\x21\x11\xff\xff"), ANY, PROXYPROTO_INVALID, 0,
     NULL, NULL},
    {"v2 truncated",
     B(V2SIG "\x21\x11\x00\x0c"
             "\x01\x02\x03\x04\x05\x06"),
     ANY, PROXYPROTO_NEED_MORE, 28, NULL, NULL},
    {"v2 not accepted", B(V2SIG "\x20\x00\x00\x00"), PROXYPROTO_V1,
     PROXYPROTO_INVALID, 0, NULL, NULL},

    /* No header */
    {"sslrequest", B("\x00\x00\x00\x08\x04\xd2\x16\x2f"), ANY,
     PROXYPROTO_INVALID, 0, NULL, NULL},
    {"clienthello", B("\x16\x03\x01\x02\x00\x01"), ANY, PROXYPROTO_INVALID, 0,
     NULL, NULL},
    {"empty", "", 0, ANY, PROXYPROTO_NEED_MORE, PROXYPROTO_FIRST, NULL, NULL},
    {"P alone", B("P"), ANY, PROXYPROTO_NEED_MORE, PROXYPROTO_FIRST, NULL,
     NULL},
};

static void
format(const struct netaddr *a, char *out, size_t cap)
{
	netaddr_format(a, out, cap);
}

/*
 * Read c the way gate.c does, with `after` behind it: parse what is
 * there, read up to need, parse again. Every NEED_MORE asks for more
 * than it has and for no byte past the header.
 */
static struct proxyproto_header
read_like_gate(const struct pp_case *c, size_t *rounds)
{
	uint8_t buf[PROXYPROTO_MAX + sizeof(after)];
	struct proxyproto_header h;
	size_t have = 0, total = c->len + sizeof(after);

	ck_assert_uint_le(c->len, PROXYPROTO_MAX);
	memcpy(buf, c->bytes, c->len);
	memcpy(buf + c->len, after, sizeof(after));
	for (*rounds = 0;; (*rounds)++) {
		/* UNKNOWN and its free text: 2 bytes a read, 46 at most. */
		ck_assert_uint_lt(*rounds, 50);
		memset(&h, 0xa5, sizeof(h));
		proxyproto_parse(buf, have, c->accept, &h);
		if (h.status != PROXYPROTO_NEED_MORE)
			return h;
		ck_assert_uint_gt(h.need, have);
		ck_assert_uint_le(h.need, PROXYPROTO_MAX);
		/* Never a byte of what follows a complete header. */
		if (c->want != PROXYPROTO_INVALID &&
		    c->want != PROXYPROTO_NEED_MORE)
			ck_assert_msg(h.need <= c->need,
			              "%s: asked for %zu of a %zu-byte header",
			              c->name, h.need, c->need);
		if (c->want == PROXYPROTO_NEED_MORE && h.need > c->len)
			return h; /* the input ends: the connection would wait
			           */
		if (h.need > total)
			return h;
		have = h.need;
	}
}

START_TEST(parse_table)
{
	const struct pp_case *c = &cases[_i];
	struct proxyproto_header h;
	char src[NETADDR_TEXT_MAX], dst[NETADDR_TEXT_MAX];
	size_t rounds;

	h = read_like_gate(c, &rounds);
	ck_assert_msg(h.status == c->want, "%s: status %d, want %d (%s)",
	              c->name, h.status, c->want,
	              h.status == PROXYPROTO_INVALID ? h.why : "-");
	if (c->want == PROXYPROTO_INVALID) {
		ck_assert_ptr_nonnull(h.why);
		return;
	}
	ck_assert_msg(h.need == c->need, "%s: need %zu, want %zu", c->name,
	              h.need, c->need);
	if (c->want != PROXYPROTO_PROXY)
		return;
	format(&h.src, src, sizeof(src));
	format(&h.dst, dst, sizeof(dst));
	ck_assert_str_eq(src, c->src);
	ck_assert_str_eq(dst, c->dst);
}
END_TEST

/* The whole header at once gives the same answer as the reads do. */
START_TEST(parse_whole)
{
	const struct pp_case *c = &cases[_i];
	struct proxyproto_header h;

	if (c->want == PROXYPROTO_NEED_MORE)
		return;
	proxyproto_parse((const uint8_t *)c->bytes, c->len, c->accept, &h);
	ck_assert_msg(h.status == c->want, "%s: whole: status %d", c->name,
	              h.status);
	if (c->want != PROXYPROTO_INVALID)
		ck_assert_uint_eq(h.need, c->need);
}
END_TEST

/* A client that sends no header is refused on its first read. */
START_TEST(missing_header_first_read)
{
	static const uint8_t ssl[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
	struct proxyproto_header h;

	proxyproto_parse(ssl, 0, ANY, &h);
	ck_assert_int_eq(h.status, PROXYPROTO_NEED_MORE);
	ck_assert_uint_le(h.need, sizeof(ssl));
	proxyproto_parse(ssl, h.need, ANY, &h);
	ck_assert_int_eq(h.status, PROXYPROTO_INVALID);
}
END_TEST

/* A typical v1 line costs a few reads, not one per byte. */
START_TEST(v1_rounds)
{
	size_t rounds;

	(void)read_like_gate(&cases[0], &rounds);
	ck_assert_uint_le(rounds, 8);
}
END_TEST

/*
 * A v1 line that ends in LF alone, with nothing after it (a health check
 * that waits): read as gate.c reads, what has come up to need, it is
 * refused from the bytes there are, never left waiting for more.
 */
START_TEST(v1_lf_alone_refused_at_once)
{
	static const char *const lines[] = {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
	                                    "PROXY UNKNOWN\n",
	                                    "PROXY UNKNOWN xyz\n",
	                                    "PROXY TCP6 ::1 ::1 1 2\n",
	                                    "PROXY\n",
	                                    "PROXY TCP4 1.2.3.4\n"};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const uint8_t *buf = (const uint8_t *)lines[i];
		size_t len = strlen(lines[i]), have = 0;
		struct proxyproto_header h;

		for (;;) {
			proxyproto_parse(buf, have, ANY, &h);
			if (h.status != PROXYPROTO_NEED_MORE)
				break;
			ck_assert_msg(have < len, "%zu: waits past the LF", i);
			have = h.need < len ? h.need : len;
		}
		ck_assert_msg(h.status == PROXYPROTO_INVALID, "%zu: status %d",
		              i, h.status);
	}
}
END_TEST

/* Every byte value after "PROXY TCP4 1" either fits or is refused. */
START_TEST(v1_byte_sweep)
{
	uint8_t line[] = "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n";
	struct proxyproto_header h;

	for (unsigned v = 0; v < 256; v++) {
		line[12] = (uint8_t)v;
		proxyproto_parse(line, sizeof(line) - 1, ANY, &h);
		if (v == '.' || (v >= '0' && v <= '9'))
			continue; /* may be valid or a bad address */
		ck_assert_msg(h.status == PROXYPROTO_INVALID,
		              "byte %u accepted", v);
	}
}
END_TEST

static Suite *
proxyproto_suite(void)
{
	Suite *s = suite_create("proxyproto");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, parse_table, 0, (int)NELEM(cases));
	tcase_add_loop_test(tc, parse_whole, 0, (int)NELEM(cases));
	tcase_add_test(tc, missing_header_first_read);
	tcase_add_test(tc, v1_rounds);
	tcase_add_test(tc, v1_byte_sweep);
	tcase_add_test(tc, v1_lf_alone_refused_at_once);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(proxyproto_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/*
 * Unit tests for pgproto.c: pgproto_classify() over tables of byte
 * vectors (every prefix of every packet, bad lengths and codes, pipelined
 * bytes), pgproto_parse_startup(), pgproto_error_response() decoded back
 * and squeezed into every buffer too small for it, and the SSLRequest
 * bytes. See /work/shared/PROTOCOL.md for the facts these encode.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "pgproto.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
kind_name(enum pgproto_kind k)
{
	switch (k) {
	case PGPROTO_NEED_MORE:
		return "NEED_MORE";
	case PGPROTO_SSLREQUEST:
		return "SSLREQUEST";
	case PGPROTO_GSSENCREQUEST:
		return "GSSENCREQUEST";
	case PGPROTO_CANCEL:
		return "CANCEL";
	case PGPROTO_STARTUP:
		return "STARTUP";
	case PGPROTO_DIRECT_TLS:
		return "DIRECT_TLS";
	case PGPROTO_INVALID:
		return "INVALID";
	}
	return "?";
}

/* Classify, starting from an output full of garbage so that every field
 * must really be set. */
static struct pgproto_packet
classify(const uint8_t *buf, size_t len, int direct)
{
	struct pgproto_packet p;

	memset(&p, 0xA5, sizeof(p));
	pgproto_classify(buf, len, direct, &p);
	return p;
}

/* Write a packet header: length then code. */
static void
header(uint8_t *buf, uint32_t length, uint32_t code)
{
	pgproto_put32(buf, length);
	pgproto_put32(buf + 4, code);
}

/* pgproto_classify: one table of byte vectors */

struct classify_case {
	const char *name;
	uint8_t in[24];
	size_t len;
	int direct; /* allow_direct_tls */
	enum pgproto_kind kind;
	size_t need;
	uint32_t code;
	const char *why; /* words the reason must contain; NULL: no reason */
};

#define SSLREQ 0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F
#define GSSREQ 0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x30
#define CANCEL 0x04, 0xD2, 0x16, 0x2E
#define V3_0   0, 3, 0, 0
#define V3_2   0, 3, 0, 2

static const struct classify_case classify_cases[] = {
    /* Nothing yet: ask for exactly one byte. */
    {"empty", {0}, 0, 0, PGPROTO_NEED_MORE, 1, 0, NULL},
    {"empty, direct allowed", {0}, 0, 1, PGPROTO_NEED_MORE, 1, 0, NULL},

    /* Direct TLS (PostgreSQL 17): 0x16 is decided on the first byte. */
    {"0x16 direct on, 1 byte", {0x16}, 1, 1, PGPROTO_DIRECT_TLS, 1, 0, NULL},
    {"0x16 direct on, record header",
     {0x16, 0x03, 0x01, 0x02, 0x00},
     5,
     1,
     PGPROTO_DIRECT_TLS,
     1,
     0,
     NULL},
    /* Direct TLS off: 0x16 is the top byte of a length, 0x16xxxxxx is far
     * beyond 10000, refused at 4 bytes without reading on. */
    {"0x16 direct off, 1 byte", {0x16}, 1, 0, PGPROTO_NEED_MORE, 4, 0, NULL},
    {"0x16 direct off, 3 bytes",
     {0x16, 0x03, 0x01},
     3,
     0,
     PGPROTO_NEED_MORE,
     4,
     0,
     NULL},
    {"0x16 direct off, 4 bytes",
     {0x16, 0x03, 0x01, 0x02},
     4,
     0,
     PGPROTO_INVALID,
     4,
     0,
     "length"},
    {"0x16 direct off, ClientHello start",
     {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03},
     11,
     0,
     PGPROTO_INVALID,
     4,
     0,
     "length"},
    /* Direct TLS on does not change how other first bytes are read. */
    {"SSLRequest, direct allowed",
     {SSLREQ},
     8,
     1,
     PGPROTO_SSLREQUEST,
     8,
     PGPROTO_SSLREQUEST_CODE,
     NULL},

    /* SSLRequest and GSSENCRequest. */
    {"SSLRequest",
     {SSLREQ},
     8,
     0,
     PGPROTO_SSLREQUEST,
     8,
     PGPROTO_SSLREQUEST_CODE,
     NULL},
    {"SSLRequest 7 bytes",
     {SSLREQ},
     7,
     0,
     PGPROTO_NEED_MORE,
     8,
     PGPROTO_SSLREQUEST_CODE,
     NULL},
    {"SSLRequest + ClientHello bytes (pipelined)",
     {SSLREQ, 0x16, 0x03, 0x01, 0x02, 0x00},
     13,
     0,
     PGPROTO_SSLREQUEST,
     8,
     PGPROTO_SSLREQUEST_CODE,
     NULL},
    {"SSLRequest + SSLRequest (pipelined)",
     {SSLREQ, SSLREQ},
     16,
     1,
     PGPROTO_SSLREQUEST,
     8,
     PGPROTO_SSLREQUEST_CODE,
     NULL},
    {"GSSENCRequest",
     {GSSREQ},
     8,
     0,
     PGPROTO_GSSENCREQUEST,
     8,
     PGPROTO_GSSENC_CODE,
     NULL},
    {"GSSENCRequest + SSLRequest (pipelined)",
     {GSSREQ, SSLREQ},
     16,
     0,
     PGPROTO_GSSENCREQUEST,
     8,
     PGPROTO_GSSENC_CODE,
     NULL},
    /* PostgreSQL reads a request packet whole before it looks at the
     * code, and does not insist on length 8: neither do we, but the
     * whole packet is consumed (need 12), never left behind. */
    {"SSLRequest with length 12, 8 bytes",
     {0, 0, 0, 12, 0x04, 0xD2, 0x16, 0x2F},
     8,
     0,
     PGPROTO_NEED_MORE,
     12,
     PGPROTO_SSLREQUEST_CODE,
     NULL},
    {"SSLRequest with length 12, 12 bytes",
     {0, 0, 0, 12, 0x04, 0xD2, 0x16, 0x2F, 1, 2, 3, 4},
     12,
     0,
     PGPROTO_SSLREQUEST,
     12,
     PGPROTO_SSLREQUEST_CODE,
     NULL},

    /* CancelRequest: total length 16 (3.0) to 268 (3.2, 256-byte key). */
    {"Cancel 16, header",
     {0, 0, 0, 16, CANCEL},
     8,
     0,
     PGPROTO_NEED_MORE,
     16,
     PGPROTO_CANCEL_CODE,
     NULL},
    {"Cancel 16, 15 bytes",
     {0, 0, 0, 16, CANCEL, 0, 0, 0x30, 0x39, 0xde, 0xad, 0xbe},
     15,
     0,
     PGPROTO_NEED_MORE,
     16,
     PGPROTO_CANCEL_CODE,
     NULL},
    {"Cancel 16, complete",
     {0, 0, 0, 16, CANCEL, 0, 0, 0x30, 0x39, 0xde, 0xad, 0xbe, 0xef},
     16,
     0,
     PGPROTO_CANCEL,
     16,
     PGPROTO_CANCEL_CODE,
     NULL},
    {"Cancel 16, complete + pipelined byte",
     {0, 0, 0, 16, CANCEL, 0, 0, 0x30, 0x39, 0xde, 0xad, 0xbe, 0xef, 0x51},
     17,
     0,
     PGPROTO_CANCEL,
     16,
     PGPROTO_CANCEL_CODE,
     NULL},
    {"Cancel 20 (3.2, 8-byte key), header",
     {0, 0, 0, 20, CANCEL},
     8,
     0,
     PGPROTO_NEED_MORE,
     20,
     PGPROTO_CANCEL_CODE,
     NULL},
    {"Cancel 44 (3.2, 32-byte key as PG 18 issues), header",
     {0, 0, 0, 44, CANCEL},
     8,
     0,
     PGPROTO_NEED_MORE,
     44,
     PGPROTO_CANCEL_CODE,
     NULL},
    {"Cancel 268 (3.2 max key), header",
     {0, 0, 0x01, 0x0C, CANCEL},
     8,
     0,
     PGPROTO_NEED_MORE,
     268,
     PGPROTO_CANCEL_CODE,
     NULL},
    {"Cancel 15 refused",
     {0, 0, 0, 15, CANCEL, 0, 0, 0, 1, 2, 3, 4},
     11,
     0,
     PGPROTO_INVALID,
     8,
     PGPROTO_CANCEL_CODE,
     "cancel"},
    {"Cancel 12 refused",
     {0, 0, 0, 12, CANCEL, 0, 0, 0, 1},
     8,
     0,
     PGPROTO_INVALID,
     8,
     PGPROTO_CANCEL_CODE,
     "cancel"},
    {"Cancel 8 refused",
     {0, 0, 0, 8, CANCEL},
     8,
     0,
     PGPROTO_INVALID,
     8,
     PGPROTO_CANCEL_CODE,
     "cancel"},
    {"Cancel 269 refused",
     {0, 0, 0x01, 0x0D, CANCEL},
     8,
     0,
     PGPROTO_INVALID,
     8,
     PGPROTO_CANCEL_CODE,
     "cancel"},
    {"Cancel 10004 refused",
     {0, 0, 0x27, 0x14, CANCEL},
     8,
     0,
     PGPROTO_INVALID,
     8,
     PGPROTO_CANCEL_CODE,
     "cancel"},

    /* StartupMessage. */
    {"Startup 3.0, minimal",
     {0, 0, 0, 9, V3_0, 0},
     9,
     0,
     PGPROTO_STARTUP,
     9,
     PGPROTO_PROTOCOL_3_0,
     NULL},
    {"Startup 3.0, header",
     {0, 0, 0, 23, V3_0},
     8,
     0,
     PGPROTO_NEED_MORE,
     23,
     PGPROTO_PROTOCOL_3_0,
     NULL},
    {"Startup 3.0, user=bob",
     {0, 0, 0, 18, V3_0, 'u', 's', 'e', 'r', 0, 'b', 'o', 'b', 0, 0},
     18,
     0,
     PGPROTO_STARTUP,
     18,
     PGPROTO_PROTOCOL_3_0,
     NULL},
    {"Startup 3.0 + pipelined byte",
     {0, 0, 0, 18, V3_0, 'u', 's', 'e', 'r', 0, 'b', 'o', 'b', 0, 0, 'Q'},
     19,
     0,
     PGPROTO_STARTUP,
     18,
     PGPROTO_PROTOCOL_3_0,
     NULL},
    {"Startup 3.2, user=bob",
     {0, 0, 0, 18, V3_2, 'u', 's', 'e', 'r', 0, 'b', 'o', 'b', 0, 0},
     18,
     1,
     PGPROTO_STARTUP,
     18,
     PGPROTO_PROTOCOL_3_2,
     NULL},
    /* A newer 3.x minor is the server's to negotiate down, as
     * PostgreSQL does with NegotiateProtocolVersion. */
    {"Startup 3.1, header",
     {0, 0, 0, 40, 0, 3, 0, 1},
     8,
     0,
     PGPROTO_NEED_MORE,
     40,
     196609u,
     NULL},
    {"Startup 3.9999, header",
     {0, 0, 0, 40, 0, 3, 0x27, 0x0F},
     8,
     0,
     PGPROTO_NEED_MORE,
     40,
     0x0003270Fu,
     NULL},
    {"protocol 2.0 refused",
     {0, 0, 0x01, 0x28, 0, 2, 0, 0},
     8,
     0,
     PGPROTO_INVALID,
     8,
     0x00020000u,
     "protocol"},
    {"protocol 1.0 refused",
     {0, 0, 0, 40, 0, 1, 0, 0},
     8,
     0,
     PGPROTO_INVALID,
     8,
     0x00010000u,
     "protocol"},
    {"protocol 4.0 refused",
     {0, 0, 0, 40, 0, 4, 0, 0},
     8,
     0,
     PGPROTO_INVALID,
     8,
     0x00040000u,
     "protocol"},
    {"protocol 0.0 refused",
     {0, 0, 0, 40, 0, 0, 0, 0},
     8,
     0,
     PGPROTO_INVALID,
     8,
     0,
     "protocol"},
    {"unknown request code 1234.5681 refused",
     {0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x31},
     8,
     0,
     PGPROTO_INVALID,
     8,
     80877105u,
     "code"},
    {"unknown request code 1234.5677 refused",
     {0, 0, 0, 16, 0x04, 0xD2, 0x16, 0x2D},
     8,
     0,
     PGPROTO_INVALID,
     8,
     80877101u,
     "code"},

    /* Lengths: 8..10004 in total. Refused at 4 bytes, need 4: never ask
     * to read more of a packet already known to be invalid. */
    {"length 0", {0, 0, 0, 0}, 4, 0, PGPROTO_INVALID, 4, 0, "length"},
    {"length 0, 8 bytes",
     {0, 0, 0, 0, V3_0},
     8,
     0,
     PGPROTO_INVALID,
     4,
     0,
     "length"},
    {"length 4", {0, 0, 0, 4}, 4, 0, PGPROTO_INVALID, 4, 0, "length"},
    {"length 7", {0, 0, 0, 7}, 4, 0, PGPROTO_INVALID, 4, 0, "length"},
    {"length 7, 7 bytes",
     {0, 0, 0, 7, 0, 3, 0},
     7,
     0,
     PGPROTO_INVALID,
     4,
     0,
     "length"},
    {"length 8, 4 bytes", {0, 0, 0, 8}, 4, 0, PGPROTO_NEED_MORE, 8, 0, NULL},
    {"length 10004, 4 bytes",
     {0, 0, 0x27, 0x14},
     4,
     0,
     PGPROTO_NEED_MORE,
     8,
     0,
     NULL},
    {"length 10004, header",
     {0, 0, 0x27, 0x14, V3_0},
     8,
     0,
     PGPROTO_NEED_MORE,
     10004,
     PGPROTO_PROTOCOL_3_0,
     NULL},
    {"length 10005", {0, 0, 0x27, 0x15}, 4, 0, PGPROTO_INVALID, 4, 0, "length"},
    {"length 10005, header",
     {0, 0, 0x27, 0x15, V3_0},
     8,
     0,
     PGPROTO_INVALID,
     4,
     0,
     "length"},
    {"length 0x7fffffff",
     {0x7f, 0xff, 0xff, 0xff},
     4,
     0,
     PGPROTO_INVALID,
     4,
     0,
     "length"},
    {"length 0x80000000 (negative as int32)",
     {0x80, 0, 0, 0},
     4,
     0,
     PGPROTO_INVALID,
     4,
     0,
     "length"},
    {"length 0xffffffff",
     {0xff, 0xff, 0xff, 0xff},
     4,
     0,
     PGPROTO_INVALID,
     4,
     0,
     "length"},
    {"length 0x00010008 (high bytes)",
     {0, 1, 0, 8, V3_0},
     8,
     0,
     PGPROTO_INVALID,
     4,
     0,
     "length"},
    /* Fewer than four bytes: the length is not known yet. */
    {"1 byte", {0}, 1, 0, PGPROTO_NEED_MORE, 4, 0, NULL},
    {"2 bytes", {0, 0}, 2, 1, PGPROTO_NEED_MORE, 4, 0, NULL},
    {"3 bytes", {0xff, 0xff, 0xff}, 3, 0, PGPROTO_NEED_MORE, 4, 0, NULL},
    {"'G' (an HTTP GET)",
     {'G', 'E', 'T', ' '},
     4,
     1,
     PGPROTO_INVALID,
     4,
     0,
     "length"},
};

START_TEST(classify_table)
{
	const struct classify_case *c = &classify_cases[_i];
	struct pgproto_packet p = classify(c->in, c->len, c->direct);

	ck_assert_msg(p.kind == c->kind, "%s: kind %s, expected %s", c->name,
	              kind_name(p.kind), kind_name(c->kind));
	ck_assert_msg(p.need == c->need, "%s: need %zu, expected %zu", c->name,
	              p.need, c->need);
	if (c->kind != PGPROTO_NEED_MORE || c->len >= 8)
		ck_assert_msg(p.code == c->code, "%s: code %u, expected %u",
		              c->name, (unsigned)p.code, (unsigned)c->code);
	if (c->why == NULL) {
		ck_assert_msg(p.why == NULL, "%s: unexpected reason '%s'",
		              c->name, p.why);
	} else {
		ck_assert_msg(p.why != NULL, "%s: no reason", c->name);
		ck_assert_msg(strstr(p.why, c->why) != NULL,
		              "%s: reason '%s' lacks '%s'", c->name, p.why,
		              c->why);
	}
	/* Never ask for more than the largest packet; never ask for what
	 * is already there; a refusal never asks for anything more. */
	ck_assert_uint_le(p.need, PGPROTO_PACKET_MAX);
	if (p.kind == PGPROTO_NEED_MORE)
		ck_assert_msg(p.need > c->len, "%s: need %zu with %zu bytes",
		              c->name, p.need, c->len);
	if (p.kind == PGPROTO_INVALID)
		ck_assert_msg(p.need <= c->len, "%s: need %zu with %zu bytes",
		              c->name, p.need, c->len);
}
END_TEST

/* Byte at a time: every prefix of a whole packet */

/*
 * The need a correct reader must see after k bytes of a packet whose
 * header is valid: one byte, then the length, then the code, then the
 * whole packet.
 */
static size_t
expected_need(size_t k, size_t total)
{
	if (k == 0)
		return 1;
	if (k < 4)
		return 4;
	if (k < 8)
		return 8;
	return total;
}

/* Feed pkt[0..total) one byte at a time, then check the whole packet. */
static void
feed_bytewise(const char *what, const uint8_t *pkt, size_t total, int direct,
              enum pgproto_kind final, uint32_t code)
{
	struct pgproto_packet p;

	for (size_t k = 0; k < total; k++) {
		p = classify(pkt, k, direct);
		ck_assert_msg(p.kind == PGPROTO_NEED_MORE,
		              "%s after %zu bytes: %s, expected NEED_MORE",
		              what, k, kind_name(p.kind));
		ck_assert_msg(p.need == expected_need(k, total),
		              "%s after %zu bytes: need %zu, expected %zu",
		              what, k, p.need, expected_need(k, total));
		ck_assert_msg(p.need > k && p.need <= total,
		              "%s after %zu bytes: need %zu asks beyond the "
		              "%zu-byte packet",
		              what, k, p.need, total);
		ck_assert_ptr_null(p.why);
		if (k >= 8)
			ck_assert_uint_eq(p.code, code);
	}
	p = classify(pkt, total, direct);
	ck_assert_msg(p.kind == final, "%s complete: %s, expected %s", what,
	              kind_name(p.kind), kind_name(final));
	ck_assert_uint_eq(p.need, total);
	ck_assert_uint_eq(p.code, code);
	ck_assert_ptr_null(p.why);
}

/*
 * The way the caller uses classify: read exactly `need - have` bytes at a
 * time from a stream where the packet is followed by other bytes, and
 * never take a byte that belongs to what follows.
 */
static void
read_like_a_server(const char *what, const uint8_t *stream, size_t streamlen,
                   size_t total, int direct, enum pgproto_kind final)
{
	struct pgproto_packet p;
	size_t have = 0;
	int rounds = 0;

	for (;;) {
		p = classify(stream, have, direct);
		if (p.kind != PGPROTO_NEED_MORE)
			break;
		ck_assert_msg(p.need <= total,
		              "%s: asked for %zu bytes of a %zu-byte packet",
		              what, p.need, total);
		ck_assert_uint_gt(p.need, have);
		ck_assert_uint_le(p.need, streamlen);
		have = p.need;
		ck_assert_int_lt(++rounds, 5);
	}
	ck_assert_msg(p.kind == final, "%s: %s, expected %s", what,
	              kind_name(p.kind), kind_name(final));
	ck_assert_uint_eq(have, total);
	ck_assert_uint_eq(p.need, total);
}

START_TEST(sslrequest_bytewise)
{
	const uint8_t pkt[] = {SSLREQ};
	const uint8_t stream[] = {SSLREQ, 0x16, 0x03, 0x01, 0x00, 0x2f};

	feed_bytewise("SSLRequest", pkt, sizeof(pkt), 0, PGPROTO_SSLREQUEST,
	              PGPROTO_SSLREQUEST_CODE);
	feed_bytewise("SSLRequest (direct on)", pkt, sizeof(pkt), 1,
	              PGPROTO_SSLREQUEST, PGPROTO_SSLREQUEST_CODE);
	read_like_a_server("SSLRequest + ClientHello", stream, sizeof(stream),
	                   8, 0, PGPROTO_SSLREQUEST);
}
END_TEST

START_TEST(gssencrequest_bytewise)
{
	const uint8_t pkt[] = {GSSREQ};
	const uint8_t stream[] = {GSSREQ, SSLREQ};

	feed_bytewise("GSSENCRequest", pkt, sizeof(pkt), 1,
	              PGPROTO_GSSENCREQUEST, PGPROTO_GSSENC_CODE);
	read_like_a_server("GSSENCRequest + SSLRequest", stream, sizeof(stream),
	                   8, 0, PGPROTO_GSSENCREQUEST);
	/* After the 'N', the SSLRequest that follows is read the same way. */
	read_like_a_server("SSLRequest after GSSENCRequest", stream + 8, 8, 8,
	                   0, PGPROTO_SSLREQUEST);
}
END_TEST

START_TEST(cancel_bytewise)
{
	static const size_t totals[] = {16, 17, 20, 44, 267, 268};
	uint8_t pkt[PGPROTO_CANCEL_MAX + 8];
	char what[64];

	for (size_t t = 0; t < NELEM(totals); t++) {
		size_t total = totals[t];

		memset(pkt, 0xEE, sizeof(pkt));
		header(pkt, (uint32_t)total, PGPROTO_CANCEL_CODE);
		pgproto_put32(pkt + 8, 12345);
		for (size_t i = 12; i < total; i++)
			pkt[i] = (uint8_t)i;
		snprintf(what, sizeof(what), "CancelRequest %zu", total);
		feed_bytewise(what, pkt, total, 0, PGPROTO_CANCEL,
		              PGPROTO_CANCEL_CODE);
		/* The 0xEE bytes after it are not the cancel's. */
		read_like_a_server(what, pkt, total + 8, total, 1,
		                   PGPROTO_CANCEL);
	}
}
END_TEST

START_TEST(startup_bytewise)
{
	static const uint8_t body[] = "user\0bob\0database\0db\0";
	uint8_t pkt[64];
	size_t total = 8 + sizeof(body); /* sizeof includes the final NUL */

	memset(pkt, 'Q', sizeof(pkt));
	header(pkt, (uint32_t)total, PGPROTO_PROTOCOL_3_0);
	memcpy(pkt + 8, body, sizeof(body));
	feed_bytewise("Startup 3.0", pkt, total, 1, PGPROTO_STARTUP,
	              PGPROTO_PROTOCOL_3_0);
	read_like_a_server("Startup 3.0 + Query", pkt, sizeof(pkt), total, 1,
	                   PGPROTO_STARTUP);

	pgproto_put32(pkt + 4, PGPROTO_PROTOCOL_3_2);
	feed_bytewise("Startup 3.2", pkt, total, 0, PGPROTO_STARTUP,
	              PGPROTO_PROTOCOL_3_2);
}
END_TEST

/* The largest packet: accepted, asked for exactly, and one byte more is
 * refused before the body is read. */
START_TEST(startup_max_length)
{
	static uint8_t pkt[PGPROTO_PACKET_MAX + 16];
	struct pgproto_packet p;

	ck_assert_uint_eq(PGPROTO_PACKET_MAX, 10004);
	memset(pkt, 'x', sizeof(pkt));
	header(pkt, PGPROTO_PACKET_MAX, PGPROTO_PROTOCOL_3_0);
	pkt[PGPROTO_PACKET_MAX - 1] = '\0';
	for (size_t k = 8; k < PGPROTO_PACKET_MAX; k += 997) {
		p = classify(pkt, k, 0);
		ck_assert_int_eq(p.kind, PGPROTO_NEED_MORE);
		ck_assert_uint_eq(p.need, PGPROTO_PACKET_MAX);
	}
	p = classify(pkt, PGPROTO_PACKET_MAX - 1, 0);
	ck_assert_int_eq(p.kind, PGPROTO_NEED_MORE);
	ck_assert_uint_eq(p.need, PGPROTO_PACKET_MAX);
	p = classify(pkt, PGPROTO_PACKET_MAX, 0);
	ck_assert_int_eq(p.kind, PGPROTO_STARTUP);
	ck_assert_uint_eq(p.need, PGPROTO_PACKET_MAX);
	p = classify(pkt, sizeof(pkt), 0);
	ck_assert_int_eq(p.kind, PGPROTO_STARTUP);
	ck_assert_uint_eq(p.need, PGPROTO_PACKET_MAX);

	header(pkt, PGPROTO_PACKET_MAX + 1, PGPROTO_PROTOCOL_3_0);
	for (size_t k = 4; k <= sizeof(pkt); k += 1001) {
		p = classify(pkt, k, 0);
		ck_assert_int_eq(p.kind, PGPROTO_INVALID);
		ck_assert_uint_eq(p.need, 4);
	}
}
END_TEST

/* Invalid lengths, byte at a time: the verdict comes at byte 4, and
 * before that nothing beyond 4 bytes is asked for. */
START_TEST(invalid_length_bytewise)
{
	static const uint32_t lengths[] = {0,     1,           4,          7,
	                                   10005, 0x16030102u, 0xffffffffu};
	uint8_t pkt[8];

	for (size_t i = 0; i < NELEM(lengths); i++) {
		header(pkt, lengths[i], PGPROTO_PROTOCOL_3_0);
		for (size_t k = 0; k <= sizeof(pkt); k++) {
			struct pgproto_packet p = classify(pkt, k, 0);

			if (k < 4) {
				ck_assert_int_eq(p.kind, PGPROTO_NEED_MORE);
				ck_assert_uint_eq(p.need, k == 0 ? 1 : 4);
			} else {
				ck_assert_msg(p.kind == PGPROTO_INVALID,
				              "length %u after %zu bytes: %s",
				              (unsigned)lengths[i], k,
				              kind_name(p.kind));
				ck_assert_uint_eq(p.need, 4);
				ck_assert_ptr_nonnull(p.why);
				ck_assert_ptr_nonnull(strstr(p.why, "length"));
			}
		}
	}
}
END_TEST

/* Every request code around the real ones, on a valid length: only the
 * three requests and protocol 3.x pass. */
START_TEST(code_sweep)
{
	uint8_t pkt[8];

	for (uint32_t code = 80877090u; code <= 80877115u; code++) {
		struct pgproto_packet p;
		int known = code == PGPROTO_SSLREQUEST_CODE ||
		            code == PGPROTO_GSSENC_CODE ||
		            code == PGPROTO_CANCEL_CODE;

		header(pkt, 16, code);
		p = classify(pkt, 8, 0);
		ck_assert_msg(p.kind ==
		                  (known ? PGPROTO_NEED_MORE : PGPROTO_INVALID),
		              "code %u: %s", (unsigned)code, kind_name(p.kind));
		ck_assert_uint_eq(p.code, code);
	}
	for (uint32_t major = 0; major < 8; major++) {
		struct pgproto_packet p;

		header(pkt, 16, major << 16);
		p = classify(pkt, 8, 0);
		ck_assert_msg(p.kind == (major == 3 ? PGPROTO_NEED_MORE
		                                    : PGPROTO_INVALID),
		              "protocol %u.0: %s", (unsigned)major,
		              kind_name(p.kind));
	}
}
END_TEST

/* pgproto_parse_startup */

static uint8_t spkt[PGPROTO_PACKET_MAX + 8];

/* Build a StartupMessage from body[0..bodylen) with a correct length. */
static size_t
startup(uint32_t version, const void *body, size_t bodylen)
{
	ck_assert_uint_le(8 + bodylen, sizeof(spkt));
	header(spkt, (uint32_t)(8 + bodylen), version);
	memcpy(spkt + 8, body, bodylen);
	return 8 + bodylen;
}

/* sizeof a string literal minus the NUL the compiler adds. */
#define BODY(s) (s), (sizeof(s) - 1)

START_TEST(parse_startup_valid)
{
	struct pgproto_startup st;
	const char *why = "untouched";
	size_t len =
	    startup(PGPROTO_PROTOCOL_3_0, BODY("user\0alice\0database\0sales\0"
	                                       "application_name\0psql\0"
	                                       "client_encoding\0UTF8\0\0"));

	ck_assert_int_eq(pgproto_parse_startup(spkt, len, &st, &why), 0);
	ck_assert_uint_eq(st.version, PGPROTO_PROTOCOL_3_0);
	ck_assert_str_eq(st.user, "alice");
	ck_assert_str_eq(st.database, "sales");
	ck_assert_str_eq(st.application_name, "psql");
	/* Pointers into the caller's buffer, not copies. */
	ck_assert(st.user >= (const char *)spkt &&
	          st.user < (const char *)spkt + len);
	ck_assert(st.application_name >= (const char *)spkt &&
	          st.application_name < (const char *)spkt + len);
}
END_TEST

START_TEST(parse_startup_valid_32_partial)
{
	struct pgproto_startup st;
	const char *why = NULL;
	size_t len;

	/* Protocol 3.2, only a user, other options around it. */
	len = startup(PGPROTO_PROTOCOL_3_2,
	              BODY("options\0-c x=1\0user\0bob\0_pq_.foo\0bar\0\0"));
	memset(&st, 0xA5, sizeof(st));
	ck_assert_int_eq(pgproto_parse_startup(spkt, len, &st, &why), 0);
	ck_assert_uint_eq(st.version, PGPROTO_PROTOCOL_3_2);
	ck_assert_str_eq(st.user, "bob");
	ck_assert_ptr_null(st.database);
	ck_assert_ptr_null(st.application_name);

	/* No parameters at all: only the terminator. */
	len = startup(PGPROTO_PROTOCOL_3_0, BODY("\0"));
	memset(&st, 0xA5, sizeof(st));
	ck_assert_int_eq(pgproto_parse_startup(spkt, len, &st, &why), 0);
	ck_assert_ptr_null(st.user);
	ck_assert_ptr_null(st.database);
	ck_assert_ptr_null(st.application_name);

	/* Empty values are values; a value named like a key is a value. */
	len = startup(PGPROTO_PROTOCOL_3_0, BODY("user\0\0database\0user\0\0"));
	ck_assert_int_eq(pgproto_parse_startup(spkt, len, &st, &why), 0);
	ck_assert_str_eq(st.user, "");
	ck_assert_str_eq(st.database, "user");

	/* The last of a repeated name wins, as in PostgreSQL. */
	len = startup(PGPROTO_PROTOCOL_3_0,
	              BODY("user\0first\0user\0second\0\0"));
	ck_assert_int_eq(pgproto_parse_startup(spkt, len, &st, &why), 0);
	ck_assert_str_eq(st.user, "second");
}
END_TEST

struct startup_bad {
	const char *name;
	const char *body;
	size_t bodylen;
	int length_delta; /* added to the length field */
	const char *why;  /* words the reason must contain */
};

#define BAD(n, s, d, w)                                                        \
	{                                                                      \
		(n), (s), sizeof(s) - 1, (d), (w)                              \
	}

static const struct startup_bad startup_bad_cases[] = {
    BAD("missing final NUL", "user\0bob\0", 0, "terminator"),
    BAD("missing final NUL after two pairs", "user\0bob\0database\0db\0", 0,
        "terminator"),
    BAD("unterminated name", "user\0bob\0datab", 0, "unterminated"),
    BAD("unterminated value", "user\0bo", 0, "unterminated"),
    BAD("unterminated only string", "user", 0, "unterminated"),
    BAD("data after the terminator", "user\0bob\0\0x\0", 0, "after"),
    BAD("NUL after the terminator", "user\0bob\0\0\0", 0, "after"),
    BAD("terminator first, then data", "\0user\0bob\0\0", 0, "after"),
    BAD("odd number of strings", "user\0bob\0database\0\0", 0, "terminator"),
    BAD("one name, no value", "user\0", 0, "terminator"),
    BAD("length field one too big", "user\0bob\0\0", 1, "length"),
    BAD("length field one too small", "user\0bob\0\0", -1, "length"),
    BAD("length field way off", "user\0bob\0\0", 1000, "length"),
    BAD("no body at all (length 8)", "", 0, "length"),
};

START_TEST(parse_startup_bad)
{
	const struct startup_bad *c = &startup_bad_cases[_i];
	struct pgproto_startup st;
	const char *why = NULL;
	size_t len = startup(PGPROTO_PROTOCOL_3_0, c->body, c->bodylen);

	pgproto_put32(spkt, (uint32_t)((long)len + c->length_delta));
	ck_assert_msg(pgproto_parse_startup(spkt, len, &st, &why) == -1,
	              "%s: accepted", c->name);
	ck_assert_msg(why != NULL, "%s: no reason", c->name);
	ck_assert_msg(strstr(why, c->why) != NULL, "%s: reason '%s' lacks '%s'",
	              c->name, why, c->why);
}
END_TEST

/* pgproto_startup_refusal: what PostgreSQL 15 answers for each layout. */
struct refusal_case {
	const char *name;
	uint32_t version;
	const char *body;
	size_t bodylen;
	const char *sqlstate; /* NULL: PostgreSQL takes it */
};

#define REFUSAL(n, v, s, st)                                                   \
	{                                                                      \
		(n), (v), (s), sizeof(s) - 1, (st)                             \
	}

static const struct refusal_case refusal_cases[] = {
    REFUSAL("good", PGPROTO_PROTOCOL_3_0, "user\0bob\0\0", NULL),
    REFUSAL("good 3.2", PGPROTO_PROTOCOL_3_2, "user\0bob\0database\0d\0\0",
            NULL),
    REFUSAL("no final NUL", PGPROTO_PROTOCOL_3_0, "user\0bob\0", "08P01"),
    REFUSAL("parameter without value", PGPROTO_PROTOCOL_3_0,
            "user\0bob\0database\0\0", "08P01"),
    REFUSAL("data after the terminator", PGPROTO_PROTOCOL_3_0,
            "user\0bob\0\0x\0", "08P01"),
    REFUSAL("unterminated value", PGPROTO_PROTOCOL_3_0, "user\0bo", "08P01"),
    REFUSAL("no user", PGPROTO_PROTOCOL_3_0, "database\0d\0\0", "28000"),
    REFUSAL("empty user", PGPROTO_PROTOCOL_3_0, "user\0\0\0", "28000"),
    REFUSAL("only the terminator", PGPROTO_PROTOCOL_3_0, "\0", "28000"),
    /* Protocol 2 and 4: the server's own 0A000, not ours. */
    REFUSAL("protocol 2", 0x00020000u, "user\0bob\0", NULL),
    REFUSAL("protocol 4", 0x00040000u, "garbage", NULL),
};

START_TEST(startup_refusal)
{
	const struct refusal_case *c = &refusal_cases[_i];
	const char *sqlstate = "untouched";
	size_t len = startup(c->version, c->body, c->bodylen);
	const char *msg = pgproto_startup_refusal(spkt, len, &sqlstate);

	if (c->sqlstate == NULL) {
		ck_assert_msg(msg == NULL, "%s: refused: %s", c->name, msg);
		ck_assert_str_eq(sqlstate, "untouched");
		return;
	}
	ck_assert_msg(msg != NULL, "%s: taken", c->name);
	ck_assert_str_eq(sqlstate, c->sqlstate);
	ck_assert_str_eq(msg, strcmp(c->sqlstate, "28000") == 0
	                          ? "no PostgreSQL user name specified in "
	                            "startup packet"
	                          : "invalid startup packet layout: expected "
	                            "terminator as last byte");
}
END_TEST

/* The parser must not read beyond len: a packet at the very end of an
 * exactly-sized heap block (ASan / valgrind catch an over-read). */
START_TEST(parse_startup_no_overread)
{
	static const char *const bodies[] = {"user\0bob", "user\0bob\0",
	                                     "user\0bob\0\0", "u"};
	static const size_t lens[] = {8, 9, 10, 1};

	for (size_t i = 0; i < NELEM(bodies); i++) {
		size_t len = 8 + lens[i];
		uint8_t *p = malloc(len);
		struct pgproto_startup st;
		const char *why = NULL;
		int rc;

		ck_assert_ptr_nonnull(p);
		header(p, (uint32_t)len, PGPROTO_PROTOCOL_3_0);
		memcpy(p + 8, bodies[i], lens[i]);
		rc = pgproto_parse_startup(p, len, &st, &why);
		ck_assert_int_eq(rc, i == 2 ? 0 : -1);
		if (rc == 0)
			ck_assert_str_eq(st.user, "bob");
		free(p);
	}
}
END_TEST

START_TEST(parse_startup_too_long)
{
	struct pgproto_startup st;
	const char *why = NULL;
	size_t len;

	/* 10004 bytes in total is the most PostgreSQL accepts. */
	memset(spkt, 'a', sizeof(spkt));
	header(spkt, PGPROTO_PACKET_MAX, PGPROTO_PROTOCOL_3_0);
	memcpy(spkt + 8, "user\0", 5);
	spkt[PGPROTO_PACKET_MAX - 2] = '\0';
	spkt[PGPROTO_PACKET_MAX - 1] = '\0';
	ck_assert_int_eq(
	    pgproto_parse_startup(spkt, PGPROTO_PACKET_MAX, &st, &why), 0);
	ck_assert_uint_eq(strlen(st.user), PGPROTO_PACKET_MAX - 2 - 13);

	len = PGPROTO_PACKET_MAX + 1;
	header(spkt, (uint32_t)len, PGPROTO_PROTOCOL_3_0);
	spkt[len - 2] = '\0';
	spkt[len - 1] = '\0';
	ck_assert_int_eq(pgproto_parse_startup(spkt, len, &st, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "length"));
}
END_TEST

/* pgproto_error_response */

struct decoded {
	uint32_t length;
	char types[8];
	const char *values[8];
	size_t nfields;
};

/* Decode an ErrorResponse strictly; fails the test on any layout error. */
static void
decode_error(const uint8_t *buf, size_t n, struct decoded *d)
{
	size_t pos = 5;

	memset(d, 0, sizeof(*d));
	ck_assert_uint_ge(n, 6);
	ck_assert_int_eq(buf[0], 'E');
	d->length = pgproto_get32(buf + 1);
	ck_assert_uint_eq(d->length, n - 1);
	while (buf[pos] != '\0') {
		const uint8_t *nul = memchr(buf + pos + 1, '\0', n - pos - 1);

		ck_assert_ptr_nonnull(nul);
		ck_assert_uint_lt(d->nfields, NELEM(d->types));
		d->types[d->nfields] = (char)buf[pos];
		d->values[d->nfields] = (const char *)buf + pos + 1;
		d->nfields++;
		pos = (size_t)(nul - buf) + 1;
		ck_assert_uint_lt(pos, n);
	}
	/* The terminator is the last byte. */
	ck_assert_uint_eq(pos, n - 1);
}

START_TEST(error_response_roundtrip)
{
	uint8_t buf[512];
	struct decoded d;
	size_t n;

	memset(buf, 0xEE, sizeof(buf));
	n = pgproto_error_response(buf, sizeof(buf) - 1, "28000",
	                           "no TLS, no entry", "the detail",
	                           "use sslmode=require");
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(buf[n], 0xEE);
	decode_error(buf, n, &d);
	ck_assert_uint_eq(d.nfields, 6);
	ck_assert_mem_eq(d.types, "SVCMDH", 6);
	ck_assert_str_eq(d.values[0], "FATAL");
	ck_assert_str_eq(d.values[1], "FATAL");
	ck_assert_str_eq(d.values[2], "28000");
	ck_assert_str_eq(d.values[3], "no TLS, no entry");
	ck_assert_str_eq(d.values[4], "the detail");
	ck_assert_str_eq(d.values[5], "use sslmode=require");
	/* 1 + 4 + (1+6)*2 + (1+6) + (1+17) + (1+11) + (1+20) + 1 */
	ck_assert_uint_eq(n, 1 + 4 + 14 + 7 + 18 + 12 + 21 + 1);
}
END_TEST

START_TEST(error_response_optional_fields)
{
	uint8_t buf[256];
	struct decoded d;
	size_t n;

	n = pgproto_error_response(buf, sizeof(buf), "08P01", "m", NULL, NULL);
	decode_error(buf, n, &d);
	ck_assert_uint_eq(d.nfields, 4);
	ck_assert_mem_eq(d.types, "SVCM", 4);
	ck_assert_str_eq(d.values[3], "m");
	ck_assert_uint_eq(n, 1 + 4 + 7 + 7 + 7 + 3 + 1);

	n = pgproto_error_response(buf, sizeof(buf), "08P01", "m", "d", NULL);
	decode_error(buf, n, &d);
	ck_assert_uint_eq(d.nfields, 5);
	ck_assert_mem_eq(d.types, "SVCMD", 5);
	ck_assert_str_eq(d.values[4], "d");

	n = pgproto_error_response(buf, sizeof(buf), "08P01", "m", NULL, "h");
	decode_error(buf, n, &d);
	ck_assert_uint_eq(d.nfields, 5);
	ck_assert_mem_eq(d.types, "SVCMH", 5);
	ck_assert_str_eq(d.values[4], "h");

	/* An empty message is still a field. */
	n = pgproto_error_response(buf, sizeof(buf), "XX000", "", NULL, NULL);
	decode_error(buf, n, &d);
	ck_assert_uint_eq(d.nfields, 4);
	ck_assert_str_eq(d.values[3], "");
}
END_TEST

/*
 * Every capacity below the size needed returns 0 and writes nothing past
 * cap (a guard byte after it; and the same with an exactly-sized heap
 * block, for ASan and valgrind). The needed size itself works.
 */
static void
squeeze(const char *detail, const char *hint)
{
	uint8_t ref[512], buf[512 + 1];
	size_t need = pgproto_error_response(
	    ref, sizeof(ref), "28000", "connection refused", detail, hint);

	ck_assert_uint_gt(need, 0);
	ck_assert_uint_lt(need, sizeof(ref));
	for (size_t cap = 0; cap <= need; cap++) {
		uint8_t *heap = malloc(cap > 0 ? cap : 1);
		size_t n;

		ck_assert_ptr_nonnull(heap);
		memset(buf, 0xEE, sizeof(buf));
		n = pgproto_error_response(buf, cap, "28000",
		                           "connection refused", detail, hint);
		ck_assert_msg(buf[cap] == 0xEE,
		              "cap %zu: guard byte overwritten", cap);
		if (cap < need) {
			ck_assert_msg(n == 0, "cap %zu < %zu: returned %zu",
			              cap, need, n);
		} else {
			ck_assert_uint_eq(n, need);
			ck_assert_mem_eq(buf, ref, need);
		}
		n = pgproto_error_response(heap, cap, "28000",
		                           "connection refused", detail, hint);
		ck_assert_uint_eq(n, cap < need ? 0 : need);
		free(heap);
	}
}

START_TEST(error_response_too_small)
{
	squeeze("a detail", "a hint");
	squeeze(NULL, NULL);
	squeeze("a detail", NULL);
	squeeze(NULL, "a hint");
}
END_TEST

/* pgproto_ssl_request and the byte helpers */

START_TEST(ssl_request_bytes)
{
	static const uint8_t want[8] = {0x00, 0x00, 0x00, 0x08,
	                                0x04, 0xD2, 0x16, 0x2F};
	uint8_t buf[10];
	struct pgproto_packet p;

	memset(buf, 0xEE, sizeof(buf));
	pgproto_ssl_request(buf);
	ck_assert_mem_eq(buf, want, 8);
	ck_assert_uint_eq(buf[8], 0xEE);
	/* And what we send, we accept. */
	p = classify(buf, 8, 1);
	ck_assert_int_eq(p.kind, PGPROTO_SSLREQUEST);
	ck_assert_uint_eq(p.need, 8);
}
END_TEST

/* AuthenticationSASL: 'R', length, 10, names, empty name. */
static size_t
sasl_message(uint8_t *out, const char *const *names, size_t n)
{
	size_t pos = 9;

	out[0] = 'R';
	pgproto_put32(out + 5, 10);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]) + 1;

		memcpy(out + pos, names[i], len);
		pos += len;
	}
	out[pos++] = '\0';
	pgproto_put32(out + 1, (uint32_t)(pos - 1));
	return pos;
}

START_TEST(sasl_drop_plus)
{
	static const char *const both[] = {"SCRAM-SHA-256-PLUS",
	                                   "SCRAM-SHA-256"};
	static const char *const plain[] = {"SCRAM-SHA-256"};
	uint8_t msg[128], want[128];
	size_t len = sasl_message(msg, both, 2);
	size_t wlen = sasl_message(want, plain, 1);
	size_t n = pgproto_sasl_drop_mechanism(msg, len, "SCRAM-SHA-256-PLUS");

	ck_assert_uint_eq(n, wlen);
	ck_assert_mem_eq(msg, want, wlen);
	/* Nothing to drop: unchanged. */
	n = pgproto_sasl_drop_mechanism(msg, n, "SCRAM-SHA-256-PLUS");
	ck_assert_uint_eq(n, wlen);
	ck_assert_mem_eq(msg, want, wlen);
}
END_TEST

START_TEST(sasl_drop_other_messages)
{
	/* AuthenticationOk, an ErrorResponse-like 'E', a bad length. */
	uint8_t ok[9] = {'R', 0, 0, 0, 8, 0, 0, 0, 0};
	uint8_t e[9] = {'E', 0, 0, 0, 8, 0, 0, 0, 10};
	uint8_t bad[9] = {'R', 0, 0, 0, 99, 0, 0, 0, 10};
	uint8_t copy[9];

	memcpy(copy, ok, 9);
	ck_assert_uint_eq(pgproto_sasl_drop_mechanism(ok, 9, "X"), 9);
	ck_assert_mem_eq(ok, copy, 9);
	memcpy(copy, e, 9);
	ck_assert_uint_eq(pgproto_sasl_drop_mechanism(e, 9, "X"), 9);
	ck_assert_mem_eq(e, copy, 9);
	memcpy(copy, bad, 9);
	ck_assert_uint_eq(pgproto_sasl_drop_mechanism(bad, 9, "X"), 9);
	ck_assert_mem_eq(bad, copy, 9);
	ck_assert_uint_eq(pgproto_sasl_drop_mechanism(ok, 3, "X"), 3);
}
END_TEST

START_TEST(get_put32)
{
	uint8_t b[6] = {0xEE, 0, 0, 0, 0, 0xEE};

	pgproto_put32(b + 1, 0x01020304u);
	ck_assert_mem_eq(b, "\xEE\x01\x02\x03\x04\xEE", 6);
	ck_assert_uint_eq(pgproto_get32(b + 1), 0x01020304u);
	pgproto_put32(b + 1, 0xfffffffeu);
	ck_assert_uint_eq(pgproto_get32(b + 1), 0xfffffffeu);
	ck_assert_uint_eq(b[1], 0xff);
	ck_assert_uint_eq(b[4], 0xfe);
	ck_assert_uint_eq(PGPROTO_SSLREQUEST_CODE, (1234u << 16) | 5679u);
	ck_assert_uint_eq(PGPROTO_GSSENC_CODE, (1234u << 16) | 5680u);
	ck_assert_uint_eq(PGPROTO_CANCEL_CODE, (1234u << 16) | 5678u);
	ck_assert_uint_eq(PGPROTO_PROTOCOL_3_0, 3u << 16);
	ck_assert_uint_eq(PGPROTO_PROTOCOL_3_2, (3u << 16) | 2u);
}
END_TEST

static Suite *
pgproto_suite(void)
{
	Suite *s = suite_create("pgproto");
	TCase *tc;

	tc = tcase_create("classify");
	tcase_add_loop_test(tc, classify_table, 0, (int)NELEM(classify_cases));
	tcase_add_test(tc, sslrequest_bytewise);
	tcase_add_test(tc, gssencrequest_bytewise);
	tcase_add_test(tc, cancel_bytewise);
	tcase_add_test(tc, startup_bytewise);
	tcase_add_test(tc, startup_max_length);
	tcase_add_test(tc, invalid_length_bytewise);
	tcase_add_test(tc, code_sweep);
	suite_add_tcase(s, tc);

	tc = tcase_create("startup");
	tcase_add_test(tc, parse_startup_valid);
	tcase_add_test(tc, parse_startup_valid_32_partial);
	tcase_add_loop_test(tc, parse_startup_bad, 0,
	                    (int)NELEM(startup_bad_cases));
	tcase_add_loop_test(tc, startup_refusal, 0, (int)NELEM(refusal_cases));
	tcase_add_test(tc, parse_startup_no_overread);
	tcase_add_test(tc, parse_startup_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_add_test(tc, error_response_roundtrip);
	tcase_add_test(tc, error_response_optional_fields);
	tcase_add_test(tc, error_response_too_small);
	tcase_add_test(tc, ssl_request_bytes);
	tcase_add_test(tc, get_put32);
	tcase_add_test(tc, sasl_drop_plus);
	tcase_add_test(tc, sasl_drop_other_messages);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pgproto_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

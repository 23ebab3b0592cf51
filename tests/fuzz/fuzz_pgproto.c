/*
 * libFuzzer target for pgproto: the first bytes a client sends, before
 * any TLS, are the most exposed input pgstunnel has.
 *
 * Each input is:
 *  - classified whole, with and without direct TLS;
 *  - read the way session.c reads it: classify the bytes so far, read up
 *    to `need`, classify again. Every prefix shorter than the packet must
 *    be NEED_MORE with need > have, need never shrinks and never passes
 *    PGPROTO_PACKET_MAX, and the final answer must equal the answer for
 *    the whole input (the classification depends on the packet only, not
 *    on what follows it);
 *  - when it is a StartupMessage, parsed from an exact-size copy of the
 *    packet, so that AddressSanitizer sees any read past it (and the raw
 *    input is parsed too: the parser checks its own length);
 *  - cut at its NUL bytes into sqlstate, message, detail and hint for
 *    pgproto_error_response(), written into buffers of several sizes
 *    with guard bytes after them.
 */
#include <string.h>

#include "fuzz.h"
#include "pgproto.h"

#define GUARD      32
#define GUARD_BYTE 0xa5

static int
is_complete(enum pgproto_kind kind)
{
	return kind != PGPROTO_NEED_MORE;
}

/* A complete answer (anything but NEED_MORE) for len bytes. */
static void
check_complete(const struct pgproto_packet *p, size_t len)
{
	FUZZ_CHECK(p->need >= 1);
	FUZZ_CHECK(p->need <= len);
	FUZZ_CHECK(p->need <= PGPROTO_PACKET_MAX);
	switch (p->kind) {
	case PGPROTO_INVALID:
		FUZZ_CHECK(p->why != NULL);
		break;
	case PGPROTO_DIRECT_TLS:
		FUZZ_CHECK(p->need == 1);
		break;
	case PGPROTO_SSLREQUEST:
		FUZZ_CHECK(p->code == PGPROTO_SSLREQUEST_CODE);
		FUZZ_CHECK(p->need >= 8);
		break;
	case PGPROTO_GSSENCREQUEST:
		FUZZ_CHECK(p->code == PGPROTO_GSSENC_CODE);
		FUZZ_CHECK(p->need >= 8);
		break;
	case PGPROTO_CANCEL:
		FUZZ_CHECK(p->code == PGPROTO_CANCEL_CODE);
		FUZZ_CHECK(p->need >= PGPROTO_CANCEL_MIN);
		FUZZ_CHECK(p->need <= PGPROTO_CANCEL_MAX);
		break;
	case PGPROTO_STARTUP:
		FUZZ_CHECK(p->code >> 16 == 3);
		FUZZ_CHECK(p->need >= 8);
		break;
	case PGPROTO_NEED_MORE:
		FUZZ_CHECK(0);
		break;
	default:
		FUZZ_CHECK(0); /* not a value of the enum */
	}
}

/* s, when set, lies inside buf[8..len) right after "name\0". */
static void
check_param(const uint8_t *buf, size_t len, const char *s, const char *name)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(name) + 1;

	if (s == NULL)
		return;
	FUZZ_CHECK(p >= buf + 8 + n && p < buf + len);
	FUZZ_CHECK(memcmp(p - n, name, n) == 0);
	FUZZ_CHECK(memchr(p, '\0', (size_t)(buf + len - p)) != NULL);
}

static void
parse_startup(const uint8_t *buf, size_t len)
{
	struct pgproto_startup st;
	const char *why = NULL;

	if (pgproto_parse_startup(buf, len, &st, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(len >= 9 && len <= PGPROTO_PACKET_MAX);
	FUZZ_CHECK(pgproto_get32(buf) == len);
	FUZZ_CHECK(buf[len - 1] == '\0');
	FUZZ_CHECK(st.version == pgproto_get32(buf + 4));
	check_param(buf, len, st.user, "user");
	check_param(buf, len, st.database, "database");
	check_param(buf, len, st.application_name, "application_name");
}

static void
classify(const uint8_t *data, size_t size, int direct)
{
	struct pgproto_packet full, p;
	size_t k, have, last_need, limit;
	int rounds;

	pgproto_classify(data, size, direct, &full);
	if (full.kind == PGPROTO_NEED_MORE) {
		FUZZ_CHECK(full.need > size);
		FUZZ_CHECK(full.need <= PGPROTO_PACKET_MAX);
	} else {
		check_complete(&full, size);
	}

	/* Every prefix shorter than the answer's need is NEED_MORE. */
	limit = full.need < size ? full.need : size;
	last_need = 0;
	for (k = 0; k < limit; k++) {
		pgproto_classify(data, k, direct, &p);
		FUZZ_CHECK(p.kind == PGPROTO_NEED_MORE);
		FUZZ_CHECK(p.need > k);
		FUZZ_CHECK(p.need <= PGPROTO_PACKET_MAX);
		FUZZ_CHECK(p.need >= last_need);
		last_need = p.need;
	}

	/* The reading discipline: read exactly up to need, ask again. */
	have = 0;
	for (rounds = 0;; rounds++) {
		FUZZ_CHECK(rounds < 8); /* 1, 4, 8, total: a few rounds */
		pgproto_classify(data, have, direct, &p);
		if (is_complete(p.kind)) {
			check_complete(&p, have);
			FUZZ_CHECK(p.kind == full.kind);
			FUZZ_CHECK(p.need == full.need);
			FUZZ_CHECK(p.code == full.code);
			break;
		}
		FUZZ_CHECK(p.need > have);
		FUZZ_CHECK(p.need <= PGPROTO_PACKET_MAX);
		if (p.need > size) {
			/* The input ends first: the whole says the same. */
			FUZZ_CHECK(full.kind == PGPROTO_NEED_MORE);
			FUZZ_CHECK(full.need == p.need);
			return;
		}
		have = p.need;
	}

	if (p.kind == PGPROTO_STARTUP) {
		uint8_t *copy = malloc(p.need);

		FUZZ_CHECK(copy != NULL);
		memcpy(copy, data, p.need);
		parse_startup(copy, p.need);
		free(copy);
	}
}

/* One field as pgproto_error_response() writes it: type, text, NUL. */
static size_t
field_len(const char *s)
{
	return s != NULL ? 1 + strlen(s) + 1 : 0;
}

static int
field_is(const uint8_t *out, size_t *pos, char type, const char *s)
{
	size_t n = strlen(s) + 1;

	if (out[*pos] != (uint8_t)type || memcmp(out + *pos + 1, s, n) != 0)
		return 0;
	*pos += 1 + n;
	return 1;
}

static void
error_response_cap(size_t cap, const char *sqlstate, const char *message,
                   const char *detail, const char *hint)
{
	size_t want, got, pos, i;
	uint8_t *out;

	want = 1 + 4 + 2 * field_len("FATAL") + field_len(sqlstate) +
	       field_len(message) + field_len(detail) + field_len(hint) + 1;
	out = malloc(cap + GUARD);
	FUZZ_CHECK(out != NULL);
	memset(out, GUARD_BYTE, cap + GUARD);
	got = pgproto_error_response(out, cap, sqlstate, message, detail, hint);
	for (i = cap; i < cap + GUARD; i++)
		FUZZ_CHECK(out[i] == GUARD_BYTE);
	if (cap < want) {
		FUZZ_CHECK(got == 0);
		free(out);
		return;
	}
	FUZZ_CHECK(got == want);
	FUZZ_CHECK(out[0] == 'E');
	FUZZ_CHECK(pgproto_get32(out + 1) == got - 1);
	pos = 5;
	FUZZ_CHECK(field_is(out, &pos, 'S', "FATAL"));
	FUZZ_CHECK(field_is(out, &pos, 'V', "FATAL"));
	FUZZ_CHECK(field_is(out, &pos, 'C', sqlstate));
	FUZZ_CHECK(field_is(out, &pos, 'M', message));
	if (detail != NULL)
		FUZZ_CHECK(field_is(out, &pos, 'D', detail));
	if (hint != NULL)
		FUZZ_CHECK(field_is(out, &pos, 'H', hint));
	FUZZ_CHECK(pos == got - 1 && out[pos] == '\0');
	free(out);
}

/*
 * The input cut at NUL bytes: sqlstate, message, detail, hint. A missing
 * sqlstate or message is "", a missing detail or hint is NULL.
 */
static void
error_response(const uint8_t *data, size_t size)
{
	const char *s[4] = {"", "", NULL, NULL};
	size_t pos = 0, cap, want, i;
	char *text;

	text = malloc(size + 1);
	FUZZ_CHECK(text != NULL);
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i < 4 && pos <= size; i++) {
		s[i] = text + pos;
		pos += strlen(text + pos) + 1;
	}
	want = 1 + 4 + 2 * field_len("FATAL") + field_len(s[0]) +
	       field_len(s[1]) + field_len(s[2]) + field_len(s[3]) + 1;
	{
		const size_t caps[] = {0, 1, 5, 6, 7, want - 1, want, want + 1};

		for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
			error_response_cap(caps[i], s[0], s[1], s[2], s[3]);
	}
	cap = size > 0 ? (size_t)data[size - 1] * 4 : 0;
	error_response_cap(cap, s[0], s[1], s[2], s[3]);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t word[4];

	classify(data, size, 0);
	classify(data, size, 1);
	parse_startup(data, size);
	error_response(data, size);
	if (size >= 4) {
		pgproto_put32(word, pgproto_get32(data));
		FUZZ_CHECK(memcmp(word, data, 4) == 0);
	}
	return 0;
}

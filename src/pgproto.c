/* see pgproto.h */
#include "pgproto.h"

#include <string.h>

uint32_t
pgproto_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void
pgproto_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
pgproto_ssl_request(uint8_t out[8])
{
	pgproto_put32(out, 8);
	pgproto_put32(out + 4, PGPROTO_SSLREQUEST_CODE);
}

void
pgproto_server_user(const char *user, char out[PGPROTO_NAMEDATALEN])
{
	size_t n = strnlen(user, PGPROTO_NAMEDATALEN - 1);

	memcpy(out, user, n);
	out[n] = '\0';
}

static void
set(struct pgproto_packet *out, enum pgproto_kind kind, size_t need,
    uint32_t code, const char *why)
{
	out->kind = kind;
	out->need = need;
	out->code = code;
	out->why = why;
}

/* PostgreSQL's own bounds: 4 length bytes plus 4..10000 bytes of body. */
static int
length_ok(uint32_t total)
{
	return total >= 8 && total <= PGPROTO_PACKET_MAX;
}

void
pgproto_classify(const uint8_t *buf, size_t len, int allow_direct_tls,
                 struct pgproto_packet *out)
{
	uint32_t total, code;

	if (len == 0) {
		set(out, PGPROTO_NEED_MORE, 1, 0, NULL);
		return;
	}
	if (buf[0] == PGPROTO_TLS_HANDSHAKE && allow_direct_tls) {
		set(out, PGPROTO_DIRECT_TLS, 1, 0, NULL);
		return;
	}
	if (len < 4) {
		set(out, PGPROTO_NEED_MORE, 4, 0, NULL);
		return;
	}
	total = pgproto_get32(buf);
	if (!length_ok(total)) {
		set(out, PGPROTO_INVALID, 4, 0,
		    "invalid length of startup packet");
		return;
	}
	if (len < 8) {
		set(out, PGPROTO_NEED_MORE, 8, 0, NULL);
		return;
	}
	code = pgproto_get32(buf + 4);
	if (code == PGPROTO_CANCEL_CODE &&
	    (total < PGPROTO_CANCEL_MIN || total > PGPROTO_CANCEL_MAX)) {
		set(out, PGPROTO_INVALID, 8, code,
		    "invalid length of cancel request packet");
		return;
	}
	if (code != PGPROTO_CANCEL_CODE && code != PGPROTO_SSLREQUEST_CODE &&
	    code != PGPROTO_GSSENC_CODE && (code >> 16) != 3) {
		set(out, PGPROTO_INVALID, 8, code,
		    "unsupported frontend protocol or request code");
		return;
	}
	if (len < total) {
		set(out, PGPROTO_NEED_MORE, total, code, NULL);
		return;
	}
	switch (code) {
	case PGPROTO_SSLREQUEST_CODE:
		set(out, PGPROTO_SSLREQUEST, total, code, NULL);
		break;
	case PGPROTO_GSSENC_CODE:
		set(out, PGPROTO_GSSENCREQUEST, total, code, NULL);
		break;
	case PGPROTO_CANCEL_CODE:
		set(out, PGPROTO_CANCEL, total, code, NULL);
		break;
	default:
		set(out, PGPROTO_STARTUP, total, code, NULL);
		break;
	}
}

int
pgproto_parse_startup(const uint8_t *buf, size_t len,
                      struct pgproto_startup *out, const char **why)
{
	size_t pos = 8;
	int want_name = 1;
	const char *name = NULL;

	memset(out, 0, sizeof(*out));
	if (len < 9 || len > PGPROTO_PACKET_MAX || pgproto_get32(buf) != len) {
		*why = "invalid length of startup packet";
		return -1;
	}
	out->version = pgproto_get32(buf + 4);
	/* Pairs of NUL-terminated strings, then one NUL at the very end. */
	while (pos < len) {
		const uint8_t *nul = memchr(buf + pos, '\0', len - pos);
		const char *s = (const char *)(buf + pos);

		if (nul == NULL) {
			*why = "unterminated string in startup packet";
			return -1;
		}
		if (want_name && nul == buf + pos) {
			if ((size_t)(nul - buf) + 1 != len) {
				*why = "data after the end of startup packet";
				return -1;
			}
			return 0;
		}
		if (want_name) {
			name = s;
		} else if (strcmp(name, "user") == 0) {
			out->user = s;
		} else if (strcmp(name, "database") == 0) {
			out->database = s;
		} else if (strcmp(name, "application_name") == 0) {
			out->application_name = s;
		}
		want_name = !want_name;
		pos = (size_t)(nul - buf) + 1;
	}
	*why = "missing terminator in startup packet";
	return -1;
}

const char *
pgproto_startup_refusal(const uint8_t *buf, size_t len, const char **sqlstate)
{
	struct pgproto_startup st;
	const char *why;

	if (len < 8 || pgproto_get32(buf + 4) >> 16 != 3)
		return NULL;
	if (pgproto_parse_startup(buf, len, &st, &why) != 0) {
		*sqlstate = "08P01";
		return "invalid startup packet layout: expected terminator as "
		       "last byte";
	}
	if (st.user == NULL || st.user[0] == '\0') {
		*sqlstate = "28000";
		return "no PostgreSQL user name specified in startup packet";
	}
	return NULL;
}

static size_t
put_field(uint8_t *out, size_t cap, size_t pos, char type, const char *s)
{
	size_t n = strlen(s) + 1;

	if (pos == 0 || cap - pos < n + 1)
		return 0;
	out[pos] = (uint8_t)type;
	memcpy(out + pos + 1, s, n);
	return pos + 1 + n;
}

size_t
pgproto_error_response(uint8_t *out, size_t cap, const char *sqlstate,
                       const char *message, const char *detail,
                       const char *hint)
{
	size_t pos = 5;

	if (cap < 6)
		return 0;
	out[0] = 'E';
	pos = put_field(out, cap, pos, 'S', "FATAL");
	pos = put_field(out, cap, pos, 'V', "FATAL");
	pos = put_field(out, cap, pos, 'C', sqlstate);
	pos = put_field(out, cap, pos, 'M', message);
	if (detail != NULL)
		pos = put_field(out, cap, pos, 'D', detail);
	if (hint != NULL)
		pos = put_field(out, cap, pos, 'H', hint);
	if (pos == 0 || pos >= cap)
		return 0;
	out[pos++] = '\0';
	pgproto_put32(out + 1, (uint32_t)(pos - 1));
	return pos;
}

size_t
pgproto_sasl_drop_mechanism(uint8_t *msg, size_t len, const char *name)
{
	size_t in = 9, out = 9, n = strlen(name) + 1;

	if (len < 9 || msg[0] != 'R' || pgproto_get32(msg + 1) != len - 1 ||
	    pgproto_get32(msg + 5) != 10)
		return len;
	while (in < len) {
		const uint8_t *nul = memchr(msg + in, '\0', len - in);
		size_t item =
		    nul != NULL ? (size_t)(nul - (msg + in)) + 1 : len - in;

		if (item != n || memcmp(msg + in, name, n) != 0) {
			memmove(msg + out, msg + in, item);
			out += item;
		}
		in += item;
	}
	pgproto_put32(msg + 1, (uint32_t)(out - 1));
	return out;
}

/* pem: see pem.h */
#include "pem.h"

#include <string.h>

/* Decoded bytes handed to the sink at a time. */
#define PEM_CHUNK 192

static int
label_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(name, want, len) == 0;
}

static int
is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int
starts_with(const uint8_t *line, size_t len, const char *what)
{
	size_t n = strlen(what);

	return len >= n && memcmp(line, what, n) == 0;
}

/*
 * Whether a line is "-----BEGIN label-----" (trailing blanks allowed: a
 * CRLF file leaves its CR there); *label gets the label, blanks trimmed.
 * A line without the closing dashes is text, as it was to BearSSL.
 */
static int
begin_line(const uint8_t *line, size_t len, const char **label,
           size_t *label_len)
{
	static const char begin[] = "-----BEGIN ";
	const size_t n = sizeof begin - 1;

	if (!starts_with(line, len, begin))
		return 0;
	while (len > n && is_blank(line[len - 1]))
		len--;
	if (len < n + 5 || memcmp(line + len - 5, "-----", 5) != 0)
		return 0;
	len -= 5;
	while (len > n && is_blank(line[len - 1]))
		len--;
	*label = (const char *)line + n;
	*label_len = len - n;
	return 1;
}

static enum pem_kind
pem_kind(const char *name, size_t len)
{
	if (label_is(name, len, "CERTIFICATE") ||
	    label_is(name, len, "X509 CERTIFICATE") ||
	    label_is(name, len, "X.509 CERTIFICATE"))
		return PEM_CERT;
	if (label_is(name, len, "PRIVATE KEY") ||
	    label_is(name, len, "RSA PRIVATE KEY") ||
	    label_is(name, len, "EC PRIVATE KEY"))
		return PEM_KEY;
	if (label_is(name, len, "ENCRYPTED PRIVATE KEY"))
		return PEM_ENCRYPTED_KEY;
	if (label_is(name, len, "X509 CRL"))
		return PEM_CRL;
	return PEM_OTHER;
}

/* A base64 digit's value (RFC 4648, section 4), or -1. */
static int
b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * One object's base64 body, line by line. Four digits make three bytes;
 * '=' pads the last group, after which only padding may follow. The
 * decoded bytes collect in out and go to the sink PEM_CHUNK at a time.
 */
struct b64 {
	uint32_t acc;  /* digits of the current group */
	unsigned ndig; /* digits in it, 0-3 */
	unsigned npad; /* '=' seen; then the group must end */
	int done;      /* a padded group ended the data */
	size_t nout;
	uint8_t out[PEM_CHUNK];
	const struct pem_sink *sink;
};

static void
b64_flush(struct b64 *b)
{
	if (b->nout > 0)
		b->sink->data(b->sink->ctx, b->out, b->nout);
	b->nout = 0;
}

static void
b64_emit(struct b64 *b, uint8_t byte)
{
	if (b->nout == sizeof b->out)
		b64_flush(b);
	b->out[b->nout++] = byte;
}

/* A group of four ended: its bytes, fewer when padded. */
static int
b64_group(struct b64 *b)
{
	unsigned bytes = 3 - b->npad;

	if (b->npad > 2)
		return -1;
	b64_emit(b, (uint8_t)(b->acc >> 16));
	if (bytes > 1)
		b64_emit(b, (uint8_t)(b->acc >> 8));
	if (bytes > 2)
		b64_emit(b, (uint8_t)b->acc);
	b->done = b->npad > 0;
	b->acc = 0;
	b->ndig = 0;
	b->npad = 0;
	return 0;
}

static int
b64_line(struct b64 *b, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		int v;

		/* As BearSSL's decoder did: any control byte is a blank. */
		if (c <= ' ')
			continue;
		if (b->done)
			return -1; /* data after the final, padded group */
		if (c == '=') {
			/* Padding needs at least two digits before it. */
			if (b->ndig + b->npad < 2)
				return -1;
			b->npad++;
			b->acc <<= 6;
		} else {
			if (b->npad > 0 || (v = b64_value(c)) < 0)
				return -1;
			b->acc = (b->acc << 6) | (uint32_t)v;
			b->ndig++;
		}
		if (b->ndig + b->npad == 4 && b64_group(b) != 0)
			return -1;
	}
	return 0;
}

/* What is left of a line, the newline (and nothing else) removed. */
static size_t
line_length(const uint8_t *p, size_t len, size_t *next)
{
	const uint8_t *nl = memchr(p, '\n', len);

	if (nl == NULL) {
		*next = len;
		return len;
	}
	*next = (size_t)(nl - p) + 1;
	return (size_t)(nl - p);
}

static void
wipe(void *p, size_t len)
{
	volatile unsigned char *v = p;

	while (len-- > 0)
		*v++ = 0;
}

/*
 * Line by line: outside an object, only a "-----BEGIN label-----" line
 * matters; inside one, a line that starts with "-----END"
 * closes it and every other line is base64 (blanks, CRs and other control
 * bytes ignored).
 */
int
pem_walk(const uint8_t *pem, size_t len, const struct pem_sink *sink)
{
	struct b64 b;
	int in_obj = 0, rc = 0;
	size_t n, next, label_len;
	const char *label;

	memset(&b, 0, sizeof b);
	b.sink = sink;
	while (len > 0) {
		n = line_length(pem, len, &next);
		if (!in_obj) {
			if (begin_line(pem, n, &label, &label_len)) {
				in_obj = 1;
				memset(&b, 0, sizeof b);
				b.sink = sink;
				rc = sink->begin(sink->ctx,
				                 pem_kind(label, label_len));
			}
		} else if (starts_with(pem, n, "-----END")) {
			in_obj = 0;
			if (b.ndig + b.npad != 0) {
				rc = PEM_WALK_BAD; /* a group cut short */
			} else {
				b64_flush(&b);
				rc = sink->end(sink->ctx);
			}
		} else if (b64_line(&b, pem, n) != 0) {
			rc = PEM_WALK_BAD;
		}
		if (rc != 0)
			break;
		pem += next;
		len -= next;
	}
	if (rc == 0 && in_obj)
		rc = PEM_WALK_BAD; /* no END line: a truncated file */
	/* Decoded key bytes pass through b.out. */
	wipe(&b, sizeof b);
	return rc;
}

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

/*
 * What a body byte is: a base64 digit's value (RFC 4648, section 4),
 * B64_BLANK for a byte to skip (as BearSSL's decoder did, any control
 * byte or space), B64_PAD for '=', B64_BAD for anything else. One table
 * lookup a byte: the walk runs in every process started per connection.
 */
#define B64_BAD   0xff
#define B64_BLANK 0xfe
#define B64_PAD   0xfd

#define XX B64_BAD
#define BL B64_BLANK
#define PD B64_PAD
/* Sixteen bytes a row. */
/* clang-format off */
static const unsigned char b64_class[256] = {
	BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL,
	BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL, BL,
	BL, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, XX, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, PD, XX, XX,
	XX,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX,
	XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX,
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
};
/* clang-format on */
#undef XX
#undef BL
#undef PD

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
		unsigned v = b64_class[p[i]];

		if (v == B64_BLANK)
			continue;
		if (b->done || v == B64_BAD)
			return -1; /* data after the final, padded group */
		if (v == B64_PAD) {
			/* Padding needs at least two digits before it. */
			if (b->ndig + b->npad < 2)
				return -1;
			b->npad++;
			b->acc <<= 6;
		} else {
			if (b->npad > 0)
				return -1;
			b->acc = (b->acc << 6) | v;
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

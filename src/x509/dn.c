/* see dn.h */
#include "dn.h"

#include <stdio.h>
#include <string.h>

#include "der.h"

/* Attribute types OpenSSL names with these short names. */
static const struct {
	uint8_t len;
	uint8_t oid[10];
	const char *name;
} attr_names[] = {
    {3, {0x55, 0x04, 0x03}, "CN"},
    {3, {0x55, 0x04, 0x04}, "SN"},
    {3, {0x55, 0x04, 0x05}, "serialNumber"},
    {3, {0x55, 0x04, 0x06}, "C"},
    {3, {0x55, 0x04, 0x07}, "L"},
    {3, {0x55, 0x04, 0x08}, "ST"},
    {3, {0x55, 0x04, 0x09}, "street"},
    {3, {0x55, 0x04, 0x0a}, "O"},
    {3, {0x55, 0x04, 0x0b}, "OU"},
    {3, {0x55, 0x04, 0x0c}, "title"},
    {3, {0x55, 0x04, 0x0d}, "description"},
    {3, {0x55, 0x04, 0x0f}, "businessCategory"},
    {3, {0x55, 0x04, 0x11}, "postalCode"},
    {3, {0x55, 0x04, 0x29}, "name"},
    {3, {0x55, 0x04, 0x2a}, "GN"},
    {3, {0x55, 0x04, 0x2b}, "initials"},
    {3, {0x55, 0x04, 0x2c}, "generationQualifier"},
    {3, {0x55, 0x04, 0x2e}, "dnQualifier"},
    {3, {0x55, 0x04, 0x41}, "pseudonym"},
    {9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, "emailAddress"},
    {10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, "DC"},
    {10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}, "UID"},
};

static const char *
attr_name(const struct der *oid)
{
	for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]);
	     i++) {
		if (der_is(oid, attr_names[i].oid, attr_names[i].len))
			return attr_names[i].name;
	}
	return NULL;
}

/* The text so far; a write past cap marks it as failed. */
struct text {
	char *p;
	size_t cap, len;
	int failed;
};

static void
put(struct text *t, const char *s, size_t n)
{
	if (t->failed || n >= t->cap - t->len) {
		t->failed = 1;
		return;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static void
put_hex(struct text *t, uint8_t b, int escaped)
{
	static const char hex[] = "0123456789ABCDEF";
	const char buf[3] = {'\\', hex[b >> 4], hex[b & 15]};

	put(t, escaped ? buf : buf + 1, escaped ? 3 : 2);
}

/* Bytes per character of the string types OpenSSL prints as text; 0 for
 * UTF-8, -1 for a type it dumps in hex. */
static int
char_width(unsigned tag)
{
	switch (tag) {
	case 0x0c: /* UTF8String */
		return 0;
	case 0x12: /* NumericString */
	case 0x13: /* PrintableString */
	case 0x14: /* T61String */
	case 0x16: /* IA5String */
	case 0x17: /* UTCTime */
	case 0x18: /* GeneralizedTime */
	case 0x1a: /* VisibleString */
		return 1;
	case 0x1e: /* BMPString */
		return 2;
	case 0x1c: /* UniversalString */
		return 4;
	default:
		return -1;
	}
}

/* The next character of s (width as char_width()); -1 when it does not
 * decode (UTF-8: over-long forms, surrogates, beyond U+10FFFF refused). */
static long
next_char(struct der *s, int width)
{
	const uint8_t *p = s->p;
	unsigned long c;
	size_t n, i;

	if (width > 0) {
		if (s->len < (size_t)width)
			return -1;
		c = 0;
		for (i = 0; i < (size_t)width; i++)
			c = c << 8 | p[i];
		n = (size_t)width;
	} else if (p[0] < 0x80) {
		c = p[0];
		n = 1;
	} else {
		static const unsigned long least[] = {0, 0, 0x80, 0x800,
		                                      0x10000};

		n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
		if (n == 0 || p[0] >= 0xf8 || s->len < n)
			return -1;
		c = p[0] & (0x7f >> n);
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			c = c << 6 | (p[i] & 0x3f);
		}
		if (c < least[n] || (c >= 0xd800 && c <= 0xdfff))
			return -1;
	}
	if (c > 0x10ffff)
		return -1;
	s->p += n;
	s->len -= n;
	return (long)c;
}

/* One character as OpenSSL's RFC 2253 escaping writes it. */
static void
put_char(struct text *t, unsigned long c, int first, int last)
{
	char ch = (char)c;

	if (c > 0x7f) {
		/* Its UTF-8 bytes, each escaped (ASN1_STRFLGS_ESC_MSB). */
		uint8_t u[4];
		size_t n = c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;

		for (size_t i = n; i-- > 1; c >>= 6)
			u[i] = (uint8_t)(0x80 | (c & 0x3f));
		u[0] = (uint8_t)((0xf00 >> n) | c);
		for (size_t i = 0; i < n; i++)
			put_hex(t, u[i], 1);
		return;
	}
	if (c < 0x20 || c == 0x7f) {
		put_hex(t, (uint8_t)c, 1);
		return;
	}
	/* OpenSSL looks at "last" alone for the last character: a lone '#'
	 * stays as it is. */
	if (strchr(",+\"\\<>;", ch) != NULL || (last && ch == ' ') ||
	    (first && !last && (ch == ' ' || ch == '#')))
		put(t, "\\", 1);
	put(t, &ch, 1);
}

static void
put_value(struct text *t, unsigned tag, const struct der *val,
          const struct der *whole)
{
	int width = char_width(tag);
	struct der s = *val;
	int first = 1;

	if (width < 0) {
		put(t, "#", 1);
		for (size_t i = 0; i < whole->len; i++)
			put_hex(t, whole->p[i], 0);
		return;
	}
	while (s.len > 0) {
		long c = next_char(&s, width);

		if (c < 0) {
			t->failed = 1;
			return;
		}
		put_char(t, (unsigned long)c, first, s.len == 0);
		first = 0;
	}
}

int
dn_rfc2253(const uint8_t *name, size_t len, char *out, size_t cap)
{
	const struct der whole = {name, len};
	struct der_name_walk w;
	struct der_ava ava[DN_AVAS_MAX];
	size_t n = 0;
	struct text t = {out, cap, 0, cap == 0};
	int r;

	if (der_name_begin(&w, &whole) != 0)
		return -1;
	while (n < DN_AVAS_MAX && (r = der_name_next(&w, &ava[n])) == 1)
		n++;
	if (n == DN_AVAS_MAX && der_name_next(&w, &(struct der_ava){0}) != 0)
		return -1;
	if (n < DN_AVAS_MAX && r != 0)
		return -1;
	/* Last attribute first, as XN_FLAG_DN_REV prints them. */
	for (size_t i = n; i-- > 0;) {
		const char *an = attr_name(&ava[i].oid);

		if (an == NULL)
			return -1;
		if (i + 1 < n)
			put(&t, ava[i].rdn == ava[i + 1].rdn ? "+" : ",", 1);
		put(&t, an, strlen(an));
		put(&t, "=", 1);
		put_value(&t, ava[i].tag, &ava[i].value, &ava[i].whole);
	}
	if (t.failed)
		return -1;
	out[t.len] = '\0';
	return (int)t.len;
}

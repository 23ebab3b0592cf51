/* see fmt.h */
#include "fmt.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

/*
 * Where the text goes: a buffer (dst, cap) or a stream (file), through
 * stage, so that a line up to its size is one fwrite(): on an unbuffered
 * stream (stderr) one write(2), which lines of other processes cannot
 * split.
 */
#define STAGE_BYTES 1280 /* more than a log line (log.c: 1,186 at most) */

struct out {
	char *dst;
	size_t cap;
	FILE *file;
	size_t len; /* of the whole text, written or not */
	size_t staged;
	char *stage; /* STAGE_BYTES on fmt_print()'s stack; only with file */
};

static void
flush(struct out *o)
{
	if (o->staged > 0)
		(void)fwrite(o->stage, 1, o->staged, o->file);
	o->staged = 0;
}

static void
emit(struct out *o, const char *s, size_t n)
{
	if (o->file != NULL) {
		if (o->staged + n > STAGE_BYTES)
			flush(o);
		if (n > STAGE_BYTES) {
			(void)fwrite(s, 1, n, o->file);
		} else {
			memcpy(o->stage + o->staged, s, n);
			o->staged += n;
		}
	} else if (o->cap > 0 && o->len < o->cap - 1) {
		size_t room = o->cap - 1 - o->len;

		memcpy(o->dst + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void
emit_pad(struct out *o, char c, size_t n)
{
	char pad[16];

	memset(pad, c, sizeof(pad));
	while (n > 0) {
		size_t k = n < sizeof(pad) ? n : sizeof(pad);

		emit(o, pad, k);
		n -= k;
	}
}

/* One field: body of n bytes, right-aligned in width unless left. */
static void
emit_field(struct out *o, const char *body, size_t n, size_t width, int left,
           int zero, int negative)
{
	size_t total = n + (negative ? 1 : 0);
	size_t pad = width > total ? width - total : 0;

	if (!left && !zero)
		emit_pad(o, ' ', pad);
	if (negative)
		emit(o, "-", 1);
	if (!left && zero)
		emit_pad(o, '0', pad);
	emit(o, body, n);
	if (left)
		emit_pad(o, ' ', pad);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

/* Digits of v in base, at the end of buf; returns where they start. */
static char *
digits(char *end, uintmax_t v, unsigned base, int upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do {
		*--p = set[v % base];
		v /= base;
	} while (v != 0);
	return p;
}

/* A width or precision's digits. */
static size_t
number(const char **f)
{
	size_t n = 0;

	while (**f >= '0' && **f <= '9') {
		if (n < 100000)
			n = n * 10 + (size_t)(**f - '0');
		(*f)++;
	}
	return n;
}

static enum length
length(const char **f)
{
	switch (**f) {
	case 'h':
		(*f)++;
		if (**f == 'h') {
			(*f)++;
			return LEN_CHAR;
		}
		return LEN_SHORT;
	case 'l':
		(*f)++;
		if (**f == 'l') {
			(*f)++;
			return LEN_LLONG;
		}
		return LEN_LONG;
	case 'z':
		(*f)++;
		return LEN_SIZE;
	default:
		return LEN_INT;
	}
}

/*
 * clang-analyzer takes the va_list copied from a parameter for one never
 * started (valist.Uninitialized): a false positive, as in log.c.
 */
// NOLINTBEGIN(clang-analyzer-valist.Uninitialized)
static void
format(struct out *o, const char *f, va_list ap0)
{
	va_list ap;

	va_copy(ap, ap0);
	while (*f != '\0') {
		const char *start = f, *s;
		char buf[3 * sizeof(uintmax_t) + 2], *end = buf + sizeof(buf);
		size_t width, prec = SIZE_MAX;
		int left = 0, zero = 0;
		enum length len;

		if (*f != '%') {
			const char *pct = strchr(f, '%');
			size_t n = pct != NULL ? (size_t)(pct - f) : strlen(f);

			emit(o, f, n);
			f += n;
			continue;
		}
		f++;
		for (;; f++) {
			if (*f == '-')
				left = 1;
			else if (*f == '0')
				zero = 1;
			else
				break;
		}
		if (*f == '*') {
			int w = va_arg(ap, int);

			f++;
			/* As printf: a negative width means '-'. */
			if (w < 0)
				left = 1;
			width = w < 0 ? (size_t) - (long)w : (size_t)w;
		} else {
			width = number(&f);
		}
		if (*f == '.') {
			f++;
			if (*f == '*') {
				int p = va_arg(ap, int);

				f++;
				prec = p < 0 ? SIZE_MAX
				             : (size_t)p; /* < 0: none */
			} else {
				prec = number(&f);
			}
		}
		len = length(&f);
		switch (*f) {
		case 'd':
		case 'i': {
			intmax_t v;
			uintmax_t u;

			/* Some of these types are the same on some targets. */
			// NOLINTBEGIN(bugprone-branch-clone)
			if (len == LEN_LLONG)
				v = va_arg(ap, long long);
			else if (len == LEN_LONG)
				v = va_arg(ap, long);
			else if (len == LEN_SIZE)
				v = (intmax_t)va_arg(ap, size_t);
			else
				v = va_arg(ap, int);
			// NOLINTEND(bugprone-branch-clone)
			if (len == LEN_SHORT)
				v = ((v & 0xffff) ^ 0x8000) - 0x8000;
			else if (len == LEN_CHAR)
				v = ((v & 0xff) ^ 0x80) - 0x80;
			u = v < 0 ? -(uintmax_t)v : (uintmax_t)v;

			s = digits(end, u, 10, 0);
			emit_field(o, s, (size_t)(end - s), width, left, zero,
			           v < 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uintmax_t v;
			unsigned base = *f == 'u' ? 10 : *f == 'o' ? 8 : 16;

			// NOLINTBEGIN(bugprone-branch-clone)
			if (len == LEN_LLONG)
				v = va_arg(ap, unsigned long long);
			else if (len == LEN_LONG)
				v = va_arg(ap, unsigned long);
			else if (len == LEN_SIZE)
				v = va_arg(ap, size_t);
			else
				v = va_arg(ap, unsigned);
			// NOLINTEND(bugprone-branch-clone)
			if (len == LEN_SHORT)
				v = (unsigned short)v;
			else if (len == LEN_CHAR)
				v = (unsigned char)v;

			s = digits(end, v, base, *f == 'X');
			emit_field(o, s, (size_t)(end - s), width, left, zero,
			           0);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			emit_field(o, &c, 1, width, left, 0, 0);
			break;
		}
		case 's':
			s = va_arg(ap, const char *);
			if (s == NULL)
				s = "(null)";
			emit_field(o, s,
			           prec == SIZE_MAX ? strlen(s)
			                            : strnlen(s, prec),
			           width, left, 0, 0);
			break;
		case '%':
			emit(o, "%", 1);
			break;
		default:
			/* Not a conversion fmt knows: written as it stands. */
			if (*f == '\0') {
				emit(o, start, (size_t)(f - start));
				continue;
			}
			emit(o, start, (size_t)(f + 1 - start));
			break;
		}
		f++;
	}
	va_end(ap);
}
// NOLINTEND(clang-analyzer-valist.Uninitialized)

static int
result(size_t len)
{
	return len > INT_MAX ? INT_MAX : (int)len;
}

int
fmt_vformat(char *dst, size_t cap, const char *fmt, va_list ap)
{
	struct out o = {.dst = dst, .cap = cap};

	format(&o, fmt, ap);
	if (cap > 0)
		dst[o.len < cap ? o.len : cap - 1] = '\0';
	return result(o.len);
}

int
fmt_format(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(dst, cap, fmt, ap);
	va_end(ap);
	return n;
}

int
fmt_print(FILE *f, const char *fmt, ...)
{
	char stage[STAGE_BYTES];
	struct out o = {.file = f, .stage = stage};
	va_list ap;

	va_start(ap, fmt);
	format(&o, fmt, ap);
	va_end(ap);
	flush(&o);
	return result(o.len);
}

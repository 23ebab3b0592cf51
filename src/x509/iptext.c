/* see iptext.h */
#include "iptext.h"

#include <string.h>

/* v (< 1000) in decimal at p; returns the digits written. */
static size_t
put_dec(char *p, unsigned v)
{
	size_t n = 0;

	if (v >= 100)
		p[n++] = (char)('0' + v / 100);
	if (v >= 10)
		p[n++] = (char)('0' + v / 10 % 10);
	p[n++] = (char)('0' + v % 10);
	return n;
}

/* v in lowercase hex without leading zeros at p; returns the digits. */
static size_t
put_hex(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (int shift = 12; shift >= 0; shift -= 4) {
		if (n > 0 || (v >> shift) != 0 || shift == 0)
			p[n++] = hex[(v >> shift) & 15];
	}
	return n;
}

static size_t
put_dotted(char *p, const uint8_t *ip)
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		if (i > 0)
			p[n++] = '.';
		n += put_dec(p + n, ip[i]);
	}
	return n;
}

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff};

int
iptext(const uint8_t *ip, int is6, char *out, size_t cap)
{
	char buf[IPTEXT_MAX];
	size_t n = 0;

	if (!is6) {
		n = put_dotted(buf, ip);
	} else {
		int mapped = memcmp(ip, v4mapped_prefix, 12) == 0;
		int groups = mapped ? 6 : 8, best = -1, bestlen = 1;

		/* The longest run of zero groups, two at least. */
		for (int i = 0; i < groups;) {
			int j = i;

			while (j < groups && ip[2 * (size_t)j] == 0 &&
			       ip[2 * (size_t)j + 1] == 0)
				j++;
			if (j - i > bestlen) {
				best = i;
				bestlen = j - i;
			}
			i = j > i ? j : i + 1;
		}
		for (int i = 0; i < groups;) {
			if (i == best) {
				buf[n++] = ':';
				buf[n++] = ':';
				i += bestlen;
				continue;
			}
			if (n > 0 && buf[n - 1] != ':')
				buf[n++] = ':';
			n += put_hex(buf + n, (unsigned)ip[2 * (size_t)i] << 8 |
			                          ip[2 * (size_t)i + 1]);
			i++;
		}
		if (mapped) {
			if (buf[n - 1] != ':')
				buf[n++] = ':';
			n += put_dotted(buf + n, ip + 12);
		}
	}
	if (n + 1 > cap) {
		if (cap > 0)
			out[0] = '\0';
		return -1;
	}
	memcpy(out, buf, n);
	out[n] = '\0';
	return (int)n;
}

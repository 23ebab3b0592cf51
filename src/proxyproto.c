/* see proxyproto.h */
#include "proxyproto.h"

#include <string.h>

static const uint8_t v2_signature[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                         0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

#define V2_CMD_LOCAL    0x0
#define V2_CMD_PROXY    0x1
#define V2_AF_UNSPEC    0x0
#define V2_AF_INET      0x1
#define V2_AF_INET6     0x2
#define V2_AF_UNIX      0x3
#define V2_PROTO_UNSPEC 0x0
#define V2_PROTO_STREAM 0x1
#define V2_TLV_HEADER   3 /* type, 16-bit length */

static void
need_more(struct proxyproto_header *h, size_t need)
{
	h->status = PROXYPROTO_NEED_MORE;
	h->need = need;
}

static void
invalid(struct proxyproto_header *h, size_t need, const char *why)
{
	h->status = PROXYPROTO_INVALID;
	h->need = need;
	h->why = why;
}

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Every TLV after the address block fits exactly: a header and its value. */
static int
tlvs_fit(const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t n;

		if (len < V2_TLV_HEADER)
			return 0;
		n = V2_TLV_HEADER + get16(p + 1);
		if (n > len)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

static void
parse_v2(const uint8_t *buf, size_t len, struct proxyproto_header *h)
{
	size_t sig = len < sizeof(v2_signature) ? len : sizeof(v2_signature);
	size_t block, addr_len;
	unsigned cmd, family, proto;

	if (memcmp(buf, v2_signature, sig) != 0)
		return invalid(h, len, "not a PROXY v2 signature");
	if (len > 12 && (buf[12] >> 4 != 2 || (buf[12] & 0xf) > V2_CMD_PROXY))
		return invalid(h, len, "PROXY v2: unknown version or command");
	if (len > 13 && (buf[13] >> 4 > V2_AF_UNIX || (buf[13] & 0xf) > 2))
		return invalid(h, len, "PROXY v2: unknown address family");
	if (len < PROXYPROTO_V2_FIXED)
		return need_more(h, PROXYPROTO_V2_FIXED);
	block = get16(buf + 14);
	if (block > PROXYPROTO_V2_LEN_MAX)
		return invalid(h, PROXYPROTO_V2_FIXED,
		               "PROXY v2: header longer than the 1040 bytes "
		               "accepted");
	h->need = PROXYPROTO_V2_FIXED + block;
	if (len < h->need)
		return need_more(h, h->need);
	cmd = buf[12] & 0xf;
	family = buf[13] >> 4;
	proto = buf[13] & 0xf;
	/* LOCAL: the balancer's own connection; its block is ignored. */
	h->status = PROXYPROTO_LOCAL;
	if (cmd == V2_CMD_LOCAL)
		return;
	if (family == V2_AF_UNSPEC || family == V2_AF_UNIX)
		addr_len = family == V2_AF_UNIX ? 216 : 0;
	else if (proto != V2_PROTO_STREAM)
		return invalid(h, h->need, "PROXY v2: not a TCP connection");
	else
		addr_len = family == V2_AF_INET ? 12 : 36;
	if (block < addr_len)
		return invalid(h, h->need, "PROXY v2: address block too short");
	if (!tlvs_fit(buf + PROXYPROTO_V2_FIXED + addr_len, block - addr_len))
		return invalid(h, h->need, "PROXY v2: malformed TLV");
	if (addr_len == 0 || family == V2_AF_UNIX)
		return; /* no IP address: keep the connection's */
	{
		const uint8_t *a = buf + PROXYPROTO_V2_FIXED;
		size_t ip = family == V2_AF_INET ? 4 : 16;

		netaddr_set(&h->src, a, ip, (uint16_t)get16(a + 2 * ip));
		netaddr_set(&h->dst, a + ip, ip,
		            (uint16_t)get16(a + 2 * ip + 2));
	}
	h->status = PROXYPROTO_PROXY;
}

/*
 * v1: "PROXY TCP4 SRC DST SPORT DPORT\r\n", TCP6 alike, or "PROXY
 * UNKNOWN" and anything up to CRLF. The fields after "PROXY TCPx ", with
 * the shortest form of each and what ends it (a space, or the CRLF).
 */
#define V1_FIELDS 4
static const size_t v1_min[2][V1_FIELDS] = {{7, 7, 1, 1}, {2, 2, 1, 1}};
static const size_t v1_max[2][V1_FIELDS] = {{15, 15, 5, 5}, {45, 45, 5, 5}};

/* The shortest lines: "PROXY UNKNOWN\r\n", "PROXY TCP6 :: :: 0 0\r\n",
 * "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n". */
#define V1_UNKNOWN_MIN 15
#define V1_TCP6_MIN    22
#define V1_TCP4_MIN    32

static int
v1_field_char(int v6, size_t field, uint8_t c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if (field >= 2)
		return 0;
	if (c == '.')
		return 1;
	return v6 &&
	       (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

static int
v1_port(const uint8_t *p, size_t n, uint16_t *port)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* The TCP4 or TCP6 fields from buf[start]; len > start. */
static void
parse_v1_tcp(const uint8_t *buf, size_t len, size_t start, int v6,
             struct proxyproto_header *h)
{
	size_t field = 0, flen = 0, pos, rest;
	size_t at[V1_FIELDS], n[V1_FIELDS];

	at[0] = start;
	for (pos = start; pos < len; pos++) {
		uint8_t c = buf[pos];

		if (c == '\n')
			return invalid(
			    h, pos + 1,
			    "PROXY v1: the line ends in LF without CR");
		if (c == ' ' || c == '\r') {
			if (flen < v1_min[v6][field] ||
			    (c == ' ') != (field < V1_FIELDS - 1))
				return invalid(
				    h, len, "PROXY v1: malformed address line");
			n[field] = flen;
			if (c == '\r')
				break;
			at[++field] = pos + 1;
			flen = 0;
			continue;
		}
		if (!v1_field_char(v6, field, c) || ++flen > v1_max[v6][field])
			return invalid(h, len,
			               "PROXY v1: malformed address line");
	}
	if (pos == len) {
		/* The least the line still needs: what its open field
		 * lacks, then each later field and its end. */
		rest =
		    (flen < v1_min[v6][field] ? v1_min[v6][field] - flen : 0) +
		    (field < V1_FIELDS - 1 ? 1 : 2);
		for (size_t f = field + 1; f < V1_FIELDS; f++)
			rest += v1_min[v6][f] + (f < V1_FIELDS - 1 ? 1 : 2);
		if (len + rest > PROXYPROTO_V1_MAX)
			return invalid(h, len, "PROXY v1: line too long");
		return need_more(h, len + rest);
	}
	/* buf[pos] is the CR. */
	if (pos + 2 > PROXYPROTO_V1_MAX)
		return invalid(h, len, "PROXY v1: line too long");
	if (pos + 1 == len)
		return need_more(h, len + 1);
	if (buf[pos + 1] != '\n')
		return invalid(h, pos + 2, "PROXY v1: no LF after CR");
	h->need = pos + 2;
	/* TCP6 carries IPv6 addresses (an IPv4-mapped one is written with
	 * colons too); the dotted quads of TCP4 are not one. */
	if (v6 && (memchr(buf + at[0], ':', n[0]) == NULL ||
	           memchr(buf + at[1], ':', n[1]) == NULL))
		return invalid(h, h->need,
		               "PROXY v1: TCP6 with an IPv4 address");
	if (netaddr_parse_ip((const char *)buf + at[0], n[0], &h->src) != 0 ||
	    netaddr_parse_ip((const char *)buf + at[1], n[1], &h->dst) != 0 ||
	    v1_port(buf + at[2], n[2], &h->src.port) != 0 ||
	    v1_port(buf + at[3], n[3], &h->dst.port) != 0)
		return invalid(h, h->need, "PROXY v1: bad address or port");
	h->status = PROXYPROTO_PROXY;
}

static void
parse_v1(const uint8_t *buf, size_t len, struct proxyproto_header *h)
{
	static const char tcp4[] = "PROXY TCP4 ", tcp6[] = "PROXY TCP6 ",
	                  unknown[] = "PROXY UNKNOWN";
	size_t pre = sizeof(tcp4) - 1;
	size_t un = sizeof(unknown) - 1;
	size_t cmp = len < pre ? len : pre;
	const uint8_t *cr;

	if (len >= pre &&
	    (memcmp(buf, tcp4, pre) == 0 || memcmp(buf, tcp6, pre) == 0))
		return parse_v1_tcp(buf, len, pre, buf[9] == '6', h);
	if (len < pre) {
		/* The shortest line this may still become. */
		size_t need = 0;

		if (memcmp(buf, unknown, len < un ? len : un) == 0)
			need = V1_UNKNOWN_MIN;
		else if (memcmp(buf, tcp6, cmp) == 0)
			need = V1_TCP6_MIN;
		else if (memcmp(buf, tcp4, cmp) == 0)
			need = V1_TCP4_MIN;
		if (need > 0)
			return need_more(h, need);
	}
	cmp = len < un ? len : un;
	if (memcmp(buf, unknown, cmp) != 0)
		return invalid(h, len, "not a PROXY v1 line");
	/* UNKNOWN: anything may follow, after a space, up to the CRLF; an
	 * LF before any CR ends a line that will never be one. */
	cr = len > un ? memchr(buf + un, '\r', len - un) : NULL;
	if (len > un &&
	    memchr(buf + un, '\n',
	           (cr != NULL ? (size_t)(cr - buf) : len) - un) != NULL)
		return invalid(h, len,
		               "PROXY v1: the line ends in LF without CR");
	if (len < un + 2)
		return need_more(h, un + 2);
	if (buf[un] != '\r' && buf[un] != ' ')
		return invalid(h, len, "not a PROXY v1 line");
	if (cr == NULL) {
		if (len + 2 > PROXYPROTO_V1_MAX)
			return invalid(h, len, "PROXY v1: line too long");
		return need_more(h, len + 2);
	}
	if ((size_t)(cr - buf) + 2 > PROXYPROTO_V1_MAX)
		return invalid(h, len, "PROXY v1: line too long");
	if ((size_t)(cr - buf) + 1 == len)
		return need_more(h, len + 1);
	h->need = (size_t)(cr - buf) + 2;
	if (cr[1] != '\n')
		return invalid(h, h->need, "PROXY v1: no LF after CR");
	h->status = PROXYPROTO_LOCAL;
}

void
proxyproto_parse(const uint8_t *buf, size_t len, int accept,
                 struct proxyproto_header *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return need_more(out, PROXYPROTO_FIRST);
	if (buf[0] == 'P')
		out->version = 1;
	else if (buf[0] == v2_signature[0])
		out->version = 2;
	else
		return invalid(out, len, "no PROXY protocol header");
	if (!(accept & (out->version == 1 ? PROXYPROTO_V1 : PROXYPROTO_V2)))
		return invalid(
		    out, len,
		    out->version == 1
		        ? "a PROXY v1 header, but only v2 is accepted"
		        : "a PROXY v2 header, but only v1 is accepted");
	if (out->version == 1)
		parse_v1(buf, len, out);
	else
		parse_v2(buf, len, out);
}

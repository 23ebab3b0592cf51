/*
 * libFuzzer target for proxyproto: the PROXY header is the first thing
 * pgstunnel reads from a balancer, before any TLS.
 *
 * The first input byte picks the accepted versions (v1, v2 or both); the
 * rest is the connection's bytes. Each input is:
 *  - parsed whole: NEED_MORE asks for more than there is and at most
 *    PROXYPROTO_MAX; a complete answer is no longer than the input, a v1
 *    line no longer than 107 bytes, INVALID says why, PROXY has addresses;
 *  - read the way gate.c reads it: parse the bytes so far, read up to
 *    `need`, parse again. Every answer before the last asks for more than
 *    it has, never shrinks, and never for a byte past a header that turns
 *    out complete; the last equals the answer for the whole input (the
 *    header alone decides, not what follows it);
 *  - a complete header is parsed again from an exact-size copy, so that
 *    AddressSanitizer sees any read past it.
 */
#include <string.h>

#include "fuzz.h"
#include "proxyproto.h"

static void
check_answer(const struct proxyproto_header *h, size_t len)
{
	switch (h->status) {
	case PROXYPROTO_NEED_MORE:
		FUZZ_CHECK(h->need > len);
		FUZZ_CHECK(h->need <= PROXYPROTO_MAX);
		return;
	case PROXYPROTO_INVALID:
		FUZZ_CHECK(h->why != NULL);
		FUZZ_CHECK(h->need <= len || len == 0);
		return;
	case PROXYPROTO_PROXY:
		FUZZ_CHECK(h->src.family != NETADDR_NONE);
		FUZZ_CHECK(h->dst.family != NETADDR_NONE);
		break;
	case PROXYPROTO_LOCAL:
		break;
	default:
		FUZZ_CHECK(0); /* not a value of the enum */
	}
	FUZZ_CHECK(h->need >= 15 && h->need <= len);
	FUZZ_CHECK(h->need <= PROXYPROTO_MAX);
	FUZZ_CHECK(h->version == 1 || h->version == 2);
	if (h->version == 1)
		FUZZ_CHECK(h->need <= PROXYPROTO_V1_MAX);
	else
		FUZZ_CHECK(h->need >= PROXYPROTO_V2_FIXED);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxyproto_header whole, h;
	size_t have = 0, last_need = 0;
	int accept, rounds;

	if (size == 0)
		return 0;
	accept = data[0] % 3 + 1;
	data++;
	size--;

	proxyproto_parse(data, size, accept, &whole);
	check_answer(&whole, size);

	for (rounds = 0;; rounds++) {
		FUZZ_CHECK(rounds < 64); /* v1 UNKNOWN text: 2 bytes a read */
		proxyproto_parse(data, have, accept, &h);
		check_answer(&h, have);
		if (h.status != PROXYPROTO_NEED_MORE)
			break;
		FUZZ_CHECK(h.need >= last_need);
		last_need = h.need;
		if (whole.status == PROXYPROTO_PROXY ||
		    whole.status == PROXYPROTO_LOCAL)
			FUZZ_CHECK(h.need <= whole.need);
		if (h.need > size) {
			/* The input ends first: the whole says the same, or
			 * refuses bytes the reads had not got to (the first
			 * read takes PROXYPROTO_FIRST bytes at once). */
			FUZZ_CHECK(whole.status == PROXYPROTO_INVALID ||
			           (whole.status == PROXYPROTO_NEED_MORE &&
			            whole.need >= h.need));
			return 0;
		}
		have = h.need;
	}
	FUZZ_CHECK(h.status == whole.status);
	if (h.status != PROXYPROTO_INVALID) {
		uint8_t *copy = malloc(h.need);
		struct proxyproto_header again;

		FUZZ_CHECK(h.need == whole.need);
		FUZZ_CHECK(copy != NULL);
		memcpy(copy, data, h.need);
		proxyproto_parse(copy, h.need, accept, &again);
		FUZZ_CHECK(again.status == h.status && again.need == h.need);
		FUZZ_CHECK(memcmp(&again.src, &h.src, sizeof(h.src)) == 0);
		free(copy);
	}
	return 0;
}

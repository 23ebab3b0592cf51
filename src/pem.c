/* pem: see pem.h */
#include "pem.h"

#include <string.h>

#include <bearssl.h>

static int
label_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(name, want, len) == 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * BearSSL 0.6 strips the closing "-----" only when the newline follows at
 * once: with CRLF line ends (or trailing blanks) the label arrives as
 * "CERTIFICATE-----", so trim both before comparing.
 */
static enum pem_kind
pem_kind(const char *name, size_t len)
{
	while (len > 0 && is_blank(name[len - 1]))
		len--;
	if (len >= 5 && memcmp(name + len - 5, "-----", 5) == 0)
		len -= 5;
	while (len > 0 && is_blank(name[len - 1]))
		len--;

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
 * Its END event comes only after the newline that ends the -----END
 * line, which the last line of a file often lacks: one extra "\n" is
 * pushed at the end. An object still open after that is a truncated file.
 */
int
pem_walk(const uint8_t *pem, size_t len, const struct pem_sink *sink)
{
	static const uint8_t newline = '\n';
	br_pem_decoder_context pc;
	const char *name;
	int in_obj = 0, tail = 0, rc = 0;
	size_t n;

	br_pem_decoder_init(&pc);
	for (;;) {
		if (len == 0) {
			if (tail)
				break;
			pem = &newline;
			len = 1;
			tail = 1;
		}
		n = br_pem_decoder_push(&pc, pem, len);
		pem += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			in_obj = 1;
			br_pem_decoder_setdest(&pc, sink->data, sink->ctx);
			name = br_pem_decoder_name(&pc);
			rc = sink->begin(
			    sink->ctx,
			    pem_kind(name, strnlen(name, sizeof pc.name)));
			break;
		case BR_PEM_END_OBJ:
			in_obj = 0;
			rc = sink->end(sink->ctx);
			break;
		case BR_PEM_ERROR:
			rc = PEM_WALK_BAD;
			break;
		default:
			break;
		}
		if (rc != 0)
			goto out;
	}
	if (in_obj)
		rc = PEM_WALK_BAD;
out:
	/*
	 * Decoded key bytes pass through the decoder's line buffer. The
	 * volatile stores keep the compiler from dropping them as dead.
	 */
	for (volatile unsigned char *v = (unsigned char *)&pc;
	     v < (unsigned char *)(&pc + 1); v++)
		*v = 0;
	return rc;
}

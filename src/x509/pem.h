/*
 * pem: walk a PEM buffer (RFC 7468) and hand each object to a sink: its
 * kind (from the label), its decoded bytes, its end. Pure: no files, no
 * allocation. Used by keys.c and crl.c. Its own base64 decoder, not
 * BearSSL's: a process started per connection decodes its certificate
 * and key on every start, and BearSSL's interpreted decoder spent more
 * instructions on that than everything else before the first byte.
 *
 * Lenient where files in the wild are: text before, between and after
 * objects, CRLF line ends, blanks in base64 lines, a missing final
 * newline. Strict where a mistake would hide: a base64 digit group cut
 * short, data after the padding, any other character in the body, an
 * object without its END line.
 */
#ifndef PGSTUNNEL_PEM_H
#define PGSTUNNEL_PEM_H

#include <stddef.h>
#include <stdint.h>

enum pem_kind {
	PEM_OTHER,
	PEM_CERT,          /* CERTIFICATE, X509 / X.509 CERTIFICATE */
	PEM_KEY,           /* PRIVATE KEY, RSA / EC PRIVATE KEY */
	PEM_ENCRYPTED_KEY, /* ENCRYPTED PRIVATE KEY */
	PEM_CRL,           /* X509 CRL */
};

/*
 * What a walk does with each object. begin() sees the object's kind and
 * says where its bytes go by setting the sink's state; data() gets the
 * decoded bytes; end() closes the object. A non-zero status from begin()
 * or end() stops the walk and is its result.
 */
struct pem_sink {
	int (*begin)(void *ctx, enum pem_kind kind);
	void (*data)(void *ctx, const void *buf, size_t len);
	int (*end)(void *ctx);
	void *ctx;
};

/* pem_walk()'s result for input that is not PEM (or ends in an object). */
#define PEM_WALK_BAD (-1)

/*
 * Feed the whole buffer to the sink. Returns 0, PEM_WALK_BAD, or the
 * first non-zero status of begin() or end(). The decoder's state, which
 * held decoded bytes (key material, perhaps), is wiped before returning.
 */
int pem_walk(const uint8_t *pem, size_t len, const struct pem_sink *sink);

#endif

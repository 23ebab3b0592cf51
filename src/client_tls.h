/*
 * client_tls: TLS towards the client, the mirror of starttls.c. The
 * BearSSL server engine set up over the credentials, with a server policy
 * (br_ssl_server_policy_class) that chooses the certificate/key pair by
 * the name the client sent (SNI) and signs with its key; the client-
 * certificate verifier; the handshake, including the 0x16 byte that the
 * negotiation already read from a direct-TLS client; and PostgreSQL 17's
 * rule that direct TLS needs ALPN "postgresql".
 */
#ifndef PGSTUNNEL_CLIENT_TLS_H
#define PGSTUNNEL_CLIENT_TLS_H

#include <stddef.h>

#include <bearssl.h>

#include "config.h"
#include "conn.h"
#include "credentials.h"
#include "ending.h"
#include "x509/verifier.h"

/* The policy: BearSSL calls choose() once per handshake, then do_sign(). */
struct client_tls_policy {
	const br_ssl_server_policy_class *vtable; /* must be first */
	const br_ssl_server_context *sc;
	const struct credentials *cr;
	const struct credentials_pair *chosen; /* NULL until choose() */
};

struct client_tls {
	br_ssl_server_context sc;
	struct client_tls_policy policy;
};

/* What a handshake needs besides the engine: the caller's storage and
 * settings. */
struct client_tls_params {
	unsigned char *buf; /* the engine's I/O buffer: BR_SSL_BUFSIZE_BIDI */
	size_t len;
	struct verifier *verify; /* used when cfg asks for client certs */
	const struct config *cfg;
	const struct credentials *cr;
	int direct; /* the client's first byte, 0x16, was read already */
};

/*
 * Serve TLS on c: set up t with p's buffer and verifier, then run the
 * handshake. Returns 0, or -1 with the ending set (its detail may be
 * empty); the client has then been told what the protocol allows.
 */
int client_tls_handshake(struct client_tls *t,
                         const struct client_tls_params *p, struct conn *c,
                         struct ending *e);

/* The pair the policy chose, or NULL before the handshake chose one. */
const struct credentials_pair *client_tls_chosen(const struct client_tls *t);

#endif

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

/*
 * Serve TLS on c: set up t with the engine buffer buf (len bytes, the
 * caller's: BR_SSL_BUFSIZE_BIDI) and, when cfg asks for client
 * certificates, the verifier verify (the caller's storage), then run the
 * handshake. direct: the client's first byte, 0x16, was read already.
 * Returns 0, or -1 with *end (for the log line) and why (details, may be
 * empty) set; the client has then been told what the protocol allows.
 */
int client_tls_handshake(struct client_tls *t, unsigned char *buf, size_t len,
                         struct verifier *verify, const struct config *cfg,
                         const struct credentials *cr, struct conn *c,
                         int direct, const char **end, char *why,
                         size_t whylen);

/* The pair the policy chose, or NULL before the handshake chose one. */
const struct credentials_pair *client_tls_chosen(const struct client_tls *t);

#endif

/*
 * starttls: TLS towards the upstream, the libpq way. SSLRequest, exactly
 * one byte of answer (extra bytes are an attack, CVE-2021-23222; an 'E'
 * is unauthenticated text and never shown, CVE-2024-10977), then a BearSSL
 * client handshake verified like libpq's sslmode; or TLS at once with
 * ALPN "postgresql" (sslnegotiation=direct).
 */
#ifndef PGSTUNNEL_STARTTLS_H
#define PGSTUNNEL_STARTTLS_H

#include <stddef.h>
#include <sys/types.h>

#include <bearssl.h>

#include "config.h"
#include "conn.h"
#include "credentials.h"
#include "x509/verifier.h"

/* The upstream's TLS client engine, its buffer and its verifier. */
struct starttls {
	br_ssl_client_context cc;
	struct verifier verify;
	unsigned char buf[BR_SSL_BUFSIZE_BIDI];
};

/* Where TLS goes and with what. */
struct starttls_params {
	const struct config *cfg; /* --upstream-tls and its options */
	/* --upstream, or the --route chosen: its host is the name
	 * verify-full checks unless --upstream-servername gives one */
	const struct addr *upstream;
	const struct credentials *cr; /* the upstream CA and client pair */
};

/*
 * Start TLS on up, the connection to p->upstream, as p->cfg says.
 * Returns 0 with *desc set (the cipher suite, or "declined" when prefer
 * met an 'N' and up stays cleartext), or -1 with a one-line reason in
 * why.
 */
int starttls_upstream(struct starttls *t, const struct starttls_params *p,
                      struct conn *up, const char **desc, char *why,
                      size_t whylen);

/*
 * With TLS upstream, PostgreSQL offers SCRAM-SHA-256-PLUS, which libpq
 * refuses outright on a cleartext connection. For a cleartext client,
 * pass the upstream's messages up to its first authentication request on
 * (buf of cap bytes is scratch), without that mechanism. Returns the bytes
 * sent to the client, or -1.
 */
ssize_t starttls_hide_scram_plus(struct conn *client, struct conn *up,
                                 uint8_t *buf, size_t cap);

#endif

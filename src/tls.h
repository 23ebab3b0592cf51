/*
 * tls: BearSSL engine set-up for both sides, and names for what BearSSL
 * reports. TLS 1.2 only (BearSSL's maximum; libpq's minimum), ECDHE with
 * AEAD suites only, server preference, no renegotiation. AES-GCM comes
 * first where the CPU has AES instructions, ChaCha20-Poly1305 otherwise.
 */
#ifndef PGSTUNNEL_TLS_H
#define PGSTUNNEL_TLS_H

#include <bearssl.h>

#include "x509/keys.h"
#include "x509/verifier.h"

#define TLS_ALPN_POSTGRESQL "postgresql"

/*
 * Choose the AES, GHASH, ChaCha20 and Poly1305 code for this CPU. Done
 * on first use; the --listen parent calls it before it forks, so that
 * its children inherit the choice instead of probing the CPU again.
 */
void tls_probe_cpu(void);

/*
 * Configure sc for server keys of key_types (TLS_KEY_EC, TLS_KEY_RSA: the
 * suites of each) whose certificates and signatures come from policy
 * (client_tls.c). With
 * verify non-NULL, a client certificate is asked for and checked by it
 * (its anchors also name the acceptable CAs in the CertificateRequest);
 * it is required unless cert_optional, which lets a client without one
 * through (one that sends a bad one is still refused).
 */
#define TLS_KEY_EC  1
#define TLS_KEY_RSA 2

void tls_server_setup(br_ssl_server_context *sc,
                      const br_ssl_server_policy_class **policy,
                      unsigned key_types, struct verifier *verify,
                      const struct keys_anchors *client_anchors,
                      int cert_optional);

/*
 * Configure cc as a client checking the server with verify; with chain
 * and key non-NULL, present that client certificate.
 */
int tls_client_setup(br_ssl_client_context *cc, struct verifier *verify,
                     const struct keys_chain *chain,
                     const struct keys_private *key);

/*
 * The fatal alert (RFC 8446 codes) owed to a peer whose handshake failed
 * with err when BearSSL did not send one itself: a refused or missing
 * certificate, a version below TLS 1.2, a bad signature or Finished. 0
 * when none is owed: BearSSL sent one, the peer sent one, the transport
 * failed, or the bytes were not TLS at all.
 */
int tls_alert_for(int err);

#define TLS_ALERT_RECORD_LEN 7

/* A fatal alert in a plaintext record of that version, in out. */
void tls_alert_record(unsigned char out[TLS_ALERT_RECORD_LEN], unsigned version,
                      int alert);

/* An alert's name ("unknown_ca"), or NULL. */
const char *tls_alert_name(int alert);

const char *tls_strerror(int err);
const char *tls_suite_name(unsigned suite);
const char *tls_version_name(unsigned version);

#endif

/*
 * credentials: everything loaded before the first client byte, in one
 * place, with its loading order and the release of the start-up buffers:
 * the server's certificate/key pairs (a list, each key checked against
 * its certificate), the client CAs, their CRLs (signatures checked
 * against those CAs), the upstream CA, and the upstream client
 * certificate and key.
 *
 * The caller owns the storage (static: the TLS engines point into it for
 * the process's life, and it points into itself, so it is never copied).
 * Loading happens once per process: in main for a process started per
 * connection, in the --listen parent before any fork.
 */
#ifndef PGSTUNNEL_CREDENTIALS_H
#define PGSTUNNEL_CREDENTIALS_H

#include <stddef.h>

#include "config.h"
#include "usermap.h"
#include "x509/crl.h"
#include "x509/keymatch.h"
#include "x509/keys.h"

#define CREDENTIALS_SERVER_MAX CONFIG_LIST_MAX /* certificate/key pairs */

/* One certificate chain and its key, key first: a short chain then
 * shares the key's pages. */
struct credentials_pair {
	struct keys_private key;
	struct keys_chain chain;
};

/*
 * Page-aligned, the few counts and pointers first, then the first pair:
 * a process started per connection loads it itself, and a short chain
 * keeps that to one private page. What is not configured is never
 * touched, so it costs no memory.
 */
struct credentials {
	/* What is configured; NULL where not. */
	const struct keys_anchors *client_ca;
	const struct crl_store *crl; /* revocation of client certificates */
	const struct keys_anchors *upstream_ca;
	const struct keys_chain *upstream_chain;
	const struct keys_private *upstream_key;
	const struct usermap *user_map; /* --client-user-map */
	size_t server_count;
	struct credentials_pair server[CREDENTIALS_SERVER_MAX];
	/* Storage behind the pointers above. */
	struct keys_anchors client_ca_store, upstream_ca_store;
	struct credentials_pair upstream_pair;
	/* Only with --client-crl, --client-user-map: mapped by the first
	 * load that needs them (scratch.h), kept for the next (a reload). */
	struct crl_store *crl_store;
	struct usermap *user_map_store;
};

/*
 * Forget what cr holds, so that credentials_load() may fill it again: its
 * private keys are wiped, its views cleared (the storage is reused as it
 * is, without being written).
 */
void credentials_forget(struct credentials *cr);

/*
 * Load everything cfg names, in this order: the server pairs, the client
 * CAs, the CRLs, the upstream CA, the upstream certificate and key, each
 * key checked against its certificate to depth (keymatch.h). Then the
 * start-up buffers give their pages back (scratch.h). Returns 0, or the
 * exit status (EXIT_NOINPUT) after one log line naming the file and what
 * is wrong with it.
 */
int credentials_load(struct credentials *cr, const struct config *cfg,
                     enum keymatch_depth depth);

/*
 * The pair to serve to a client that asked for server_name (SNI; NULL or
 * empty when it sent none). With one pair, that one.
 */
const struct credentials_pair *
credentials_server_for(const struct credentials *cr, const char *server_name);

#endif

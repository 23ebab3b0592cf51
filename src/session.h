/*
 * session: one client connection from its first byte to its last, in the
 * order a PostgreSQL server would take it: pre-TLS negotiation, the TLS
 * handshake, the first packet inside TLS, the upstream connection (with
 * its own STARTTLS when configured), the relay, one summary log line.
 *
 * Called once per process: by main for inetd/systemd/socat launches, by
 * the --listen child after fork(). The TLS engines are reset here, so
 * every process seeds its own randomness.
 */
#ifndef PGSTUNNEL_SESSION_H
#define PGSTUNNEL_SESSION_H

#include "config.h"
#include "credentials.h"
#include "peer.h"

/*
 * Serve the client on client_in/client_out; returns an exit status. peer
 * is who the client is when the caller knows it (--listen: accept()'s
 * address), or NULL: the connection says (peer.h).
 */
int session_run(const struct config *cfg, const struct credentials *cr,
                const struct peer *peer, int client_in, int client_out);

/*
 * The same, for a client past --max-connections: negotiation, handshake
 * and first packet as usual, then PostgreSQL's FATAL 53300 "sorry, too
 * many clients already" instead of an upstream. A CancelRequest is still
 * forwarded, as PostgreSQL takes one when it is full.
 */
int session_refuse_busy(const struct config *cfg, const struct credentials *cr,
                        const struct peer *peer, int client_in, int client_out);

#endif

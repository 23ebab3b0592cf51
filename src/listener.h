/*
 * listener: standalone mode (--listen). Accept, fork one child per
 * connection (the child runs exactly the per-connection path, session_run),
 * refuse beyond --max-connections, reap children with waitpid(). SIGTERM
 * or SIGINT stops accepting; sessions in progress run to their end.
 */
#ifndef PGSTUNNEL_LISTENER_H
#define PGSTUNNEL_LISTENER_H

#include "config.h"
#include "session.h"

/* Runs until stopped; returns an exit status. */
int listener_run(const struct config *cfg, const struct session_keys *keys);

#endif

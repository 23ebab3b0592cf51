/*
 * listener: standalone mode (--listen), in two steps so that start-up
 * reads load, bind, serve (and, later, drop privileges between the last
 * two). listener_open() binds; listener_run() accepts, forks one child per
 * connection (the child runs exactly the per-connection path,
 * session_run), refuses beyond --max-connections and reaps children with
 * waitpid(). SIGTERM or SIGINT stops accepting; sessions in progress run
 * to their end, and the listener waits for them before it exits. SIGHUP
 * is logged and otherwise ignored.
 */
#ifndef PGSTUNNEL_LISTENER_H
#define PGSTUNNEL_LISTENER_H

#include "config.h"
#include "credentials.h"

/* Bind and listen on a: the descriptor, or -1 after a log line. */
int listener_open(const struct addr *a);

/* Serve connections on lfd until stopped; returns an exit status. */
int listener_run(const struct config *cfg, const struct credentials *cr,
                 int lfd);

#endif

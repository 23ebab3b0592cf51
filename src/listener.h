/*
 * listener: standalone mode (--listen), in two steps so that start-up
 * reads load, bind, serve (and, later, drop privileges between the last
 * two). listener_open() binds; listener_run() accepts, forks one child per
 * connection (the child runs exactly the per-connection path,
 * session_run), refuses beyond --max-connections and reaps children with
 * waitpid(). SIGTERM or SIGINT stops accepting; sessions in progress run
 * to their end, and the listener waits for them before it exits. SIGHUP
 * loads the files again (reload.h).
 */
#ifndef PGSTUNNEL_LISTENER_H
#define PGSTUNNEL_LISTENER_H

#include "config.h"
#include "credentials.h"

/* Bind and listen on a: the descriptor, or -1 after a log line. */
int listener_open(const struct addr *a);

/*
 * Serve connections on lfd until stopped; returns an exit status. loaded
 * is what the children get; when a file it came from changes (looked at
 * before a fork, at most once a second) or on SIGHUP, the files are loaded
 * again into spare, which then serves, and the two trade places. spare
 * is a scratch_map() mapping of its own: a child whose session does not
 * use it unmaps it.
 */
int listener_run(const struct config *cfg, struct credentials *loaded,
                 struct credentials *spare, int lfd);

#endif

/*
 * log: one sink for every message, syslog (facility daemon) or stderr.
 *
 * Under inetd and xinetd stderr is the client socket, so log_init()
 * refuses to use a stderr that is the same file as the connection and
 * falls back to syslog: nothing may be written to the client that the
 * protocol does not allow.
 */
#ifndef PGSTUNNEL_LOG_H
#define PGSTUNNEL_LOG_H

#include <stddef.h>
#include <syslog.h>

enum log_sink { LOG_SINK_SYSLOG, LOG_SINK_STDERR };

/*
 * Choose the sink. conn_fds lists the client descriptors (may be NULL);
 * returns the sink actually used.
 */
enum log_sink log_init(enum log_sink want, const int *conn_fds, int nfds);

/* priority is a syslog level: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
void log_msg(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Copy client-chosen text (a user or database name) into a log field of
 * cap bytes, so that nothing can forge a field or a line: printable ASCII
 * stays, except '=', '"' and '\\'; well-formed UTF-8 outside the C0/C1
 * controls stays (jürgen), so names remain readable; every other byte
 * (controls, spaces, malformed UTF-8) becomes '?'. The text is cut to
 * cap - 1 bytes at a character boundary. NULL or "" gives "-".
 */
void log_field(char *dst, size_t cap, const char *src);

/* Set a short prefix for every line of this process, e.g. the peer. */
void log_set_prefix(const char *prefix);

#endif

/*
 * log: one sink for every message, syslog (facility daemon; datagrams to
 * /dev/log, written here rather than by syslog(), which would bring the
 * printf family and the time-zone code into a static binary) or stderr.
 *
 * Under inetd and xinetd stderr is the client socket, so log_init()
 * refuses to use a stderr that is the same file as the connection and
 * falls back to syslog: nothing may be written to the client that the
 * protocol does not allow.
 */
#ifndef PGSTUNNEL_LOG_H
#define PGSTUNNEL_LOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/*
 * Every message passes here before it is written: control bytes (C0 and
 * DEL), which a configuration file or a command line may hold in a value
 * a message quotes, become "\xNN", so that no message can end a line or
 * move a terminal's cursor. Cut to cap - 1 bytes, never inside an escape.
 */
void log_escape(char *dst, size_t cap, const char *src);

/*
 * A line for an event that may come in floods (refused connections) is
 * written at most once every LOG_LIMIT_MS, and says how many events it
 * stands for. The state may live in memory shared by processes (a
 * --listen parent and its children): it is updated with atomics only, and
 * only with 32-bit ones, which every target has lock-free (32-bit MIPS
 * has no 64-bit atomics, and libatomic's fallback locks are per process).
 * A zeroed struct log_limit is ready for use.
 */
#define LOG_LIMIT_MS 1000

#if ATOMIC_INT_LOCK_FREE != 2
#error "struct log_limit needs lock-free atomic unsigned int"
#endif

struct log_limit {
	/*
	 * io_now_ms() of the last line modulo 2^32, 0 before the first
	 * (a line at 0 is stored as 1). A line is due when the clock is
	 * LOG_LIMIT_MS or more away from it, either way round modulo 2^32:
	 * the wrap every 49.7 days costs at most one line held back for
	 * LOG_LIMIT_MS, whose events the next line counts.
	 */
	_Atomic unsigned last_ms;
	_Atomic unsigned count; /* events since then */
};

/* A limit whose first event gets its line. */
void log_limit_init(struct log_limit *l);

/*
 * Count one event at now_ms (io_now_ms()). Returns 0 when no line is due,
 * or how many events the line due now stands for: this one and those
 * counted without a line since the last.
 */
unsigned log_limit_due(struct log_limit *l, int64_t now_ms);

/*
 * Also write every LOG_ERR line (and worse) to out, as "error: LINE"
 * (--check: its report names the load errors too); NULL stops it.
 */
void log_copy_errors(FILE *out);

/* Set a short prefix for every line of this process, e.g. the peer. */
void log_set_prefix(const char *prefix);

/*
 * The log daemon's socket (default /dev/log), for the tests; a connected
 * socket is closed, and the next line connects to path.
 */
void log_syslog_path(const char *path);

#endif

/*
 * pump: the relay. One poll() loop moves application data between two
 * ends, the client and the upstream. Each end is a pair of descriptors
 * (the same socket twice, or socat's two pipe ends) and, when it speaks
 * TLS, a BearSSL engine that pgstunnel drives with sendrec/recvrec/
 * sendapp/recvapp. No allocation: buffers belong to the caller.
 *
 * Syscall economy (the data path is mostly kernel time): writes are tried
 * at once and polled for only after EAGAIN; a TLS end reads with readv()
 * into the engine's window plus a small stage, so one read usually brings
 * a whole record; a read that came back short is not retried until poll()
 * says there is more.
 *
 * Ends: when one side's input ends (EOF or close_notify), its pending data
 * is delivered, then the other side's output is closed (shutdown(SHUT_WR),
 * or close_notify for TLS). Between two cleartext ends that is a proper
 * half-close: the other direction runs on until it ends too. TLS has no
 * half-close, so the relay finishes as soon as a TLS end's input ended
 * (or it failed) and the other side was told.
 */
#ifndef PGSTUNNEL_PUMP_H
#define PGSTUNNEL_PUMP_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

/* Bytes of read-ahead for a TLS end, and relay room for a cleartext end
 * whose peer is cleartext too. Sized for one typical small record. */
#define PUMP_STAGE_BYTES 4096

struct pump_end {
	const char *name;            /* "client" or "upstream", for logs */
	int rfd, wfd;                /* -1 once that half is finished */
	br_ssl_engine_context *eng;  /* NULL: cleartext */
	size_t stage_off, stage_len; /* unconsumed bytes read from rfd */
	int rd_eof;                  /* no more input will come */
	int more;                    /* last read filled the buffer: retry */
	int wr_blocked;              /* last write hit EAGAIN: poll POLLOUT */
	int wr_done;                 /* our output to it is shut */
	int closing;                 /* TLS: close_notify requested */
	int lost;                    /* a read or write failed: leave it */
	uint64_t app_in;             /* application bytes received from it */
	uint64_t app_out;            /* application bytes sent to it */
	uint8_t *stage;              /* PUMP_STAGE_BYTES, the caller's */
};

enum pump_result {
	PUMP_DONE,          /* both directions ended normally */
	PUMP_CLIENT_CLOSED, /* the client closed (close_notify or EOF) */
	PUMP_UPSTREAM_CLOSED,
	PUMP_TLS_ERROR, /* see pump_report.tls_err and .which */
	PUMP_IO_ERROR,  /* see pump_report.sys_errno and .which */
	PUMP_IDLE_TIMEOUT,
	PUMP_TERMINATED, /* a signal asked us to stop (io_terminated) */
};

struct pump_report {
	enum pump_result result;
	const char *which; /* the end that failed */
	int tls_err;
	int sys_errno;
};

/*
 * Prepare an end; eng may be NULL. Descriptors must be non-blocking.
 * stage is PUMP_STAGE_BYTES of the caller's storage; pump_end_init() does
 * not touch it (a page-aligned stage costs a page only once data comes).
 */
void pump_end_init(struct pump_end *e, const char *name, int rfd, int wfd,
                   br_ssl_engine_context *eng, uint8_t *stage);

/*
 * Relay between client and upstream until the session ends. idle_ms of 0
 * means no idle timeout.
 */
void pump_run(struct pump_end *client, struct pump_end *upstream, int idle_ms,
              struct pump_report *report);

#endif

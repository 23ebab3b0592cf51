/*
 * pump: the relay. One poll() loop moves application data between two
 * connection ends (conn.h), the client and the upstream, each readied by
 * conn_relay_init(): a pair of descriptors and, when it speaks TLS, a
 * BearSSL engine that pgstunnel drives with sendrec/recvrec/sendapp/
 * recvapp. No allocation: buffers belong to the caller.
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

#include "conn.h"

enum pump_result {
	PUMP_DONE,          /* both directions ended normally */
	PUMP_CLIENT_CLOSED, /* the client closed first (close_notify or EOF) */
	PUMP_UPSTREAM_CLOSED, /* the upstream closed first */
	PUMP_TLS_ERROR,       /* see pump_report.tls_err and .which */
	PUMP_IO_ERROR,        /* see pump_report.sys_errno and .which */
	PUMP_IDLE_TIMEOUT,
	PUMP_TERMINATED, /* a signal asked us to stop (io_terminated) */
};

struct pump_report {
	enum pump_result result;
	const char *which;               /* the end that failed */
	const struct conn *first_closed; /* whose input ended first */
	int tls_err;
	int sys_errno;
};

/*
 * Relay between client and upstream until the session ends; the relay
 * counts application bytes on top of app_in/app_out. idle_ms of 0
 * means no idle timeout.
 */
void pump_run(struct conn *client, struct conn *upstream, int idle_ms,
              struct pump_report *report);

#endif

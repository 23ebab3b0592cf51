/*
 * conn: one end of a session, the client or the upstream, from its first
 * byte to the relay's last. Its descriptors (the same socket twice, or
 * socat's two pipe ends), its deadline during set-up, and once TLS is up
 * the BearSSL engine, driven here with sendrec/recvrec like BearSSL's own
 * ssl_io.c run_until(). The relay (pump.c) keeps its state in the same
 * struct, so set-up and relay share one type.
 *
 * Every set-up call returns what happened, explicitly:
 *   CONN_OK          all bytes moved;
 *   CONN_CLOSED      the peer closed cleanly before the first byte: end of
 *                    file in cleartext, a verified close_notify in TLS;
 *   CONN_TIMEOUT     the deadline passed;
 *   CONN_ERROR       an I/O error (sys_errno), a TLS failure (the engine's
 *                    last error), or a close in the middle of a message
 *                    (truncated), or in TLS without close_notify;
 *   CONN_TERMINATED  a signal asked the process to stop (io_terminated).
 * conn_why() says it in words for the log.
 */
#ifndef PGSTUNNEL_CONN_H
#define PGSTUNNEL_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "pgproto.h"

#define CONN_LINGER_MS 500 /* closing and draining a refused peer, at most */

/* Bytes of read-ahead for a TLS end in the relay, and relay room for a
 * cleartext end whose peer is cleartext too. Sized for one typical small
 * record. */
#define CONN_STAGE_BYTES 4096

enum conn_status {
	CONN_OK = 0,
	CONN_CLOSED,
	CONN_TIMEOUT,
	CONN_ERROR,
	CONN_TERMINATED,
};

struct conn {
	const char *name;           /* "client" or "upstream", for logs */
	int rfd, wfd;               /* -1 once that half is finished */
	br_ssl_engine_context *eng; /* NULL: cleartext */
	int64_t deadline;           /* set-up calls give up then */
	/* Why the last set-up call failed. */
	int sys_errno; /* the failing system call's errno, or 0 */
	int truncated; /* the peer closed in the middle of a message */
	int broken;    /* TLS: the transport failed, the engine is done */
	/* Relay state (pump.c). */
	size_t stage_off, stage_len; /* unconsumed bytes read from rfd */
	int rd_eof;                  /* no more input will come */
	int more;                    /* last read filled the buffer: retry */
	int wr_blocked;              /* last write hit EAGAIN: poll POLLOUT */
	int wr_done;                 /* our output to it is shut */
	int closing;                 /* TLS: close_notify requested */
	int lost;                    /* a read or write failed: leave it */
	uint64_t app_in;             /* application bytes received from it */
	uint64_t app_out;            /* application bytes sent to it */
	uint8_t *stage;              /* CONN_STAGE_BYTES, the caller's */
};

/* A cleartext end on rfd/wfd (non-blocking) with a set-up deadline. */
void conn_init(struct conn *c, const char *name, int rfd, int wfd,
               int64_t deadline);

/* From now on the end speaks TLS through eng (already reset). */
void conn_start_tls(struct conn *c, br_ssl_engine_context *eng);

/* Read exactly n bytes. CONN_CLOSED only when no byte came. */
enum conn_status conn_read(struct conn *c, void *buf, size_t n);

/*
 * Read between 1 and n bytes: what has arrived, waiting only while
 * nothing has; the count in *got. For a reader that must not ask for more
 * than may exist (a PROXY line that may end early), yet must not wait for
 * bytes that will never come.
 */
enum conn_status conn_read_some(struct conn *c, void *buf, size_t n,
                                size_t *got);

/* Write all n bytes (in TLS: sealed and sent). */
enum conn_status conn_write(struct conn *c, const void *buf, size_t n);

/* Run a TLS end's handshake until application data can flow. */
enum conn_status conn_handshake(struct conn *c);

/*
 * Read one packet into buf (cap bytes, at least PGPROTO_PACKET_MAX) with
 * the reading discipline of pgproto.h: exactly the bytes it needs. CONN_OK
 * with *pkt set (the packet is pkt->need bytes long); CONN_CLOSED on a
 * clean close before its first byte; a close after it is CONN_ERROR
 * (truncated).
 */
enum conn_status conn_read_packet(struct conn *c, uint8_t *buf, size_t cap,
                                  int allow_direct, struct pgproto_packet *pkt);

/* Send close_notify on a TLS end, without waiting for the peer's. */
void conn_close(struct conn *c);

/*
 * End a TLS end whose handshake failed (CONN_ERROR): send the fatal alert
 * BearSSL owed but did not send (tls_alert_for), in a record of the
 * version BearSSL's own next record would carry, while our records are
 * still in the clear; then stop writing and read
 * what the peer still sends, CONN_LINGER_MS at most, so that closing with
 * its last flight unread does not reset the connection before it has
 * read the alert. Returns the alert sent, or 0.
 */
int conn_fail_handshake(struct conn *c);

/*
 * Refuse the peer with a PostgreSQL ErrorResponse (FATAL) it can show,
 * in cleartext or inside TLS, then close so that the text arrives.
 */
void conn_refuse(struct conn *c, const char *sqlstate, const char *message,
                 const char *detail, const char *hint);

/* The last set-up failure of c (status st) in words, for the log. */
const char *conn_why(const struct conn *c, enum conn_status st, char *buf,
                     size_t cap);

/* A TLS end's error: the engine's, or BR_ERR_IO once its transport
 * failed; BR_ERR_OK for a cleartext end. */
int conn_tls_error(const struct conn *c);

/* Ready c for the relay: stage is CONN_STAGE_BYTES of the caller's
 * storage, not touched here (a page-aligned stage costs a page only once
 * data comes). Set-up calls are not used after this. */
void conn_relay_init(struct conn *c, uint8_t *stage);

#endif

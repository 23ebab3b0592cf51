/* see conn.h */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "io.h"
#include "tls.h"

void
conn_init(struct conn *c, const char *name, int rfd, int wfd, int64_t deadline)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->rfd = rfd;
	c->wfd = wfd;
	c->deadline = deadline;
}

void
conn_start_tls(struct conn *c, br_ssl_engine_context *eng)
{
	c->eng = eng;
}

/* The status of an io_* call that returned -1. */
static enum conn_status
io_failed(struct conn *c)
{
	if (errno == ETIMEDOUT)
		return CONN_TIMEOUT;
	if (errno == EINTR && io_terminated)
		return CONN_TERMINATED;
	c->sys_errno = errno;
	return CONN_ERROR;
}

/*
 * The transport under a TLS end failed (eof: it reached end of file). As
 * BearSSL's ssl_io.c fails its engine then, the end is done for: nothing
 * more is sent on it, and its TLS error is BR_ERR_IO. Except when the
 * peer's close_notify came first, and only our answer to it could not go
 * out: RFC 5246 lets the peer not wait for it.
 */
static enum conn_status
transport_failed(struct conn *c, int eof)
{
	enum conn_status st = CONN_ERROR;

	if (eof)
		c->truncated = 1;
	else
		st = io_failed(c);
	if (c->eng->shutdown_recv)
		return CONN_CLOSED;
	c->broken = 1;
	return st;
}

/* Write every record the engine has ready: 0, or -1 with errno. */
static int
send_records(struct conn *c)
{
	while (br_ssl_engine_current_state(c->eng) & BR_SSL_SENDREC) {
		size_t len;
		unsigned char *buf = br_ssl_engine_sendrec_buf(c->eng, &len);
		ssize_t w = io_write_some(c->wfd, buf, len, c->deadline);

		if (w < 0)
			return -1;
		br_ssl_engine_sendrec_ack(c->eng, (size_t)w);
	}
	return 0;
}

/*
 * Drive a TLS end until its state has a bit of target: records out first,
 * then records in. A closed engine is a clean close only when it ended
 * without error, i.e. with the peer's verified close_notify.
 */
static enum conn_status
run_until(struct conn *c, unsigned target)
{
	if (c->broken)
		return CONN_ERROR;
	for (;;) {
		unsigned st = br_ssl_engine_current_state(c->eng);

		if (st & BR_SSL_CLOSED)
			return br_ssl_engine_last_error(c->eng) == BR_ERR_OK
			           ? CONN_CLOSED
			           : CONN_ERROR;
		if (st & BR_SSL_SENDREC) {
			if (send_records(c) != 0)
				return transport_failed(c, 0);
			continue;
		}
		if (st & target)
			return CONN_OK;
		/* Data waits that nobody reads, and blocks our write. */
		if (st & BR_SSL_RECVAPP)
			return CONN_ERROR;
		if (st & BR_SSL_RECVREC) {
			size_t len;
			unsigned char *buf =
			    br_ssl_engine_recvrec_buf(c->eng, &len);
			ssize_t r = io_read_some(c->rfd, buf, len, c->deadline);

			if (r <= 0)
				return transport_failed(c, r == 0);
			br_ssl_engine_recvrec_ack(c->eng, (size_t)r);
			continue;
		}
		br_ssl_engine_flush(c->eng, 0);
	}
}

/*
 * conn_read() (wbuf NULL) and conn_write(): move exactly n bytes, through
 * the engine for TLS. A close after the first byte is a truncation. With
 * got (reads only), return after the first bytes, their count in *got.
 */
static enum conn_status
transfer(struct conn *c, uint8_t *rbuf, const uint8_t *wbuf, size_t n,
         size_t *got)
{
	size_t done = 0;

	while (done < n) {
		if (got != NULL && done > 0) {
			*got = done;
			return CONN_OK;
		}
		size_t len;
		ssize_t r;

		if (c->eng != NULL) {
			enum conn_status st = run_until(
			    c, wbuf != NULL ? BR_SSL_SENDAPP : BR_SSL_RECVAPP);
			uint8_t *app;

			if (st == CONN_CLOSED && done > 0)
				c->truncated = 1;
			if (st != CONN_OK)
				return st == CONN_CLOSED && done > 0
				           ? CONN_ERROR
				           : st;
			app = wbuf != NULL
			          ? br_ssl_engine_sendapp_buf(c->eng, &len)
			          : br_ssl_engine_recvapp_buf(c->eng, &len);
			len = len < n - done ? len : n - done;
			if (wbuf != NULL) {
				memcpy(app, wbuf + done, len);
				br_ssl_engine_sendapp_ack(c->eng, len);
			} else {
				memcpy(rbuf + done, app, len);
				br_ssl_engine_recvapp_ack(c->eng, len);
			}
			done += len;
			continue;
		}
		r = wbuf != NULL ? io_write_some(c->wfd, wbuf + done, n - done,
		                                 c->deadline)
		                 : io_read_some(c->rfd, rbuf + done, n - done,
		                                c->deadline);
		if (r < 0)
			return io_failed(c);
		if (r == 0 && done == 0)
			return CONN_CLOSED;
		if (r == 0) {
			c->truncated = 1;
			return CONN_ERROR;
		}
		done += (size_t)r;
	}
	return CONN_OK;
}

enum conn_status
conn_read(struct conn *c, void *buf, size_t n)
{
	return transfer(c, buf, NULL, n, NULL);
}

enum conn_status
conn_read_some(struct conn *c, void *buf, size_t n, size_t *got)
{
	*got = n; /* transfer() sets it only when it stops short of n */
	return transfer(c, buf, NULL, n, got);
}

enum conn_status
conn_write(struct conn *c, const void *buf, size_t n)
{
	enum conn_status st = transfer(c, NULL, buf, n, NULL);

	/* Seal and send what sits in the engine now. */
	return st == CONN_OK && c->eng != NULL ? conn_handshake(c) : st;
}

enum conn_status
conn_handshake(struct conn *c)
{
	br_ssl_engine_flush(c->eng, 0);
	return run_until(c, BR_SSL_SENDAPP | BR_SSL_RECVAPP);
}

enum conn_status
conn_read_packet(struct conn *c, uint8_t *buf, size_t cap, int allow_direct,
                 struct pgproto_packet *pkt)
{
	size_t have = 0;

	for (;;) {
		enum conn_status st;

		pgproto_classify(buf, have, allow_direct, pkt);
		if (pkt->kind != PGPROTO_NEED_MORE)
			return CONN_OK;
		/* pgproto never asks for more than PGPROTO_PACKET_MAX. */
		if (pkt->need > cap || pkt->need <= have)
			return CONN_ERROR;
		st = conn_read(c, buf + have, pkt->need - have);
		if (st == CONN_CLOSED && have > 0) {
			c->truncated = 1;
			return CONN_ERROR;
		}
		if (st != CONN_OK)
			return st;
		have = pkt->need;
	}
}

void
conn_close(struct conn *c)
{
	if (c->eng == NULL || c->broken)
		return;
	c->deadline = io_now_ms() + CONN_LINGER_MS;
	br_ssl_engine_close(c->eng);
	(void)send_records(c);
}

int
conn_fail_handshake(struct conn *c)
{
	unsigned char rec[TLS_ALERT_RECORD_LEN];
	int alert, sent = 0;
	size_t off = 0;

	if (c->eng == NULL || c->broken)
		return 0;
	c->deadline = io_now_ms() + CONN_LINGER_MS;
	alert = tls_alert_for(br_ssl_engine_last_error(c->eng));
	if (alert != 0 && c->eng->out.vtable == &br_sslrec_out_clear_vtable) {
		/* What BearSSL would head its next record with. */
		tls_alert_record(rec,
		                 c->eng->version_out != 0 ? c->eng->version_out
		                                          : BR_TLS10,
		                 alert);
		while (off < sizeof(rec)) {
			ssize_t w = io_write_some(
			    c->wfd, rec + off, sizeof(rec) - off, c->deadline);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
		sent = off == sizeof(rec) ? alert : 0;
	}
	io_linger(c->rfd, c->wfd, CONN_LINGER_MS);
	return sent;
}

void
conn_refuse(struct conn *c, const char *sqlstate, const char *message,
            const char *detail, const char *hint)
{
	uint8_t msg[1024];
	size_t len = pgproto_error_response(msg, sizeof(msg), sqlstate, message,
	                                    detail, hint);

	c->deadline = io_now_ms() + (int64_t)CONN_LINGER_MS * 4;
	if (len > 0 && conn_write(c, msg, len) == CONN_OK)
		conn_close(c);
	io_linger(c->rfd, c->wfd, CONN_LINGER_MS);
}

const char *
conn_why(const struct conn *c, enum conn_status st, char *buf, size_t cap)
{
	int err = conn_tls_error(c);

	switch (st) {
	case CONN_OK:
		return "ok";
	case CONN_TIMEOUT:
		return "timeout";
	case CONN_TERMINATED:
		return "terminated by signal";
	case CONN_CLOSED:
		return "peer closed";
	case CONN_ERROR:
		break;
	}
	if (c->truncated || (c->eng != NULL && err == BR_ERR_OK))
		return "peer closed";
	if (c->eng != NULL)
		fmt_format(buf, cap, "%s (BearSSL error %d)", tls_strerror(err),
		           err);
	else
		fmt_format(buf, cap, "%s", strerror(c->sys_errno));
	return buf;
}

int
conn_tls_error(const struct conn *c)
{
	if (c->eng == NULL)
		return BR_ERR_OK;
	if (c->broken && br_ssl_engine_last_error(c->eng) == BR_ERR_OK)
		return BR_ERR_IO;
	return br_ssl_engine_last_error(c->eng);
}

void
conn_relay_init(struct conn *c, uint8_t *stage)
{
	c->stage = stage;
	c->stage_off = c->stage_len = 0;
	c->rd_eof = c->wr_blocked = c->wr_done = c->closing = c->lost = 0;
	c->more = 1; /* data may already be waiting */
}

/* see pump.h */
#include "pump.h"

#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io.h"

static int
would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

static void
fail_io(struct pump_report *r, const struct conn *e)
{
	if (r->result == PUMP_DONE) {
		r->result = PUMP_IO_ERROR;
		r->which = e->name;
		r->sys_errno = errno;
	}
}

/* TLS end closed by the peer or failed: 1 when the engine is finished. */
static int
tls_finished(const struct conn *e)
{
	return e->eng != NULL &&
	       br_ssl_engine_current_state(e->eng) == BR_SSL_CLOSED;
}

/*
 * Flush to a TLS end: write pending records. Returns 1 on progress,
 * 0 when nothing moved, -1 on a write error.
 */
static int
flush_records(struct conn *e)
{
	unsigned char *buf;
	size_t len;
	ssize_t w;

	if (e->eng == NULL || e->wfd < 0 || e->wr_blocked || e->lost)
		return 0;
	if (!(br_ssl_engine_current_state(e->eng) & BR_SSL_SENDREC))
		return 0;
	buf = br_ssl_engine_sendrec_buf(e->eng, &len);
	w = write(e->wfd, buf, len);
	if (w < 0) {
		if (errno == EINTR)
			return 1;
		if (would_block()) {
			e->wr_blocked = 1;
			return 0;
		}
		return -1;
	}
	br_ssl_engine_sendrec_ack(e->eng, (size_t)w);
	return 1;
}

/* Feed staged ciphertext into a TLS end's engine. */
static int
feed_records(struct conn *e)
{
	int progress = 0;

	while (e->stage_len > 0 &&
	       (br_ssl_engine_current_state(e->eng) & BR_SSL_RECVREC)) {
		size_t len, n;
		unsigned char *buf = br_ssl_engine_recvrec_buf(e->eng, &len);

		n = len < e->stage_len ? len : e->stage_len;
		memcpy(buf, e->stage + e->stage_off, n);
		br_ssl_engine_recvrec_ack(e->eng, n);
		e->stage_off += n;
		e->stage_len -= n;
		progress = 1;
	}
	if (e->stage_len == 0)
		e->stage_off = 0;
	return progress;
}

/*
 * Fill from a TLS end: one readv() into the engine's window and the
 * stage. Returns 1 on progress, 0 on EAGAIN, -1 on error.
 */
static int
fill_records(struct conn *e)
{
	struct iovec iov[2];
	size_t len;
	ssize_t r;

	if (e->stage_len > 0 ||
	    !(br_ssl_engine_current_state(e->eng) & BR_SSL_RECVREC))
		return 0;
	iov[0].iov_base = br_ssl_engine_recvrec_buf(e->eng, &len);
	iov[0].iov_len = len;
	iov[1].iov_base = e->stage;
	iov[1].iov_len = CONN_STAGE_BYTES;
	r = readv(e->rfd, iov, 2);
	if (r < 0) {
		e->more = 0;
		if (errno == EINTR)
			return 1;
		return would_block() ? 0 : -1;
	}
	e->more = (size_t)r == len + CONN_STAGE_BYTES;
	if (r == 0) {
		e->rd_eof = 1;
		return 1;
	}
	if ((size_t)r <= len) {
		br_ssl_engine_recvrec_ack(e->eng, (size_t)r);
	} else {
		br_ssl_engine_recvrec_ack(e->eng, len);
		e->stage_off = 0;
		e->stage_len = (size_t)r - len;
	}
	return 1;
}

/*
 * Where the application bytes from src wait: the engine's receive buffer
 * for TLS, the stage for cleartext.
 */
static uint8_t *
app_source(struct conn *src, size_t *len)
{
	if (src->eng != NULL) {
		if (!(br_ssl_engine_current_state(src->eng) & BR_SSL_RECVAPP)) {
			*len = 0;
			return NULL;
		}
		return br_ssl_engine_recvapp_buf(src->eng, len);
	}
	*len = src->stage_len;
	return src->stage_len > 0 ? src->stage + src->stage_off : NULL;
}

static void
app_consume(struct conn *src, size_t n)
{
	src->app_in += n;
	if (src->eng != NULL) {
		br_ssl_engine_recvapp_ack(src->eng, n);
		return;
	}
	src->stage_off += n;
	src->stage_len -= n;
	if (src->stage_len == 0)
		src->stage_off = 0;
}

/*
 * Move application data from src to dst: into dst's engine, or written
 * to dst's descriptor. Returns 1 on progress, 0 if stuck, -1 if writing
 * to dst failed.
 */
static int
move_app(struct conn *src, struct conn *dst)
{
	size_t len, room;
	uint8_t *data = app_source(src, &len);

	if (data == NULL || dst->wr_done)
		return 0;
	if (dst->eng != NULL) {
		uint8_t *out;

		if (!(br_ssl_engine_current_state(dst->eng) & BR_SSL_SENDAPP))
			return 0;
		out = br_ssl_engine_sendapp_buf(dst->eng, &room);
		if (len > room)
			len = room;
		memcpy(out, data, len);
		br_ssl_engine_sendapp_ack(dst->eng, len);
		/* Nothing more is known to be coming: seal the record now,
		 * or the session stalls with data sitting in the engine. */
		br_ssl_engine_flush(dst->eng, 0);
	} else {
		ssize_t w;

		if (dst->wr_blocked || dst->wfd < 0)
			return 0;
		w = write(dst->wfd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				return 1;
			if (would_block()) {
				dst->wr_blocked = 1;
				return 0;
			}
			return -1;
		}
		len = (size_t)w;
	}
	app_consume(src, len);
	dst->app_out += len;
	return 1;
}

/*
 * Fill from a cleartext end: straight into the peer's engine when the
 * peer is TLS (no copy), else into the stage. Returns 1 on progress, 0 on
 * EAGAIN or no room, -1 on error.
 */
static int
fill_plain(struct conn *src, struct conn *dst)
{
	uint8_t *buf;
	size_t room;
	ssize_t r;

	if (dst->eng != NULL) {
		if (!(br_ssl_engine_current_state(dst->eng) & BR_SSL_SENDAPP))
			return 0;
		buf = br_ssl_engine_sendapp_buf(dst->eng, &room);
	} else {
		if (src->stage_len > 0)
			return 0;
		buf = src->stage;
		room = CONN_STAGE_BYTES;
	}
	r = read(src->rfd, buf, room);
	if (r < 0) {
		src->more = 0;
		if (errno == EINTR)
			return 1;
		return would_block() ? 0 : -1;
	}
	src->more = (size_t)r == room;
	if (r == 0) {
		src->rd_eof = 1;
		return 1;
	}
	if (dst->eng != NULL) {
		br_ssl_engine_sendapp_ack(dst->eng, (size_t)r);
		br_ssl_engine_flush(dst->eng, 0);
		src->app_in += (size_t)r;
		dst->app_out += (size_t)r;
	} else {
		src->stage_off = 0;
		src->stage_len = (size_t)r;
	}
	return 1;
}

/* Whether src has input buffered that dst has not taken yet. */
static int
has_pending(struct conn *src)
{
	size_t len;

	if (src->eng != NULL)
		return src->stage_len > 0 || app_source(src, &len) != NULL;
	return src->stage_len > 0;
}

/* Close dst's output once src's input ended and was delivered. */
static void
propagate_eof(struct conn *src, struct conn *dst)
{
	if (!(src->rd_eof || tls_finished(src)) || dst->wr_done ||
	    has_pending(src))
		return;
	if (dst->eng != NULL) {
		if (!dst->closing) {
			br_ssl_engine_close(dst->eng);
			dst->closing = 1;
		}
		return;
	}
	if (dst->wfd >= 0)
		io_shut_write(dst->wfd);
	dst->wr_done = 1;
}

/* A TLS end whose close_notify went out is done for writing. */
static void
check_closed(struct conn *e)
{
	if (e->eng == NULL || e->wr_done)
		return;
	if (tls_finished(e) ||
	    (e->closing &&
	     !(br_ssl_engine_current_state(e->eng) & BR_SSL_SENDREC)))
		e->wr_done = 1;
}

/*
 * An end failed (read or write error). A reset or broken pipe after its
 * input already ended only means it went away first: a close, not an
 * error. Either way nothing more goes to or comes from it.
 */
static void
lost_end(struct conn *e, struct pump_report *r)
{
	if (!(e->rd_eof && (errno == EPIPE || errno == ECONNRESET)))
		fail_io(r, e);
	e->lost = 1; /* nothing is tried on it again: no spinning */
	e->rd_eof = 1;
	e->more = 0;
	e->wr_done = 1;
	e->wr_blocked = 0;
	if (e->eng != NULL)
		e->closing = 1;
}

/* Do everything possible without waiting. */
static void
step(struct conn *a, struct conn *b, struct pump_report *r)
{
	struct conn *ends[2] = {a, b};
	int progress;

	do {
		progress = 0;
		for (int i = 0; i < 2; i++) {
			struct conn *e = ends[i], *peer = ends[1 - i];
			int p = 0;

			if (e->eng != NULL) {
				progress |= feed_records(e);
				/* Flush to the end before reading more. */
				p = flush_records(e);
				if (p >= 0 && e->more && !e->rd_eof) {
					int q = fill_records(e);

					p = q < 0 ? q : (p | q);
				}
			} else if (e->more && !e->rd_eof) {
				p = fill_plain(e, peer);
			}
			if (p < 0) {
				lost_end(e, r);
				p = 1;
			}
			progress |= p;
			p = move_app(e, peer);
			if (p < 0) {
				lost_end(peer, r);
				p = 1;
			}
			progress |= p;
		}
		for (int i = 0; i < 2; i++) {
			propagate_eof(ends[i], ends[1 - i]);
			check_closed(ends[i]);
		}
	} while (progress);
}

/* Ask poll() for what each end is waiting on. */
static int
want_read(struct conn *e, struct conn *peer)
{
	if (e->rfd < 0 || e->rd_eof || e->more)
		return 0;
	if (e->eng != NULL)
		return e->stage_len == 0 &&
		       (br_ssl_engine_current_state(e->eng) & BR_SSL_RECVREC);
	if (peer->wr_done)
		return 0;
	if (peer->eng != NULL)
		return (br_ssl_engine_current_state(peer->eng) &
		        BR_SSL_SENDAPP) != 0;
	return e->stage_len == 0;
}

static int
add_poll(struct pollfd *p, int n, int fd, short events)
{
	for (int i = 0; i < n; i++) {
		if (p[i].fd == fd) {
			p[i].events = (short)(p[i].events | events);
			return n;
		}
	}
	p[n].fd = fd;
	p[n].events = events;
	p[n].revents = 0;
	return n + 1;
}

static short
revents_of(const struct pollfd *p, int n, int fd)
{
	for (int i = 0; i < n; i++) {
		if (p[i].fd == fd)
			return p[i].revents;
	}
	return 0;
}

/*
 * The relay is over when both outputs are shut, when our close_notify to
 * a TLS end went out (the other side had ended), or when a TLS end ended
 * and the other side was told.
 */
static int
finished(struct conn *a, struct conn *b, struct pump_report *r)
{
	struct conn *ends[2] = {a, b};

	for (int i = 0; i < 2; i++) {
		struct conn *e = ends[i];

		if (e->eng == NULL)
			continue;
		if (tls_finished(e) && !e->closing) {
			int err = br_ssl_engine_last_error(e->eng);

			if (err != BR_ERR_OK && r->result == PUMP_DONE) {
				r->result = PUMP_TLS_ERROR;
				r->which = e->name;
				r->tls_err = err;
			}
			if (ends[1 - i]->wr_done)
				return 1;
		}
		if (e->closing && e->wr_done)
			return 1;
		/*
		 * TLS has no half-close: a TCP end of file from a TLS peer
		 * ends its session (and PostgreSQL ends a backend on end of
		 * file anyway). Once what it sent was delivered and the other
		 * side told, do not wait for the other side to finish: a
		 * killed client must not hold the process for as long as the
		 * query it left behind runs.
		 */
		if (e->rd_eof && ends[1 - i]->wr_done)
			return 1;
	}
	return a->wr_done && b->wr_done;
}

/* Which end's input ended first, for the log: the other may follow at
 * once (a cleartext relay half-closes), but did not start it. */
static void
note_first_close(const struct conn *client, const struct conn *upstream,
                 struct pump_report *r)
{
	const struct conn *ends[2] = {client, upstream};

	for (int i = 0; i < 2 && r->first_closed == NULL; i++) {
		if (ends[i]->rd_eof || tls_finished(ends[i]))
			r->first_closed = ends[i];
	}
}

void
pump_run(struct conn *client, struct conn *upstream, int idle_ms,
         struct pump_report *r)
{
	struct conn *ends[2] = {client, upstream};

	memset(r, 0, sizeof(*r));
	r->result = PUMP_DONE;
	for (;;) {
		struct pollfd p[4];
		int n = 0, ready;

		step(client, upstream, r);
		note_first_close(client, upstream, r);
		if (finished(client, upstream, r))
			break;
		for (int i = 0; i < 2; i++) {
			struct conn *e = ends[i];

			if (want_read(e, ends[1 - i]))
				n = add_poll(p, n, e->rfd, POLLIN);
			if (e->wr_blocked && e->wfd >= 0)
				n = add_poll(p, n, e->wfd, POLLOUT);
		}
		if (n == 0)
			break; /* nothing can move any more */
		ready = poll(p, (nfds_t)n, idle_ms > 0 ? idle_ms : -1);
		if (ready < 0) {
			if (errno == EINTR && io_terminated) {
				r->result = PUMP_TERMINATED;
				return;
			}
			if (errno == EINTR)
				continue;
			fail_io(r, client);
			return;
		}
		if (ready == 0) {
			r->result = PUMP_IDLE_TIMEOUT;
			return;
		}
		for (int i = 0; i < 2; i++) {
			struct conn *e = ends[i];
			short rev;

			/* POLLHUP/POLLERR become a read or write that
			 * reports the condition. */
			if (e->rfd >= 0) {
				rev = revents_of(p, n, e->rfd);
				if (rev & (POLLIN | POLLHUP | POLLERR))
					e->more = 1;
			}
			if (e->wfd >= 0 && e->wr_blocked) {
				rev = revents_of(p, n, e->wfd);
				if (rev & (POLLOUT | POLLHUP | POLLERR))
					e->wr_blocked = 0;
			}
		}
	}
	if (r->result == PUMP_DONE && r->first_closed != NULL)
		r->result = r->first_closed == client ? PUMP_CLIENT_CLOSED
		                                      : PUMP_UPSTREAM_CLOSED;
}

/* see side.h */
#include "side.h"

#include <errno.h>
#include <string.h>

void
side_init(struct side *s, const char *name, int rfd, int wfd, int64_t deadline)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->rfd = rfd;
	s->wfd = wfd;
	s->link.rfd = rfd;
	s->link.wfd = wfd;
	s->link.deadline = deadline;
}

void
side_start_tls(struct side *s, br_ssl_engine_context *eng)
{
	s->eng = eng;
	br_sslio_init(&s->io, eng, io_sslio_read, &s->link, io_sslio_write,
	              &s->link);
}

ssize_t
side_read(struct side *s, void *buf, size_t n)
{
	if (s->eng == NULL)
		return io_read_exact(s->rfd, buf, n, s->link.deadline);
	if (br_sslio_read_all(&s->io, buf, n) == 0)
		return (ssize_t)n;
	if (s->link.timed_out)
		errno = ETIMEDOUT;
	else
		errno = ECONNRESET;
	return -1;
}

int
side_write(struct side *s, const void *buf, size_t n)
{
	if (s->eng == NULL)
		return io_write_all(s->wfd, buf, n, s->link.deadline);
	if (br_sslio_write_all(&s->io, buf, n) != 0 ||
	    br_sslio_flush(&s->io) != 0)
		return -1;
	return 0;
}

int
side_read_packet(struct side *s, uint8_t *buf, size_t cap, int allow_direct,
                 struct pgproto_packet *pkt)
{
	size_t have = 0;

	for (;;) {
		ssize_t r;

		pgproto_classify(buf, have, allow_direct, pkt);
		if (pkt->kind != PGPROTO_NEED_MORE)
			return 1;
		/* pgproto never asks for more than PGPROTO_PACKET_MAX. */
		if (pkt->need > cap || pkt->need <= have)
			return -1;
		r = side_read(s, buf + have, pkt->need - have);
		if (r == 0 && have == 0)
			return 0;
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
}

void
side_close(struct side *s)
{
	if (s->eng == NULL)
		return;
	s->link.deadline = io_now_ms() + SIDE_LINGER_MS;
	br_ssl_engine_close(s->eng);
	while (br_ssl_engine_current_state(s->eng) & BR_SSL_SENDREC) {
		size_t len;
		unsigned char *buf = br_ssl_engine_sendrec_buf(s->eng, &len);
		int w = io_sslio_write(&s->link, buf, len);

		if (w <= 0)
			break;
		br_ssl_engine_sendrec_ack(s->eng, (size_t)w);
	}
}

void
side_refuse(struct side *s, const char *sqlstate, const char *message,
            const char *detail, const char *hint)
{
	uint8_t msg[1024];
	size_t len = pgproto_error_response(msg, sizeof(msg), sqlstate, message,
	                                    detail, hint);

	s->link.deadline = io_now_ms() + (int64_t)SIDE_LINGER_MS * 4;
	if (len > 0 && side_write(s, msg, len) == 0)
		side_close(s);
	io_linger(s->rfd, s->wfd, SIDE_LINGER_MS);
}

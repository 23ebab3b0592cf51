/* see session.h */
#include "session.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exitcodes.h"
#include "io.h"
#include "log.h"
#include "pgproto.h"
#include "pump.h"
#include "tls.h"
#include "upstream.h"
#include "x509check.h"

#define LINGER_MS 500 /* draining a refused client's input, at most */

/*
 * One side of the session during set-up: descriptors, and once TLS is up
 * its engine driven through br_sslio with deadline-aware callbacks.
 */
struct side {
	const char *name;
	int rfd, wfd;
	br_ssl_engine_context *eng; /* NULL: cleartext */
	br_sslio_context io;
	struct io_link link;
};

/*
 * Per-connection state. Static: the BSS pages of an engine that is never
 * used (upstream TLS off) are never touched and cost no memory.
 */
static struct {
	br_ssl_server_context server;
	unsigned char server_buf[BR_SSL_BUFSIZE_BIDI];
	struct x509check client_verify;
	br_ssl_client_context client;
	unsigned char client_buf[BR_SSL_BUFSIZE_BIDI];
	struct x509check upstream_verify;
	struct pump_end pump_client, pump_upstream;
	uint8_t packet[PGPROTO_PACKET_MAX];
	size_t packet_len;
} S;

/* What the summary line reports. */
struct outcome {
	char peer[80];
	char upstream[CONFIG_HOST_MAX + 16];
	const char *tls; /* "direct", "sslrequest", or "off" */
	const char *upstream_tls;
	char user[64], database[64];
	const char *end; /* how it ended */
	int clean;       /* an ending that is no failure: exit 0 */
	int tls_up;      /* the client's TLS handshake completed */
	char detail[256];
	int64_t start_ms;
};

static void
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

static void
side_start_tls(struct side *s, br_ssl_engine_context *eng)
{
	s->eng = eng;
	br_sslio_init(&s->io, eng, io_sslio_read, &s->link, io_sslio_write,
	              &s->link);
}

/* Read exactly n bytes: n, 0 on a close before any byte, -1 otherwise. */
static ssize_t
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

static int
side_write(struct side *s, const void *buf, size_t n)
{
	if (s->eng == NULL)
		return io_write_all(s->wfd, buf, n, s->link.deadline);
	if (br_sslio_write_all(&s->io, buf, n) != 0 ||
	    br_sslio_flush(&s->io) != 0)
		return -1;
	return 0;
}

/*
 * Read one packet with the reading discipline of pgproto.h: exactly the
 * bytes it needs. Returns 1 with *pkt set, 0 on a close before the first
 * byte, -1 on a close or timeout in the middle.
 */
static int
read_packet(struct side *s, int allow_direct, struct pgproto_packet *pkt)
{
	size_t have = 0;

	for (;;) {
		ssize_t r;

		pgproto_classify(S.packet, have, allow_direct, pkt);
		if (pkt->kind != PGPROTO_NEED_MORE)
			break;
		/* pgproto never asks for more than PGPROTO_PACKET_MAX. */
		if (pkt->need > sizeof(S.packet) || pkt->need <= have)
			return -1;
		r = side_read(s, S.packet + have, pkt->need - have);
		if (r == 0 && have == 0)
			return 0;
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	S.packet_len = pkt->need;
	return 1;
}

/*
 * Close a TLS side politely: send close_notify, without waiting for the
 * peer's (it may never come), bounded by a short deadline.
 */
static void
side_close(struct side *s)
{
	if (s->eng == NULL)
		return;
	s->link.deadline = io_now_ms() + LINGER_MS;
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

/*
 * Refuse the client with a PostgreSQL ErrorResponse (FATAL) it can show,
 * in cleartext or inside TLS, then close so that the text arrives.
 */
static void
refuse(struct side *client, const char *sqlstate, const char *message,
       const char *detail, const char *hint)
{
	uint8_t msg[1024];
	size_t len = pgproto_error_response(msg, sizeof(msg), sqlstate, message,
	                                    detail, hint);

	client->link.deadline = io_now_ms() + (int64_t)LINGER_MS * 4;
	if (len > 0 && side_write(client, msg, len) == 0)
		side_close(client);
	io_linger(client->rfd, client->wfd, LINGER_MS);
}

static void
describe_peer(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	const char *env_addr = getenv("SOCAT_PEERADDR");

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
			snprintf(out, cap, "%s:%u", host,
			         (unsigned)ntohs(in->sin_port));
			return;
		}
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &in6->sin6_addr, host,
			          sizeof(host));
			snprintf(out, cap, "[%s]:%u", host,
			         (unsigned)ntohs(in6->sin6_port));
			return;
		}
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    env_addr == NULL) {
		snprintf(out, cap, "local");
		return;
	}
	/* socat EXEC: hands a socketpair, but says who the peer is. */
	if (env_addr != NULL) {
		const char *port = getenv("SOCAT_PEERPORT");

		snprintf(out, cap, "%s:%s", env_addr, port ? port : "?");
		return;
	}
	snprintf(out, cap, "stdin");
}

/* Client-chosen text goes into a log line: nothing that could forge a
 * field or a line survives. */
static void
copy_field(char *dst, size_t cap, const char *src)
{
	size_t i = 0;

	if (src == NULL || src[0] == '\0')
		src = "-";
	for (; src[i] != '\0' && i + 1 < cap; i++) {
		char c = src[i];
		int printable = c > ' ' && c <= '~';

		dst[i] = '?';
		if (printable && c != '=' && c != '"' && c != '\\')
			dst[i] = c;
	}
	dst[i] = '\0';
}

static void
log_outcome(const struct outcome *o, const struct pump_end *c,
            const struct pump_end *u)
{
	int64_t ms = io_now_ms() - o->start_ms;
	char tls[96] = "off";
	br_ssl_session_parameters params;

	br_ssl_engine_get_session_parameters(&S.server.eng, &params);
	if (o->tls_up)
		snprintf(tls, sizeof(tls), "%s/%s/%s",
		         tls_version_name(params.version),
		         tls_suite_name(params.cipher_suite), o->tls);
	else if (strcmp(o->tls, "off") != 0)
		snprintf(tls, sizeof(tls), "failed/%s", o->tls);
	log_msg(LOG_INFO,
	        "peer=%s tls=%s user=%s db=%s upstream=%s upstream_tls=%s "
	        "bytes_in=%llu bytes_out=%llu duration=%lld.%03llds end=%s%s%s",
	        o->peer, tls, o->user, o->database, o->upstream,
	        o->upstream_tls != NULL ? o->upstream_tls : "-",
	        (unsigned long long)(c != NULL ? c->app_in : 0),
	        (unsigned long long)(u != NULL ? u->app_in : 0),
	        (long long)(ms / 1000), (long long)(ms % 1000), o->end,
	        o->detail[0] != '\0' ? ": " : "", o->detail);
}

static const char stuffing_detail[] =
    "This could be either a client-software bug or evidence of an "
    "attempted man-in-the-middle attack.";

/* The text PostgreSQL sends for a request it will not take twice. */
static void
refuse_repeat(struct side *client, uint32_t code)
{
	char msg[128];

	snprintf(msg, sizeof(msg),
	         "unsupported frontend protocol %u.%u: server supports 3.0 "
	         "to 3.2",
	         (unsigned)(code >> 16), (unsigned)(code & 0xffff));
	refuse(client, "0A000", msg, NULL, NULL);
}

enum first {
	FIRST_TLS,
	FIRST_DIRECT_TLS,
	FIRST_STARTUP,
	FIRST_CANCEL,
	FIRST_GONE
};

/* Where negotiate() stands, as in PostgreSQL's ProcessStartupPacket. */
struct nego {
	int ssl_done, gss_done;
	int in_tls;       /* inside TLS: requests are answered 'N' */
	int allow_direct; /* a first byte 0x16 may start TLS */
};

/*
 * Pre-TLS negotiation: SSLRequest and GSSENCRequest each at most once,
 * in either order, then a StartupMessage or CancelRequest; or TLS at
 * once. Inside a direct TLS connection PostgreSQL answers 'N' to both,
 * and so does this. *stuffed is the number of bytes that were already
 * waiting when 'S' was sent.
 */
static enum first
negotiate(const struct config *cfg, struct side *client, struct nego *n,
          size_t *stuffed, struct outcome *o)
{
	*stuffed = 0;
	for (;;) {
		struct pgproto_packet pkt;
		int r = read_packet(client, n->allow_direct, &pkt);
		size_t pending = 0;
		uint8_t answer;
		int ssl;

		if (r == 0) {
			o->end = n->in_tls ? "client closed after TLS handshake"
			                   : "closed before sending a packet";
			o->clean = !n->in_tls;
			return FIRST_GONE;
		}
		if (r < 0) {
			o->end = io_terminated ? "terminated by signal"
			         : errno == ETIMEDOUT
			             ? "handshake timeout"
			             : "incomplete startup packet";
			return FIRST_GONE;
		}
		n->allow_direct = 0;
		switch (pkt.kind) {
		case PGPROTO_DIRECT_TLS:
			return FIRST_DIRECT_TLS;
		case PGPROTO_CANCEL:
			return FIRST_CANCEL;
		case PGPROTO_STARTUP:
			return FIRST_STARTUP;
		case PGPROTO_SSLREQUEST:
		case PGPROTO_GSSENCREQUEST:
			break;
		case PGPROTO_INVALID:
		case PGPROTO_NEED_MORE:
			o->end = pkt.why != NULL ? pkt.why
			                         : "incomplete startup packet";
			return FIRST_GONE;
		}
		ssl = pkt.kind == PGPROTO_SSLREQUEST;
		if (ssl ? n->ssl_done : n->gss_done) {
			refuse_repeat(client, pkt.code);
			o->end = "repeated encryption request";
			return FIRST_GONE;
		}
		/* A client waits for the answer before it sends more: bytes
		 * already here were sent blind, or injected (CVE-2021-23214).
		 * Inside TLS every byte is authenticated. */
		if (!n->in_tls)
			pending = io_pending(client->rfd);
		answer = ssl && cfg->tls && !n->in_tls ? 'S' : 'N';
		if (side_write(client, &answer, 1) != 0) {
			o->end = "client went away during negotiation";
			return FIRST_GONE;
		}
		if (answer == 'S') {
			*stuffed = pending;
			return FIRST_TLS;
		}
		if (pending > 0) {
			refuse(client, "08P01",
			       ssl ? "received unencrypted data after SSL "
			             "request"
			           : "received unencrypted data after GSSAPI "
			             "encryption request",
			       stuffing_detail, NULL);
			o->end = "unencrypted data after request";
			return FIRST_GONE;
		}
		if (ssl)
			n->ssl_done = 1;
		else
			n->gss_done = 1;
	}
}

/* Discard exactly n bytes that arrived before 'S' (see negotiate). */
static int
discard_stuffed(struct side *client, size_t n)
{
	uint8_t sink[256];

	while (n > 0) {
		size_t chunk = n < sizeof(sink) ? n : sizeof(sink);

		if (io_read_exact(client->rfd, sink, chunk,
		                  client->link.deadline) != (ssize_t)chunk)
			return -1;
		n -= chunk;
	}
	return 0;
}

static int
tls_failed(struct side *s, struct outcome *o, const char *what)
{
	int err = br_ssl_engine_last_error(s->eng);

	o->end = what;
	if (s->link.timed_out)
		snprintf(o->detail, sizeof(o->detail), "timeout");
	else if (err == BR_ERR_OK || s->link.eof)
		snprintf(o->detail, sizeof(o->detail), "peer closed");
	else
		snprintf(o->detail, sizeof(o->detail), "%s (BearSSL error %d)",
		         tls_strerror(err), err);
	return -1;
}

/* The client's TLS handshake; direct_byte is the 0x16 already read. */
static int
client_handshake(const struct config *cfg, const struct session_keys *keys,
                 struct side *client, int direct, struct outcome *o)
{
	const char *alpn;

	if (tls_server_setup(&S.server, keys->chain, keys->key,
	                     cfg->client_ca != NULL ? &S.client_verify : NULL,
	                     keys->client_ca) != 0) {
		o->end = "server key unusable";
		return -1;
	}
	br_ssl_engine_set_buffer(&S.server.eng, S.server_buf,
	                         sizeof(S.server_buf), 1);
	if (!br_ssl_server_reset(&S.server)) {
		o->end = "TLS engine reset failed";
		return -1;
	}
	side_start_tls(client, &S.server.eng);
	if (direct) {
		size_t len;
		unsigned char *buf =
		    br_ssl_engine_recvrec_buf(&S.server.eng, &len);

		buf[0] = PGPROTO_TLS_HANDSHAKE;
		br_ssl_engine_recvrec_ack(&S.server.eng, 1);
	}
	if (br_sslio_flush(&client->io) != 0)
		return tls_failed(client, o, "client TLS handshake failed");
	alpn = br_ssl_engine_get_selected_protocol(&S.server.eng);
	if (direct && alpn == NULL && !cfg->direct_without_alpn) {
		/* PostgreSQL 17 closes such a connection without a word. */
		o->end = "direct TLS connection without ALPN "
		         "\"postgresql\" refused";
		side_close(client);
		return -1;
	}
	return 0;
}

/*
 * STARTTLS towards the upstream, the libpq way: SSLRequest, exactly one
 * byte of answer, then the handshake; or TLS at once (direct).
 */
static int
upstream_tls(const struct config *cfg, const struct session_keys *keys,
             struct side *up, struct outcome *o, char *why, size_t whylen)
{
	enum upstream_tls mode = (enum upstream_tls)cfg->upstream_tls;
	const char *host = cfg->upstream_servername != NULL
	                       ? cfg->upstream_servername
	                       : cfg->upstream.host;
	const char *sni = host;
	struct in6_addr ip;
	enum x509check_mode check =
	    mode == UPSTREAM_TLS_VERIFY_FULL ? X509CHECK_FULL
	    : mode == UPSTREAM_TLS_VERIFY_CA ? X509CHECK_CA
	                                     : X509CHECK_NONE;

	if (!cfg->upstream_direct) {
		uint8_t req[8], answer;

		pgproto_ssl_request(req);
		if (side_write(up, req, sizeof(req)) != 0 ||
		    side_read(up, &answer, 1) != 1) {
			snprintf(why, whylen,
			         "upstream closed the connection during SSL "
			         "negotiation");
			return -1;
		}
		if (answer == 'N' && mode == UPSTREAM_TLS_PREFER) {
			o->upstream_tls = "declined";
			return 0;
		}
		if (answer == 'N') {
			snprintf(why, whylen,
			         "upstream server does not support SSL, but "
			         "SSL was required");
			return -1;
		}
		if (answer == 'E') {
			/* Unauthenticated text: never shown (CVE-2024-10977).
			 */
			snprintf(why, whylen,
			         "upstream server refused the SSL request");
			return -1;
		}
		if (answer != 'S') {
			snprintf(why, whylen,
			         "received invalid response to SSL negotiation "
			         "from upstream: 0x%02x",
			         answer);
			return -1;
		}
		/* CVE-2021-23222: nothing may come before the handshake. */
		if (io_pending(up->rfd) > 0) {
			snprintf(why, whylen,
			         "received unencrypted data after SSL response "
			         "from upstream");
			return -1;
		}
	}
	x509check_init(&S.upstream_verify, check,
	               keys->upstream_ca != NULL ? keys->upstream_ca->ta : NULL,
	               keys->upstream_ca != NULL ? keys->upstream_ca->count : 0,
	               check == X509CHECK_FULL ? host : NULL);
	if (tls_client_setup(&S.client, &S.upstream_verify,
	                     keys->upstream_chain, keys->upstream_key) != 0) {
		snprintf(why, whylen, "upstream client key is unusable");
		return -1;
	}
	br_ssl_engine_set_buffer(&S.client.eng, S.client_buf,
	                         sizeof(S.client_buf), 1);
	/* libpq sends no SNI for an IP address. */
	if (inet_pton(AF_INET, host, &ip) == 1 ||
	    inet_pton(AF_INET6, host, &ip) == 1)
		sni = NULL;
	if (!br_ssl_client_reset(&S.client, sni, 0)) {
		snprintf(why, whylen, "upstream TLS engine reset failed");
		return -1;
	}
	side_start_tls(up, &S.client.eng);
	if (br_sslio_flush(&up->io) != 0) {
		int err = br_ssl_engine_last_error(&S.client.eng);

		if (err == X509CHECK_ERR_NAME)
			snprintf(
			    why, whylen,
			    "upstream TLS handshake failed: server "
			    "certificate does not match host name \"%.64s\"",
			    host);
		else
			snprintf(
			    why, whylen, "upstream TLS handshake failed: %s",
			    up->link.timed_out ? "timeout"
			    : err == BR_ERR_OK ? "server closed the connection"
			                       : tls_strerror(err));
		return -1;
	}
	if (cfg->upstream_direct &&
	    br_ssl_engine_get_selected_protocol(&S.client.eng) == NULL) {
		snprintf(why, whylen,
		         "upstream did not select ALPN \"postgresql\" for a "
		         "direct TLS connection");
		return -1;
	}
	{
		br_ssl_session_parameters params;

		br_ssl_engine_get_session_parameters(&S.client.eng, &params);
		o->upstream_tls = tls_suite_name(params.cipher_suite);
	}
	return 0;
}

/* Connect the upstream and send it the client's first packet. */
static int
open_upstream(const struct config *cfg, const struct session_keys *keys,
              struct side *up, struct outcome *o, const char **sqlstate,
              char *why, size_t whylen)
{
	int fd =
	    upstream_connect(&cfg->upstream, cfg->connect_timeout, why, whylen);

	if (fd < 0)
		return -1;
	side_init(up, "upstream", fd, fd, io_deadline_in(cfg->connect_timeout));
	o->upstream_tls = "off";
	if (cfg->upstream_tls != UPSTREAM_TLS_DISABLE) {
		/* 08001: the server was reached but no secure connection
		 * could be set up with it, as libpq reports it. */
		*sqlstate = "08001";
		o->upstream_tls = "failed";
		if (upstream_tls(cfg, keys, up, o, why, whylen) != 0)
			return -1;
		*sqlstate = "08006";
	}
	if (side_write(up, S.packet, S.packet_len) != 0) {
		snprintf(why, whylen, "cannot send to upstream: %s",
		         strerror(errno));
		return -1;
	}
	return 0;
}

/* Drop one NUL-terminated name from a SASL mechanism list in place. */
static size_t
drop_mechanism(uint8_t *list, size_t len, const char *name)
{
	size_t in = 0, out = 0, n = strlen(name) + 1;

	while (in < len) {
		const uint8_t *nul = memchr(list + in, '\0', len - in);
		size_t item =
		    nul != NULL ? (size_t)(nul - (list + in)) + 1 : len - in;

		if (item != n || memcmp(list + in, name, n) != 0) {
			memmove(list + out, list + in, item);
			out += item;
		}
		in += item;
	}
	return out;
}

/*
 * With TLS upstream, PostgreSQL offers SCRAM-SHA-256-PLUS. libpq on a
 * cleartext connection refuses that offer outright (its guard against TLS
 * stripping), so a cleartext client (--tls off, --plaintext allow) must
 * not see it; without it libpq uses SCRAM-SHA-256 with the gs2 flag "n",
 * which the server accepts. A TLS client cannot be helped this way: it
 * sends "y" and the server rightly calls that a downgrade (see README,
 * channel binding). So pass the upstream's messages up to its first
 * authentication request to the client, and rewrite a SASL mechanism
 * list. Returns the bytes sent, or -1.
 */
static ssize_t
relay_auth_request(struct side *client, struct side *up)
{
	uint8_t *msg = S.packet; /* the startup packet went out already */
	size_t total = 0;

	for (int i = 0; i < 8; i++) {
		uint32_t len;
		size_t body;
		uint8_t type;

		if (side_read(up, msg, 5) != 5)
			return -1;
		type = msg[0];
		len = pgproto_get32(msg + 1);
		if (len < 4 || len - 4 > sizeof(S.packet) - 5) {
			/* Not for us to judge: the relay passes it on. */
			if (side_write(client, msg, 5) != 0)
				return -1;
			return (ssize_t)(total + 5);
		}
		body = len - 4;
		if (body > 0 && side_read(up, msg + 5, body) != (ssize_t)body)
			return -1;
		if (type == 'R' && body >= 4 && pgproto_get32(msg + 5) == 10) {
			body = 4 + drop_mechanism(msg + 9, body - 4,
			                          "SCRAM-SHA-256-PLUS");
			pgproto_put32(msg + 1, (uint32_t)(body + 4));
		}
		if (side_write(client, msg, body + 5) != 0)
			return -1;
		total += body + 5;
		if (type == 'R' || type == 'E')
			break;
	}
	return (ssize_t)total;
}

static void
note_startup(struct outcome *o)
{
	struct pgproto_startup st;
	const char *why;

	if (pgproto_parse_startup(S.packet, S.packet_len, &st, &why) == 0) {
		copy_field(o->user, sizeof(o->user), st.user);
		copy_field(o->database, sizeof(o->database),
		           st.database != NULL ? st.database : st.user);
	}
}

static const char *
pump_end_text(const struct pump_report *r, char *detail, size_t cap)
{
	switch (r->result) {
	case PUMP_DONE:
		return "done";
	case PUMP_CLIENT_CLOSED:
		return "client closed";
	case PUMP_UPSTREAM_CLOSED:
		return "upstream closed";
	case PUMP_IDLE_TIMEOUT:
		return "idle timeout";
	case PUMP_TERMINATED:
		return "terminated by signal";
	case PUMP_TLS_ERROR:
		snprintf(detail, cap, "%s: %s", r->which,
		         tls_strerror(r->tls_err));
		return "TLS error";
	case PUMP_IO_ERROR:
		snprintf(detail, cap, "%s: %s", r->which,
		         strerror(r->sys_errno));
		return "I/O error";
	}
	return "?";
}

int
session_run(const struct config *cfg, const struct session_keys *keys,
            int client_in, int client_out)
{
	struct side client, up;
	struct outcome o;
	struct pump_report report;
	char why[256];
	size_t stuffed = 0;
	enum first first;
	struct nego nego = {0, 0, 0, 0};
	const char *sqlstate = "08006";
	ssize_t pre_auth = 0;
	int cancel = 0;

	io_catch_terminate();
	memset(&o, 0, sizeof(o));
	memset(&up, 0, sizeof(up));
	up.rfd = up.wfd = -1;
	o.start_ms = io_now_ms();
	o.end = "?";
	o.tls = "off";
	snprintf(o.user, sizeof(o.user), "-");
	snprintf(o.database, sizeof(o.database), "-");
	describe_peer(client_in, o.peer, sizeof(o.peer));
	config_format_addr(&cfg->upstream, o.upstream, sizeof(o.upstream));
	if (io_set_nonblock(client_in) != 0 ||
	    io_set_nonblock(client_out) != 0) {
		log_msg(LOG_ERR,
		        "peer=%s: cannot make the connection "
		        "non-blocking: %s",
		        o.peer, strerror(errno));
		return EXIT_OSERR;
	}
	upstream_nodelay(client_out);
	side_init(&client, "client", client_in, client_out,
	          io_deadline_in(cfg->handshake_timeout));

	nego.allow_direct = cfg->tls && cfg->direct_tls;
	first = negotiate(cfg, &client, &nego, &stuffed, &o);
	if (first == FIRST_TLS || first == FIRST_DIRECT_TLS) {
		o.tls = first == FIRST_TLS ? "sslrequest" : "direct";
		if (stuffed > 0 && discard_stuffed(&client, stuffed) != 0) {
			o.end = "incomplete data after SSL request";
			goto gone;
		}
		if (cfg->client_ca != NULL)
			x509check_init(&S.client_verify, X509CHECK_CA,
			               keys->client_ca->ta,
			               keys->client_ca->count, NULL);
		if (client_handshake(cfg, keys, &client,
		                     first == FIRST_DIRECT_TLS, &o) != 0)
			goto gone;
		o.tls_up = 1;
		if (stuffed > 0) {
			/* What PostgreSQL answers, inside TLS as it does. */
			refuse(&client, "08P01",
			       "received unencrypted data after SSL request",
			       stuffing_detail, NULL);
			o.end = "unencrypted data after SSL request";
			goto gone;
		}
		/* After 'S' both requests are used up; after a direct
		 * ClientHello PostgreSQL still answers them, with 'N'. */
		nego.ssl_done = nego.gss_done = first == FIRST_TLS;
		nego.in_tls = 1;
		first = negotiate(cfg, &client, &nego, &stuffed, &o);
		if (first == FIRST_GONE)
			goto gone;
	} else if (first == FIRST_STARTUP && cfg->tls &&
	           !cfg->plaintext_allow) {
		refuse(&client, "28000",
		       "pgstunnel: this server requires TLS; connect "
		       "with sslmode=require or stronger",
		       NULL,
		       "Set sslmode=verify-full (with sslrootcert) in "
		       "the connection string.");
		note_startup(&o);
		o.end = "cleartext startup refused";
		goto gone;
	} else if (first == FIRST_GONE) {
		goto gone;
	}
	cancel = first == FIRST_CANCEL;
	if (!cancel)
		note_startup(&o);

	if (open_upstream(cfg, keys, &up, &o, &sqlstate, why, sizeof(why)) !=
	    0) {
		char msg[320];

		snprintf(msg, sizeof(msg), "pgstunnel: %s", why);
		if (!cancel)
			refuse(&client, sqlstate, msg, NULL, NULL);
		o.end = "upstream failed";
		snprintf(o.detail, sizeof(o.detail), "%s", why);
		goto gone;
	}
	if (cancel) {
		/* PostgreSQL answers a cancel with nothing and closes. */
		side_close(&up);
		side_close(&client);
		o.end = "cancel request forwarded";
		o.clean = 1;
		goto gone;
	}

	if (up.eng != NULL && client.eng == NULL) {
		up.link.deadline = client.link.deadline;
		pre_auth = relay_auth_request(&client, &up);
		if (pre_auth < 0) {
			o.end = "upstream failed before authentication";
			goto gone;
		}
	}

	/* Relay. The handshake deadline no longer applies. */
	pump_end_init(&S.pump_client, "client", client_in, client_out,
	              client.eng);
	pump_end_init(&S.pump_upstream, "upstream", up.rfd, up.wfd, up.eng);
	S.pump_client.app_in = S.packet_len; /* the startup packet */
	S.pump_upstream.app_in = (uint64_t)pre_auth;
	pump_run(&S.pump_client, &S.pump_upstream, cfg->idle_timeout * 1000,
	         &report);
	o.end = pump_end_text(&report, o.detail, sizeof(o.detail));
	if (report.result == PUMP_IDLE_TIMEOUT) {
		side_close(&client);
		side_close(&up);
	}
	log_outcome(&o, &S.pump_client, &S.pump_upstream);
	if (up.rfd >= 0)
		close(up.rfd);
	return report.result == PUMP_TLS_ERROR ||
	               report.result == PUMP_IO_ERROR ||
	               report.result == PUMP_TERMINATED
	           ? EXIT_SESSION_FAILED
	           : EXIT_SESSION_OK;

gone:
	/* A TLS session ends with close_notify, as PostgreSQL ends it. */
	if (o.tls_up)
		side_close(&client);
	log_outcome(&o, NULL, NULL);
	if (up.rfd >= 0)
		close(up.rfd);
	return o.clean ? EXIT_SESSION_OK : EXIT_SESSION_FAILED;
}

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
#include "negotiate.h"
#include "pgproto.h"
#include "pump.h"
#include "side.h"
#include "starttls.h"
#include "tls.h"
#include "upstream.h"
#include "x509check.h"

/*
 * Per-connection state, static, laid out for the pages a session dirties
 * (each one is private memory in every session's process). What every
 * session writes comes first, on as few pages as possible, with the start
 * of the engine's input buffer (small records stay there); each buffer
 * touched only as data flows starts a page of its own, so one that is not
 * used costs nothing: the upstream stage when the client speaks TLS, the
 * client-certificate and upstream-TLS state when not configured.
 */
#define SESSION_PAGE 4096
/* The padding is the point: buffers start pages of their own. */
// NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding)
static struct {
	br_ssl_server_context server;
	struct pump_end pump_client, pump_upstream;
	size_t packet_len;
	unsigned char server_buf[BR_SSL_BUFSIZE_BIDI];
	_Alignas(SESSION_PAGE) uint8_t packet[PGPROTO_PACKET_MAX];
	_Alignas(SESSION_PAGE) uint8_t stage_client[PUMP_STAGE_BYTES];
	_Alignas(SESSION_PAGE) uint8_t stage_upstream[PUMP_STAGE_BYTES];
	_Alignas(SESSION_PAGE) struct x509check client_verify;
	_Alignas(SESSION_PAGE) struct starttls upstream;
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
 * Connect the upstream (or finish the connect begun during the client's
 * handshake) and send it the client's first packet.
 */
static int
open_upstream(const struct config *cfg, const struct session_keys *keys,
              struct upstream_pending *pending, struct side *up,
              struct outcome *o, const char **sqlstate, char *why,
              size_t whylen)
{
	int fd;

	if (!pending->begun)
		upstream_begin(&cfg->upstream, cfg->connect_timeout, pending);
	fd = upstream_finish(pending, cfg->connect_timeout, why, whylen);

	if (fd < 0)
		return -1;
	side_init(up, "upstream", fd, fd, io_deadline_in(cfg->connect_timeout));
	o->upstream_tls = "off";
	if (cfg->upstream_tls != UPSTREAM_TLS_DISABLE) {
		/* 08001: the server was reached but no secure connection
		 * could be set up with it, as libpq reports it. */
		*sqlstate = "08001";
		o->upstream_tls = "failed";
		if (starttls_upstream(&S.upstream, cfg, keys, up,
		                      &o->upstream_tls, why, whylen) != 0)
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
	enum nego_next next;
	struct nego nego;
	struct upstream_pending pending;
	const char *sqlstate = "08006";
	ssize_t pre_auth = 0;
	int cancel = 0;

	io_catch_terminate();
	memset(&o, 0, sizeof(o));
	memset(&up, 0, sizeof(up));
	memset(&pending, 0, sizeof(pending));
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

	memset(&nego, 0, sizeof(nego));
	nego.allow_direct = cfg->tls && cfg->direct_tls;
	next = negotiate(cfg, &client, &nego, S.packet, sizeof(S.packet));
	if (next == NEGO_TLS || next == NEGO_DIRECT_TLS) {
		size_t stuffed = nego.stuffed;

		o.tls = next == NEGO_TLS ? "sslrequest" : "direct";
		/*
		 * PostgreSQL forks a backend per connection: on request, let
		 * it do that while the handshake runs. Not when client
		 * certificates are required: then only a proven client costs
		 * a backend.
		 */
		if (cfg->upstream_early && cfg->client_ca == NULL)
			upstream_begin(&cfg->upstream, cfg->connect_timeout,
			               &pending);
		if (stuffed > 0 && negotiate_discard(&client, stuffed) != 0) {
			o.end = "incomplete data after SSL request";
			goto gone;
		}
		if (cfg->client_ca != NULL) {
			x509check_init(&S.client_verify, X509CHECK_CA,
			               keys->client_ca->ta,
			               keys->client_ca->count, NULL);
			/* Cannot fail: the mode is CA. */
			(void)x509check_set_crl(&S.client_verify, keys->crl);
		}
		if (client_handshake(cfg, keys, &client,
		                     next == NEGO_DIRECT_TLS, &o) != 0)
			goto gone;
		o.tls_up = 1;
		if (stuffed > 0) {
			/* What PostgreSQL answers, inside TLS as it does. */
			side_refuse(
			    &client, "08P01",
			    "received unencrypted data after SSL request",
			    negotiate_stuffing_detail, NULL);
			o.end = "unencrypted data after SSL request";
			goto gone;
		}
		/* After 'S' both requests are used up; after a direct
		 * ClientHello PostgreSQL still answers them, with 'N'. */
		nego.ssl_done = nego.gss_done = next == NEGO_TLS;
		nego.in_tls = 1;
		next =
		    negotiate(cfg, &client, &nego, S.packet, sizeof(S.packet));
	} else if (next == NEGO_STARTUP && cfg->tls && !cfg->plaintext_allow) {
		S.packet_len = nego.packet_len;
		side_refuse(&client, "28000",
		            "pgstunnel: this server requires TLS; connect "
		            "with sslmode=require or stronger",
		            NULL,
		            "Set sslmode=verify-full (with sslrootcert) in "
		            "the connection string.");
		note_startup(&o);
		o.end = "cleartext startup refused";
		goto gone;
	}
	if (next == NEGO_GONE) {
		o.end = nego.end;
		o.clean = nego.clean;
		goto gone;
	}
	S.packet_len = nego.packet_len;
	cancel = next == NEGO_CANCEL;
	if (!cancel)
		note_startup(&o);

	if (open_upstream(cfg, keys, &pending, &up, &o, &sqlstate, why,
	                  sizeof(why)) != 0) {
		char msg[320];

		snprintf(msg, sizeof(msg), "pgstunnel: %s", why);
		if (!cancel)
			side_refuse(&client, sqlstate, msg, NULL, NULL);
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
		pre_auth = starttls_hide_scram_plus(&client, &up, S.packet,
		                                    sizeof(S.packet));
		if (pre_auth < 0) {
			o.end = "upstream failed before authentication";
			goto gone;
		}
	}

	/* Relay. The handshake deadline no longer applies. */
	pump_end_init(&S.pump_client, "client", client_in, client_out,
	              client.eng, S.stage_client);
	pump_end_init(&S.pump_upstream, "upstream", up.rfd, up.wfd, up.eng,
	              S.stage_upstream);
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
	upstream_abandon(&pending);
	log_outcome(&o, NULL, NULL);
	if (up.rfd >= 0)
		close(up.rfd);
	return o.clean ? EXIT_SESSION_OK : EXIT_SESSION_FAILED;
}

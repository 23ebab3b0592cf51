/* see session.h */
#include "session.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_tls.h"
#include "conn.h"
#include "ending.h"
#include "exitcodes.h"
#include "fmt.h"
#include "gate.h"
#include "io.h"
#include "log.h"
#include "negotiate.h"
#include "peer.h"
#include "pgproto.h"
#include "pump.h"
#include "sandbox.h"
#include "starttls.h"
#include "tls.h"
#include "upstream.h"
#include "usermap.h"
#include "x509/dn.h"
#include "x509/verifier.h"

/* What the summary line reports. */
struct outcome {
	char peer[80];
	char upstream[CONFIG_HOST_MAX + 16];
	const char *tls; /* "direct", "sslrequest", or "off" */
	const char *upstream_tls;
	char user[64], database[64];
	char sni[64]; /* the server name the client sent */
	/* With --client-ca: the client certificate's CN and serial (hex). */
	char cert_cn[VERIFIER_CN_MAX + 1], cert_serial[2 * DER_SERIAL_MAX + 2];
	struct ending ending; /* how it ended */
	int tls_up;           /* the client's TLS handshake completed */
	int relayed;          /* the relay ran: its byte counts are reported */
	int unlogged;         /* refused by --allow or --proxy-from: a
	                         rate-limited line said it */
	int64_t start_ms;
};

/*
 * Everything one connection has, static, laid out for the pages a session
 * dirties (each one is private memory in every session's process). What
 * every session writes comes first, on as few pages as possible, with the
 * start of the engine's input buffer (small records stay there); each
 * buffer touched only as data flows starts a page of its own, so one that
 * is not used costs nothing: the upstream stage when the client speaks
 * TLS, the client-certificate and upstream-TLS state when not configured.
 *
 * The packet buffer has one owner at a time: the negotiation reads the
 * client's first packet into it (packet_len bytes), open_upstream() sends
 * it on, and only then may the SCRAM filter use it as scratch.
 */
#define SESSION_PAGE 4096
/* The padding is the point: buffers start pages of their own. */
// NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding)
struct session {
	const struct config *cfg;
	const struct credentials *cr;
	int busy; /* past --max-connections: refuse with 53300 */
	struct client_tls client_tls;
	struct conn client, upstream;
	struct nego nego;
	enum nego_next next;
	struct upstream_pending pending;
	struct outcome out;
	size_t packet_len;
	struct peer peer;           /* who the connection is from */
	const struct addr *up_addr; /* --upstream, or the --route chosen */
	unsigned char client_buf[BR_SSL_BUFSIZE_BIDI];
	_Alignas(SESSION_PAGE) uint8_t packet[PGPROTO_PACKET_MAX];
	_Alignas(SESSION_PAGE) uint8_t stage_client[CONN_STAGE_BYTES];
	_Alignas(SESSION_PAGE) uint8_t stage_upstream[CONN_STAGE_BYTES];
	_Alignas(SESSION_PAGE) struct verifier client_verify;
	_Alignas(SESSION_PAGE) struct starttls upstream_tls;
};

static struct session S;

static void
log_outcome(struct session *s)
{
	const struct outcome *o = &s->out;
	const struct ending *e = &o->ending;
	int64_t ms = io_now_ms() - o->start_ms;
	char tls[96] = "off";
	char cert[sizeof(o->cert_cn) + sizeof(o->cert_serial) + 24] = "";
	br_ssl_session_parameters params;

	br_ssl_engine_get_session_parameters(&s->client_tls.sc.eng, &params);
	if (o->tls_up)
		fmt_format(tls, sizeof(tls), "%s/%s/%s",
		           tls_version_name(params.version),
		           tls_suite_name(params.cipher_suite), o->tls);
	else if (strcmp(o->tls, "off") != 0)
		fmt_format(tls, sizeof(tls), "failed/%s", o->tls);
	if (s->cfg->client_ca != NULL)
		fmt_format(cert, sizeof(cert), " cert_cn=%s cert_serial=%s",
		           o->cert_cn, o->cert_serial);
	log_msg(LOG_INFO,
	        "peer=%s tls=%s user=%s db=%s%s sni=%s upstream=%s "
	        "upstream_tls=%s "
	        "bytes_in=%llu bytes_out=%llu duration=%lld.%03llds end=%s%s%s",
	        o->peer, tls, o->user, o->database, cert, o->sni, o->upstream,
	        o->upstream_tls != NULL ? o->upstream_tls : "-",
	        (unsigned long long)(o->relayed ? s->client.app_in : 0),
	        (unsigned long long)(o->relayed ? s->upstream.app_in : 0),
	        (long long)(ms / 1000), (long long)(ms % 1000),
	        e->end != NULL ? e->end : "?", e->detail[0] != '\0' ? ": " : "",
	        e->detail);
}

static void
note_startup(struct session *s)
{
	struct pgproto_startup st;
	const char *why;

	if (pgproto_parse_startup(s->packet, s->packet_len, &st, &why) == 0) {
		log_field(s->out.user, sizeof(s->out.user), st.user);
		log_field(s->out.database, sizeof(s->out.database),
		          st.database != NULL ? st.database : st.user);
	}
}

/*
 * The client certificate's CN and serial, for the log line: a refused
 * one's too (what it claims), so that a revoked serial shows.
 */
static void
note_client_cert(struct session *s)
{
	const struct verifier_peer *p;
	struct outcome *o = &s->out;

	/* Without --client-ca the verifier's pages stay untouched, not even
	 * read: a kernel without a shared zero page gives a read a page. */
	if (s->cfg->client_ca == NULL ||
	    (p = verifier_claimed(&s->client_verify)) == NULL)
		return;
	if (p->present & VERIFIER_PEER_CN)
		log_field(o->cert_cn, sizeof(o->cert_cn), p->cn);
	if (p->present & VERIFIER_PEER_SERIAL) {
		char *q = o->cert_serial;

		if (p->serial.neg)
			*q++ = '-';
		for (size_t i = 0; i < p->serial.len; i++, q += 2)
			fmt_format(q, 3, "%02X", p->serial.v[i]);
		if (p->serial.len == 0)
			fmt_format(q, 2, "0");
	}
}

/*
 * --client-cert optional: BearSSL goes on without a certificate that fails
 * verification as it does without one. A client that sent one is refused
 * all the same, inside TLS now, before anything goes upstream.
 */
static int
refuse_bad_optional_cert(struct session *s)
{
	unsigned err;
	char msg[200];

	if (s->cfg->client_ca == NULL ||
	    (err = verifier_refused(&s->client_verify)) == 0)
		return 0;
	fmt_format(msg, sizeof(msg),
	           "pgstunnel: client certificate refused: %s",
	           tls_strerror((int)err));
	conn_refuse(&s->client, "28000", msg, NULL, NULL);
	return ending_set(&s->out.ending, "client certificate refused", 0, "%s",
	                  tls_strerror((int)err));
}

/* The client's SNI: for the log line, and the --route it chooses. */
static void
choose_route(struct session *s)
{
	const char *sni = br_ssl_engine_get_server_name(&s->client_tls.sc.eng);
	const struct addr *route;

	if (sni == NULL || sni[0] == '\0')
		return;
	log_field(s->out.sni, sizeof(s->out.sni), sni);
	route = config_route_for(s->cfg, sni);
	if (route != NULL) {
		s->up_addr = route;
		config_format_addr(s->up_addr, s->out.upstream,
		                   sizeof(s->out.upstream));
	}
}

/* The client connection, its deadline and the log line's fields. */
static int
begin(struct session *s, const struct config *cfg, const struct credentials *cr,
      const struct peer *known, int client_in, int client_out)
{
	struct outcome *o = &s->out;

	io_catch_terminate();
	s->cfg = cfg;
	s->cr = cr;
	memset(o, 0, sizeof(*o));
	memset(&s->pending, 0, sizeof(s->pending));
	conn_init(&s->upstream, "upstream", -1, -1, IO_NO_DEADLINE);
	o->start_ms = io_now_ms();
	o->tls = "off";
	fmt_format(o->user, sizeof(o->user), "-");
	fmt_format(o->database, sizeof(o->database), "-");
	fmt_format(o->cert_cn, sizeof(o->cert_cn), "-");
	fmt_format(o->cert_serial, sizeof(o->cert_serial), "-");
	fmt_format(o->sni, sizeof(o->sni), "-");
	s->up_addr = &cfg->upstream;
	if (known != NULL)
		s->peer = *known;
	else
		peer_of_connection(&s->peer, client_in);
	fmt_format(o->peer, sizeof(o->peer), "%s", s->peer.text);
	config_format_addr(&cfg->upstream, o->upstream, sizeof(o->upstream));
	if (io_set_nonblock(client_in) != 0 ||
	    io_set_nonblock(client_out) != 0) {
		log_msg(LOG_ERR,
		        "peer=%s: cannot make the connection "
		        "non-blocking: %s",
		        o->peer, strerror(errno));
		return -1;
	}
	upstream_nodelay(client_out);
	conn_init(&s->client, "client", client_in, client_out,
	          io_deadline_in(cfg->handshake_timeout));
	return 0;
}

/* The PROXY header and --allow, before any byte is answered. */
static int
admit(struct session *s)
{
	struct gate_report r = {.peer = s->out.peer,
	                        .peer_cap = sizeof(s->out.peer),
	                        .ending = &s->out.ending};

	if (!GATE_NEEDED(s->cfg))
		return 0;
	switch (gate_run(s->cfg, &s->client, &s->peer.addr, s->packet,
	                 sizeof(s->packet), &r)) {
	case GATE_PASS:
		return 0;
	case GATE_REFUSED:
		return -1;
	case GATE_NOT_ALLOWED:
		s->out.unlogged = 1;
		return -1;
	}
	return -1;
}

/* SSLRequest, GSSENCRequest, direct TLS, or a cleartext first packet. */
static int
negotiate_clear(struct session *s)
{
	const struct config *cfg = s->cfg;

	memset(&s->nego, 0, sizeof(s->nego));
	s->nego.ending = &s->out.ending;
	s->nego.allow_direct = cfg->tls && cfg->direct_tls;
	s->next =
	    negotiate(cfg, &s->client, &s->nego, s->packet, sizeof(s->packet));
	if (s->next == NEGO_STARTUP && cfg->tls && !cfg->plaintext_allow) {
		s->packet_len = s->nego.packet_len;
		conn_refuse(&s->client, "28000",
		            "pgstunnel: this server requires TLS; connect "
		            "with sslmode=require or stronger",
		            NULL,
		            "Set sslmode=verify-full (with sslrootcert) in "
		            "the connection string.");
		note_startup(s);
		return ending_set(&s->out.ending, "cleartext startup refused",
		                  0, NULL);
	}
	return 0;
}

/*
 * The client's TLS handshake, then its first packet inside TLS, where
 * PostgreSQL still answers requests after a direct ClientHello, with 'N'.
 */
static int
client_tls(struct session *s)
{
	const struct config *cfg = s->cfg;
	size_t stuffed = s->nego.stuffed;
	int direct = s->next == NEGO_DIRECT_TLS;
	const struct client_tls_params p = {
	    .buf = s->client_buf,
	    .len = sizeof(s->client_buf),
	    .verify = &s->client_verify,
	    .cfg = cfg,
	    .cr = s->cr,
	    .direct = direct,
	};

	s->out.tls = direct ? "direct" : "sslrequest";
	/*
	 * PostgreSQL forks a backend per connection: on request, let it do
	 * that while the handshake runs. Not with client certificates:
	 * then only a client whose certificate was looked at costs a
	 * backend; nor with routes, which the handshake's SNI chooses.
	 */
	if (cfg->upstream_early && cfg->client_ca == NULL &&
	    cfg->route.count == 0 && !s->busy)
		upstream_begin(s->up_addr, cfg->connect_timeout, &s->pending);
	if (stuffed > 0 && negotiate_discard(&s->client, stuffed) != 0)
		return ending_set(&s->out.ending,
		                  "incomplete data after SSL request", 0, NULL);
	if (client_tls_handshake(&s->client_tls, &p, &s->client,
	                         &s->out.ending) != 0) {
		note_client_cert(s);
		return -1;
	}
	s->out.tls_up = 1;
	note_client_cert(s);
	choose_route(s);
	if (refuse_bad_optional_cert(s) != 0)
		return -1;
	if (stuffed > 0) {
		/* What PostgreSQL answers, inside TLS as it does. */
		conn_refuse(&s->client, "08P01",
		            "received unencrypted data after SSL request",
		            negotiate_stuffing_detail, NULL);
		return ending_set(&s->out.ending,
		                  "unencrypted data after SSL request", 0,
		                  NULL);
	}
	/* After 'S' both requests are used up. */
	s->nego.ssl_done = s->nego.gss_done = !direct;
	s->nego.in_tls = 1;
	s->next =
	    negotiate(cfg, &s->client, &s->nego, s->packet, sizeof(s->packet));
	return 0;
}

/* How a client cut its first packet short, for the log line. */
static const char *
how_cut_short(const struct conn *c)
{
	if (c->eng == NULL)
		return "the client closed the connection before the packet "
		       "was complete";
	if (conn_tls_error(c) == BR_ERR_OK)
		return "the client ended TLS (close_notify) before the packet "
		       "was complete";
	return "the connection closed without TLS close_notify before the "
	       "packet was complete";
}

/*
 * The StartupMessage or CancelRequest the negotiation ended with. One
 * that PostgreSQL would refuse is refused here, with its words, and costs
 * PostgreSQL nothing.
 */
static int
first_packet(struct session *s)
{
	struct ending *e = &s->out.ending;
	const char *sqlstate, *refusal;

	if (s->next == NEGO_GONE) {
		/* Name a TLS failure rather than the packet it cut short. */
		if (s->client.eng != NULL && !e->clean &&
		    conn_tls_error(&s->client) != BR_ERR_OK &&
		    conn_tls_error(&s->client) != BR_ERR_IO)
			return ending_set(
			    e, "TLS error while reading the startup packet", 0,
			    "%s", tls_strerror(conn_tls_error(&s->client)));
		if (!e->clean && s->client.truncated)
			ending_detail(e, "%s", how_cut_short(&s->client));
		return -1;
	}
	s->packet_len = s->nego.packet_len;
	if (s->next == NEGO_CANCEL)
		return 0;
	note_startup(s);
	refusal = pgproto_startup_refusal(s->packet, s->packet_len, &sqlstate);
	if (refusal != NULL) {
		conn_refuse(&s->client, sqlstate, refusal, NULL, NULL);
		return ending_set(e, "startup packet refused", 0, "%s",
		                  refusal);
	}
	return 0;
}

/*
 * --client-user: the certificate's CN or DN must be the startup's user,
 * or with --client-user-map name one the map allows for it. Refused as
 * PostgreSQL's cert authentication refuses, FATAL 28000, before anything
 * goes upstream.
 */
static int
check_client_user(struct session *s)
{
	const struct config *cfg = s->cfg;
	const struct verifier_peer *p;
	const char *kind = cfg->client_user == CLIENT_USER_CN ? "CN" : "DN";
	struct pgproto_startup st;
	struct ending *e = &s->out.ending;
	static const char refused[] = "client certificate refused for the user";
	const char *why, *name = NULL;
	char dn[DN_TEXT_MAX], msg[128], shown[128];
	int ok;

	if (cfg->client_user == CLIENT_USER_OFF || s->next == NEGO_CANCEL)
		return 0;
	/* Only now: without --client-user the verifier stays unread (see
	 * note_client_cert()). */
	p = verifier_peer(&s->client_verify);
	if (pgproto_parse_startup(s->packet, s->packet_len, &st, &why) != 0 ||
	    st.user == NULL)
		/* first_packet()'s, which cannot happen here */
		return ending_set(e, "startup packet refused", 0, NULL);
	if (p != NULL && cfg->client_user == CLIENT_USER_CN &&
	    (p->present & VERIFIER_PEER_CN))
		name = p->cn;
	else if (p != NULL && cfg->client_user == CLIENT_USER_DN &&
	         (p->present & VERIFIER_PEER_SUBJECT) &&
	         dn_rfc2253(p->subject, p->subject_len, dn, sizeof(dn)) >= 0)
		name = dn;
	ok = name != NULL && usermap_cert_login(s->cr->user_map, name, st.user);
	if (ok)
		return 0;
	fmt_format(msg, sizeof(msg),
	           "certificate authentication failed for user \"%.63s\"",
	           st.user);
	conn_refuse(&s->client, "28000", msg, NULL, NULL);
	if (p == NULL)
		return ending_set(e, refused, 0,
		                  "no client certificate (--client-user %s)",
		                  kind);
	if (name == NULL)
		return ending_set(e, refused, 0,
		                  "the certificate has no usable %s", kind);
	log_field(shown, sizeof(shown), name);
	return ending_set(
	    e, refused, 0, "certificate %s %s %s user %s%s", kind, shown,
	    s->cr->user_map != NULL ? "is not mapped to" : "does not match",
	    s->out.user,
	    strlen(st.user) >= PGPROTO_NAMEDATALEN ? " (cut to 63 bytes)" : "");
}

/* Past --max-connections: what PostgreSQL answers when it is full. */
static int
refuse_busy(struct session *s)
{
	if (!s->busy || s->next == NEGO_CANCEL)
		return 0;
	conn_refuse(&s->client, "53300", "sorry, too many clients already",
	            NULL, NULL);
	return ending_set(&s->out.ending,
	                  "too many connections (--max-connections)", 0, NULL);
}

/*
 * Connect the upstream (or finish the connect begun during the client's
 * handshake), STARTTLS when configured, and send it the client's first
 * packet. A failure is told to the client, but a cancel gets no answer.
 */
static int
open_upstream(struct session *s)
{
	const struct config *cfg = s->cfg;
	const struct starttls_params tls = {cfg, s->up_addr, s->cr};
	const char *sqlstate = "08006";
	char why[256], msg[320];
	int fd;

	if (!s->pending.begun)
		upstream_begin(s->up_addr, cfg->connect_timeout, &s->pending);
	fd = upstream_finish(&s->pending, cfg->connect_timeout, why,
	                     sizeof(why));
	if (fd >= 0) {
		conn_init(&s->upstream, "upstream", fd, fd,
		          io_deadline_in(cfg->connect_timeout));
		s->out.upstream_tls = "off";
	}
	if (fd >= 0 && cfg->upstream_tls != UPSTREAM_TLS_DISABLE) {
		/* 08001: the server was reached but no secure connection
		 * could be set up with it, as libpq reports it. */
		sqlstate = "08001";
		s->out.upstream_tls = "failed";
		if (starttls_upstream(&s->upstream_tls, &tls, &s->upstream,
		                      &s->out.upstream_tls, why,
		                      sizeof(why)) != 0)
			fd = -1;
		else
			sqlstate = "08006";
	}
	if (fd >= 0 &&
	    conn_write(&s->upstream, s->packet, s->packet_len) == CONN_OK)
		return 0;
	if (fd >= 0)
		fmt_format(why, sizeof(why), "cannot send to upstream: %s",
		           strerror(s->upstream.sys_errno));
	fmt_format(msg, sizeof(msg), "pgstunnel: %s", why);
	if (s->next != NEGO_CANCEL)
		conn_refuse(&s->client, sqlstate, msg, NULL, NULL);
	return ending_set(&s->out.ending, "upstream failed", 0, "%s", why);
}

/* PostgreSQL answers a cancel with nothing and closes. */
static int
forward_cancel(struct session *s)
{
	if (s->next != NEGO_CANCEL)
		return 0;
	conn_close(&s->upstream);
	conn_close(&s->client);
	return ending_set(&s->out.ending, "cancel request forwarded", 1, NULL);
}

/* How the relay's result ends the session. */
static void
relay_ending(const struct pump_report *r, struct ending *e)
{
	/* A signal, or a broken end: a failure; any close: none. */
	switch (r->result) {
	case PUMP_DONE:
		ending_set(e, "done", 1, NULL);
		return;
	case PUMP_CLIENT_CLOSED:
		ending_set(e, "client closed", 1, NULL);
		return;
	case PUMP_UPSTREAM_CLOSED:
		ending_set(e, "upstream closed", 1, NULL);
		return;
	case PUMP_IDLE_TIMEOUT:
		ending_set(e, "idle timeout", 1, NULL);
		return;
	case PUMP_TERMINATED:
		ending_set(e, "terminated by signal", 0, NULL);
		return;
	case PUMP_TLS_ERROR:
		ending_set(e, "TLS error", 0, "%s: %s", r->which,
		           tls_strerror(r->tls_err));
		return;
	case PUMP_IO_ERROR:
		ending_set(e, "I/O error", 0, "%s: %s", r->which,
		           strerror(r->sys_errno));
		return;
	}
	ending_set(e, "?", 0, NULL);
}

/*
 * The upstream's first answer must come within the handshake deadline: a
 * server that took the startup packet and never answers would otherwise
 * hold the client (and this process) until it closes, or for ever.
 */
static int
await_upstream(struct session *s)
{
	char msg[160];
	int ready;

	if (s->upstream.eng != NULL &&
	    (br_ssl_engine_current_state(s->upstream.eng) & BR_SSL_RECVAPP))
		return 0;
	ready = io_wait(s->upstream.rfd, POLLIN, s->client.deadline);
	if (ready == 1)
		return 0;
	if (ready < 0)
		return ending_set(&s->out.ending,
		                  io_terminated ? "terminated by signal"
		                                : "upstream failed",
		                  0, NULL);
	fmt_format(msg, sizeof(msg),
	           "pgstunnel: the upstream server did not answer the startup "
	           "packet within %d s",
	           s->cfg->handshake_timeout);
	conn_refuse(&s->client, "08006", msg, NULL, NULL);
	return ending_set(&s->out.ending, "upstream failed", 0,
	                  "timeout: no answer to the startup packet");
}

/*
 * Relay until either side ends. The handshake deadline no longer
 * applies; a cleartext client of a TLS upstream first gets the
 * upstream's authentication request without SCRAM-SHA-256-PLUS.
 */
static int
relay(struct session *s)
{
	const struct config *cfg = s->cfg;
	struct pump_report report;
	ssize_t pre_auth = 0;
	char why[ENDING_DETAIL_MAX];

	/* Set up: from here on only the relay's system calls (sandbox.h). */
	if (cfg->sandbox && sandbox_enter(why, sizeof(why)) != 0) {
		/* The probe at start passed, the kernel still said no: the
		 * client is told, nothing of it is relayed unfiltered. */
		conn_refuse(&s->client, "58000",
		            "pgstunnel: cannot set up the session's seccomp "
		            "sandbox; see the server log",
		            NULL, NULL);
		return ending_set(&s->out.ending, "sandbox failed", 0, "%s",
		                  why);
	}
	if (s->upstream.eng != NULL && s->client.eng == NULL) {
		s->upstream.deadline = s->client.deadline;
		pre_auth = starttls_hide_scram_plus(
		    &s->client, &s->upstream, s->packet, sizeof(s->packet));
		if (pre_auth < 0)
			return ending_set(
			    &s->out.ending,
			    "upstream failed before authentication", 0, NULL);
	}
	if (pre_auth == 0 && await_upstream(s) != 0)
		return -1;
	conn_relay_init(&s->client, s->stage_client);
	conn_relay_init(&s->upstream, s->stage_upstream);
	s->client.app_in = s->packet_len; /* the startup packet */
	s->upstream.app_in = (uint64_t)pre_auth;
	s->out.relayed = 1;
	pump_run(&s->client, &s->upstream, cfg->idle_timeout * 1000, &report);
	relay_ending(&report, &s->out.ending);
	if (report.result == PUMP_IDLE_TIMEOUT) {
		conn_close(&s->client);
		conn_close(&s->upstream);
	}
	return 0;
}

/* One log line, the upstream closed; the exit status. */
static int
finish(struct session *s)
{
	/* A TLS session ends with close_notify, as PostgreSQL ends it. */
	if (!s->out.relayed && s->out.tls_up)
		conn_close(&s->client);
	upstream_abandon(&s->pending);
	if (!s->out.unlogged)
		log_outcome(s);
	if (s->upstream.rfd >= 0)
		close(s->upstream.rfd);
	return s->out.ending.clean ? EXIT_SESSION_OK : EXIT_SESSION_FAILED;
}

static int
run(struct session *s, const struct config *cfg, const struct credentials *cr,
    const struct peer *peer, int client_in, int client_out)
{
	if (begin(s, cfg, cr, peer, client_in, client_out) != 0)
		return EXIT_OSERR;
	if (admit(s) == 0 && negotiate_clear(s) == 0 &&
	    (s->next != NEGO_TLS && s->next != NEGO_DIRECT_TLS
	         ? 0
	         : client_tls(s)) == 0 &&
	    first_packet(s) == 0 && refuse_busy(s) == 0 &&
	    check_client_user(s) == 0 && open_upstream(s) == 0 &&
	    forward_cancel(s) == 0)
		(void)relay(s);
	return finish(s);
}

int
session_run(const struct config *cfg, const struct credentials *cr,
            const struct peer *peer, int client_in, int client_out)
{
	S.busy = 0;
	return run(&S, cfg, cr, peer, client_in, client_out);
}

int
session_refuse_busy(const struct config *cfg, const struct credentials *cr,
                    const struct peer *peer, int client_in, int client_out)
{
	S.busy = 1;
	return run(&S, cfg, cr, peer, client_in, client_out);
}

/*
 * Unit tests for pump.c, the relay, without PostgreSQL: pump_run() in the
 * test process between two AF_UNIX socketpairs, the far end of each
 * driven by a forked child (a "peer") that writes and checks a byte
 * pattern. Cleartext on both sides; then a TLS client end whose peer is
 * a BearSSL client engine in the child, against the fixture keys.
 *
 * Every wait is bounded: the relay by alarm(), the peers by alarm() and
 * poll() timeouts, their reaping by a deadline. A hung relay fails the
 * test instead of hanging it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include <bearssl.h>

#include "client_tls.h"
#include "config.h"
#include "credentials.h"
#include "fixture.h"
#include "io.h"
#include "pump.h"
#include "tls.h"
#include "x509/keys.h"
#include "x509/verifier.h"

/* A little over 1 MiB: not a whole number of TLS records (16 KiB) nor of
 * stage buffers, so that a tail left unsealed or unsent shows. */
#define BIG      (1024 * 1024 + 777)
#define WAIT_S   20 /* the bound on every wait, in seconds */
#define KEYDIR   "tests/unit/fixtures/keys/"
#define TLS_HOST "db.example.test"

/*
 * The relay's API, used only here: an end, its byte counters, and the
 * run (under an alarm, so that a relay that never returns fails).
 */
typedef struct conn relay_end;

static void
end_init(relay_end *e, const char *name, int fd, br_ssl_engine_context *eng,
         uint8_t *stage)
{
	conn_init(e, name, fd, fd, IO_NO_DEADLINE);
	if (eng != NULL)
		conn_start_tls(e, eng);
	conn_relay_init(e, stage);
}

static uint64_t
end_in(const relay_end *e)
{
	return e->app_in;
}

static uint64_t
end_out(const relay_end *e)
{
	return e->app_out;
}

static void
relay(relay_end *client, relay_end *upstream, int idle_ms,
      struct pump_report *r)
{
	alarm(WAIT_S);
	pump_run(client, upstream, idle_ms, r);
	alarm(0);
}

/* ------------------------------------------------------------ the rig */

static uint8_t stage_client[CONN_STAGE_BYTES];
static uint8_t stage_upstream[CONN_STAGE_BYTES];

/*
 * Two socketpairs: the relay's ends (non-blocking) and the peers' ends.
 * A peer end is -1 once handed to a child (the test keeps no copy, so
 * that the child's close() is the last one).
 */
struct rig {
	int c_relay, c_peer;
	int u_relay, u_peer;
	relay_end client, upstream;
	struct pump_report rep;
};

static void
rig_open(struct rig *g, br_ssl_engine_context *client_eng)
{
	int sv[2];

	signal(SIGPIPE, SIG_IGN); /* as main.c does */
	/* An alarm kills the relay or a peer, which the test then reports.
	 * (Check's own handler, inherited in fork mode, would kill the
	 * whole process group instead.) */
	signal(SIGALRM, SIG_DFL);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	g->c_relay = sv[0];
	g->c_peer = sv[1];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	g->u_relay = sv[0];
	g->u_peer = sv[1];
	ck_assert_int_eq(io_set_nonblock(g->c_relay), 0);
	ck_assert_int_eq(io_set_nonblock(g->u_relay), 0);
	end_init(&g->client, "client", g->c_relay, client_eng, stage_client);
	end_init(&g->upstream, "upstream", g->u_relay, NULL, stage_upstream);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
rig_close(struct rig *g)
{
	close_fd(&g->c_relay);
	close_fd(&g->c_peer);
	close_fd(&g->u_relay);
	close_fd(&g->u_peer);
}

/* Peer exit codes. */
enum {
	PEER_OK = 0,
	PEER_MISMATCH = 10, /* a byte differs from the pattern */
	PEER_SHORT,         /* end of file before all expected bytes */
	PEER_EXTRA,         /* more bytes than expected */
	PEER_IO,            /* a read or write failed */
	PEER_TIMEOUT,       /* WAIT_S without progress */
	PEER_NEVER_BLOCKED, /* must_block, but every write went through */
	PEER_TLS,           /* the TLS session failed */
	PEER_SETUP,         /* keys or engine set-up failed */
	PEER_EARLY_CLOSE,   /* close_notify before all expected bytes */
};

static const char *
peer_status(int rc)
{
	static const char *names[] = {
	    "mismatch",      "short",     "extra", "io error",    "timeout",
	    "never blocked", "TLS error", "setup", "early close",
	};

	if (rc == PEER_OK)
		return "ok";
	if (rc >= PEER_MISMATCH && rc <= PEER_EARLY_CLOSE)
		return names[rc - PEER_MISMATCH];
	if (rc == 128 + SIGALRM)
		return "stuck (its alarm went off)";
	return rc >= 128 ? "killed by a signal" : "?";
}

/*
 * Run fn(fd, arg) in a child with only fd open of the rig's descriptors;
 * the test's copy of fd is closed.
 */
static pid_t
spawn(struct rig *g, int *fd, int (*fn)(int, const void *), const void *arg)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int keep = *fd;

		alarm(WAIT_S);
		*fd = -1;
		rig_close(g);
		_exit(fn(keep, arg));
	}
	close_fd(fd);
	return pid;
}

/* Wait for a peer (its own alarm ends it after WAIT_S): its exit code, or
 * 128 + the signal that ended it. */
static int
reap(pid_t pid)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	int status;

	for (int i = 0; i < (WAIT_S + 5) * 100; i++) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status)
			                         : 128 + WTERMSIG(status);
		ck_assert_int_eq(w, 0);
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 128 + SIGKILL;
}

#define ck_assert_peer(pid, who)                                               \
	do {                                                                   \
		int rc_ = reap(pid);                                           \
		ck_assert_msg(rc_ == PEER_OK, "%s peer: %s (exit %d)", who,    \
		              peer_status(rc_), rc_);                          \
	} while (0)

/* ------------------------------------------------------------ pattern */

/* Byte i of stream seed: no period a buffer size could hide. */
static uint8_t
pat(uint8_t seed, uint64_t i)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ (uint32_t)(i >> 20);

	return (uint8_t)((x >> 24) + seed);
}

static void
pat_fill(uint8_t *buf, size_t len, uint8_t seed, uint64_t off)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(seed, off + i);
}

static int
pat_ok(const uint8_t *buf, size_t len, uint8_t seed, uint64_t off)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != pat(seed, off + i))
			return 0;
	}
	return 1;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int64_t
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* ------------------------------------------------------ cleartext peer */

enum flow_end {
	FLOW_KEEP,  /* leave the output open (exit closes it) */
	FLOW_SHUT,  /* shutdown(SHUT_WR) once everything is written */
	FLOW_CLOSE, /* close() once everything is written and read */
};

/*
 * What a cleartext peer does: write send bytes of its pattern while
 * reading expect bytes of the other's and then end of file, both at
 * once (or writing only after the end of file, eof_first).
 */
struct flow {
	size_t send;
	uint8_t send_seed;
	size_t expect;
	uint8_t expect_seed;
	int eof_first;
	enum flow_end end;
	unsigned delay_ms; /* sleep first (a peer that does not read) */
	unsigned drip_ms;  /* write one byte at a time, this far apart */
	int must_block;    /* a write must have hit EAGAIN */
	size_t reset_at;   /* close unread once this much is queued */
};

/* Wait until at least n bytes wait in fd, then close it unread: the
 * AF_UNIX peer's next read or write fails with ECONNRESET or EPIPE. */
static int
reset_when_queued(int fd, size_t n)
{
	for (int i = 0; i < WAIT_S * 100; i++) {
		int queued = 0;

		if (ioctl(fd, FIONREAD, &queued) != 0)
			return PEER_IO;
		if (queued > 0 && (size_t)queued >= n) {
			close(fd);
			return PEER_OK;
		}
		sleep_ms(10);
	}
	return PEER_TIMEOUT;
}

static int
flow_run(int fd, const void *arg)
{
	const struct flow *f = arg;
	static uint8_t buf[65536];
	size_t sent = 0, got = 0;
	int eof = 0, shut = 0, blocked = 0;

	if (f->delay_ms > 0)
		sleep_ms(f->delay_ms);
	if (f->reset_at > 0)
		return reset_when_queued(fd, f->reset_at);
	if (io_set_nonblock(fd) != 0)
		return PEER_SETUP;
	for (;;) {
		struct pollfd p = {fd, 0, 0};
		int can_send = sent < f->send && (!f->eof_first || eof);
		int rc;

		if (sent == f->send && (!f->eof_first || eof)) {
			if (f->end == FLOW_CLOSE && got == f->expect) {
				close(fd);
				return PEER_OK;
			}
			if (f->end == FLOW_SHUT && !shut) {
				shutdown(fd, SHUT_WR);
				shut = 1;
			}
			if (eof)
				break;
		}
		if (can_send) {
			size_t n = f->send - sent;
			ssize_t w;

			if (n > sizeof(buf))
				n = sizeof(buf);
			if (f->drip_ms > 0) {
				n = 1;
				if (sent > 0)
					sleep_ms(f->drip_ms);
			}
			pat_fill(buf, n, f->send_seed, sent);
			w = write(fd, buf, n);
			if (w > 0) {
				sent += (size_t)w;
				continue;
			}
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return PEER_IO;
			blocked |= w < 0 && errno == EAGAIN;
			p.events |= POLLOUT;
		}
		if (!eof) {
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r > 0) {
				if (got + (size_t)r > f->expect)
					return PEER_EXTRA;
				if (!pat_ok(buf, (size_t)r, f->expect_seed,
				            got))
					return PEER_MISMATCH;
				got += (size_t)r;
				continue;
			}
			if (r == 0) {
				if (got != f->expect)
					return PEER_SHORT;
				eof = 1;
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				return PEER_IO;
			p.events |= POLLIN;
		}
		rc = poll(&p, 1, WAIT_S * 1000);
		if (rc == 0)
			return PEER_TIMEOUT;
		if (rc < 0 && errno != EINTR)
			return PEER_IO;
	}
	if (f->must_block && !blocked)
		return PEER_NEVER_BLOCKED;
	return PEER_OK;
}

/* --------------------------------------------------------- TLS peer */

/* A BearSSL client: handshake, then send and expect as a flow does,
 * then close_notify (or wait for the relay's with wait_close). */
struct tls_flow {
	size_t send;
	uint8_t send_seed;
	size_t expect;
	uint8_t expect_seed;
	int wait_close;
};

static int
tls_peer(int fd, const void *arg)
{
	const struct tls_flow *f = arg;
	static struct keys_anchors anchors;
	static struct verifier xc;
	static br_ssl_client_context cc;
	static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	br_ssl_engine_context *eng = &cc.eng;
	size_t sent = 0, got = 0;
	int closing = 0;

	if (keys_anchors_load(&anchors, KEYDIR "root.crt") != KEYS_OK)
		return PEER_SETUP;
	verifier_init(&xc, VERIFIER_FULL, anchors.ta, anchors.count, TLS_HOST);
	if (tls_client_setup(&cc, &xc, NULL, NULL) != 0)
		return PEER_SETUP;
	br_ssl_engine_set_buffer(eng, iobuf, sizeof(iobuf), 1);
	if (!br_ssl_client_reset(&cc, TLS_HOST, 0) || io_set_nonblock(fd) != 0)
		return PEER_SETUP;
	for (;;) {
		struct pollfd p = {fd, 0, 0};
		unsigned char *buf;
		size_t len;
		unsigned st = br_ssl_engine_current_state(eng);
		int progress = 0;

		if (st == BR_SSL_CLOSED) {
			if (br_ssl_engine_last_error(eng) != BR_ERR_OK)
				return PEER_TLS;
			if (got != f->expect || sent != f->send)
				return PEER_EARLY_CLOSE;
			return PEER_OK;
		}
		if (st & BR_SSL_SENDREC) {
			ssize_t w;

			buf = br_ssl_engine_sendrec_buf(eng, &len);
			w = write(fd, buf, len);
			if (w > 0) {
				br_ssl_engine_sendrec_ack(eng, (size_t)w);
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				return PEER_IO;
			p.events |= POLLOUT;
		}
		st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_RECVAPP) {
			buf = br_ssl_engine_recvapp_buf(eng, &len);
			if (got + len > f->expect)
				return PEER_EXTRA;
			if (!pat_ok(buf, len, f->expect_seed, got))
				return PEER_MISMATCH;
			got += len;
			br_ssl_engine_recvapp_ack(eng, len);
			progress = 1;
		}
		st = br_ssl_engine_current_state(eng);
		if ((st & BR_SSL_SENDAPP) && sent < f->send) {
			buf = br_ssl_engine_sendapp_buf(eng, &len);
			if (len > f->send - sent)
				len = f->send - sent;
			pat_fill(buf, len, f->send_seed, sent);
			br_ssl_engine_sendapp_ack(eng, len);
			br_ssl_engine_flush(eng, 0);
			sent += len;
			progress = 1;
		}
		if (!closing && !f->wait_close && sent == f->send &&
		    got == f->expect) {
			br_ssl_engine_close(eng);
			closing = 1;
			progress = 1;
		}
		if (progress)
			continue;
		st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_RECVREC) {
			ssize_t r;

			buf = br_ssl_engine_recvrec_buf(eng, &len);
			r = read(fd, buf, len);
			if (r > 0) {
				br_ssl_engine_recvrec_ack(eng, (size_t)r);
				continue;
			}
			if (r == 0)
				return PEER_SHORT; /* no close_notify */
			if (errno != EAGAIN && errno != EINTR)
				return PEER_IO;
			p.events |= POLLIN;
		}
		if (p.events == 0)
			return PEER_TLS; /* the engine is stuck */
		if (poll(&p, 1, WAIT_S * 1000) == 0)
			return PEER_TIMEOUT;
	}
}

/* The relay's server engine, set up and handshaken as session.c does
 * (client_tls.c), over the fixture's certificate. */
static struct credentials creds;
static struct config server_cfg;
static struct client_tls server;
static unsigned char server_buf[BR_SSL_BUFSIZE_BIDI];

static void
server_start(void)
{
	ck_assert_int_eq(
	    keys_chain_load(&creds.server[0].chain, KEYDIR "ec256-chain.pem"),
	    KEYS_OK);
	ck_assert_int_eq(
	    fixture_key_load(&creds.server[0].key, KEYDIR "ec256.key"),
	    KEYS_OK);
	creds.server_count = 1;
	config_defaults(&server_cfg);
}

static void
server_handshake(int fd)
{
	struct conn c;
	struct ending e = {0};
	const struct client_tls_params p = {.buf = server_buf,
	                                    .len = sizeof(server_buf),
	                                    .cfg = &server_cfg,
	                                    .cr = &creds};

	conn_init(&c, "client", fd, fd, io_deadline_in(WAIT_S));
	ck_assert_msg(client_tls_handshake(&server, &p, &c, &e) == 0,
	              "handshake: %s: %s", e.end, e.detail);
}

/* -------------------------------------------------------------- tests */

/* 1 MiB each way at once, then both shut: every byte arrives in order
 * and the counters say so. */
START_TEST(both_ways_1mib)
{
	struct rig g;
	struct flow fc = {.send = BIG,
	                  .send_seed = 1,
	                  .expect = BIG,
	                  .expect_seed = 2,
	                  .end = FLOW_SHUT};
	struct flow fu = {.send = BIG,
	                  .send_seed = 2,
	                  .expect = BIG,
	                  .expect_seed = 1,
	                  .end = FLOW_SHUT};
	pid_t pc, pu;

	rig_open(&g, NULL);
	pc = spawn(&g, &g.c_peer, flow_run, &fc);
	pu = spawn(&g, &g.u_peer, flow_run, &fu);
	relay(&g.client, &g.upstream, 0, &g.rep);
	/* Both shut at once: either may have been first. */
	ck_assert(g.rep.result == PUMP_CLIENT_CLOSED ||
	          g.rep.result == PUMP_UPSTREAM_CLOSED);
	ck_assert_peer(pc, "client");
	ck_assert_peer(pu, "upstream");
	rig_close(&g);
	ck_assert_uint_eq(end_in(&g.client), BIG);
	ck_assert_uint_eq(end_out(&g.client), BIG);
	ck_assert_uint_eq(end_in(&g.upstream), BIG);
	ck_assert_uint_eq(end_out(&g.upstream), BIG);
}
END_TEST

/*
 * The client sends 64 KiB and shuts its output; the upstream sees them
 * and the end of file, and only then sends 1 MiB, which still reaches
 * the client: a half-close, not the end of the session.
 */
START_TEST(half_close_client_first)
{
	struct rig g;
	struct flow fc = {.send = 65536,
	                  .send_seed = 3,
	                  .expect = BIG,
	                  .expect_seed = 4,
	                  .end = FLOW_SHUT};
	struct flow fu = {.send = BIG,
	                  .send_seed = 4,
	                  .expect = 65536,
	                  .expect_seed = 3,
	                  .eof_first = 1,
	                  .end = FLOW_SHUT};
	pid_t pc, pu;

	rig_open(&g, NULL);
	pc = spawn(&g, &g.c_peer, flow_run, &fc);
	pu = spawn(&g, &g.u_peer, flow_run, &fu);
	relay(&g.client, &g.upstream, 0, &g.rep);
	ck_assert_int_eq(g.rep.result, PUMP_CLIENT_CLOSED);
	ck_assert_peer(pc, "client");
	ck_assert_peer(pu, "upstream");
	rig_close(&g);
	ck_assert_uint_eq(end_in(&g.client), 65536);
	ck_assert_uint_eq(end_out(&g.upstream), 65536);
	ck_assert_uint_eq(end_in(&g.upstream), BIG);
	ck_assert_uint_eq(end_out(&g.client), BIG);
}
END_TEST

/*
 * The mirror: the upstream ends first, the client goes on sending 1 MiB
 * after it saw the end of file. Both inputs ended; pump_run() reports
 * the end whose input ended first: the upstream.
 */
START_TEST(half_close_upstream_first)
{
	struct rig g;
	struct flow fc = {.send = BIG,
	                  .send_seed = 5,
	                  .expect = 65536,
	                  .expect_seed = 6,
	                  .eof_first = 1,
	                  .end = FLOW_SHUT};
	struct flow fu = {.send = 65536,
	                  .send_seed = 6,
	                  .expect = BIG,
	                  .expect_seed = 5,
	                  .end = FLOW_SHUT};
	pid_t pc, pu;

	rig_open(&g, NULL);
	pc = spawn(&g, &g.c_peer, flow_run, &fc);
	pu = spawn(&g, &g.u_peer, flow_run, &fu);
	relay(&g.client, &g.upstream, 0, &g.rep);
	ck_assert_int_eq(g.rep.result, PUMP_UPSTREAM_CLOSED);
	ck_assert_peer(pc, "client");
	ck_assert_peer(pu, "upstream");
	rig_close(&g);
	ck_assert_uint_eq(end_in(&g.upstream), 65536);
	ck_assert_uint_eq(end_out(&g.client), 65536);
	ck_assert_uint_eq(end_in(&g.client), BIG);
	ck_assert_uint_eq(end_out(&g.upstream), BIG);
}
END_TEST

/*
 * One end closes for good after sending; the other, once it saw the end
 * of file, writes to it. The relay's write fails (EPIPE) after that end's
 * input ended: a close by that end, not an I/O error (pump.c lost_end).
 */
static void
gone_first(int client_goes)
{
	struct rig g;
	struct flow fgone = {.send = 65536, .send_seed = 7, .end = FLOW_CLOSE};
	struct flow fstay = {.send = 1000,
	                     .send_seed = 8,
	                     .expect = 65536,
	                     .expect_seed = 7,
	                     .eof_first = 1};
	relay_end *gone = client_goes ? &g.client : &g.upstream;
	relay_end *stay = client_goes ? &g.upstream : &g.client;
	enum pump_result want =
	    client_goes ? PUMP_CLIENT_CLOSED : PUMP_UPSTREAM_CLOSED;
	pid_t pc, pu;

	rig_open(&g, NULL);
	pc = spawn(&g, &g.c_peer, flow_run, client_goes ? &fgone : &fstay);
	pu = spawn(&g, &g.u_peer, flow_run, client_goes ? &fstay : &fgone);
	relay(&g.client, &g.upstream, 0, &g.rep);
	ck_assert_int_eq(g.rep.result, want);
	ck_assert_peer(pc, "client");
	ck_assert_peer(pu, "upstream");
	rig_close(&g);
	ck_assert_ptr_null(g.rep.which);
	ck_assert_uint_eq(end_in(gone), 65536);
	ck_assert_uint_eq(end_out(stay), 65536);
}

START_TEST(client_gone_first)
{
	gone_first(1);
}
END_TEST

START_TEST(upstream_gone_first)
{
	gone_first(0);
}
END_TEST

/*
 * An end reset before its input ended (an AF_UNIX socket closed with
 * unread data: the relay's read fails with ECONNRESET): PUMP_IO_ERROR
 * naming that end, and the other end is told (end of file).
 */
static void
reset(int client_resets)
{
	struct rig g;
	struct flow freset = {.reset_at = 1000};
	struct flow fsend = {.send = 1000, .send_seed = 9};
	pid_t pc, pu;

	rig_open(&g, NULL);
	pc = spawn(&g, &g.c_peer, flow_run, client_resets ? &freset : &fsend);
	pu = spawn(&g, &g.u_peer, flow_run, client_resets ? &fsend : &freset);
	relay(&g.client, &g.upstream, 0, &g.rep);
	ck_assert_int_eq(g.rep.result, PUMP_IO_ERROR);
	ck_assert_peer(pc, "client");
	ck_assert_peer(pu, "upstream");
	rig_close(&g);
	ck_assert_str_eq(g.rep.which, client_resets ? "client" : "upstream");
	ck_assert_int_eq(g.rep.sys_errno, ECONNRESET);
}

START_TEST(client_reset)
{
	reset(1);
}
END_TEST

START_TEST(upstream_reset)
{
	reset(0);
}
END_TEST

/*
 * The upstream reads nothing for 1.5 s while the client sends 4 MiB: the
 * relay fills the upstream socket, then waits in poll() for POLLOUT
 * (it may not spin: less than a third of the stall in CPU time) while
 * the client's writes block; then everything arrives, in order.
 */
START_TEST(stalled_reader)
{
	struct rig g;
	struct flow fc = {.send = 4 * BIG,
	                  .send_seed = 10,
	                  .end = FLOW_SHUT,
	                  .must_block = 1};
	struct flow fu = {.expect = 4 * BIG,
	                  .expect_seed = 10,
	                  .eof_first = 1,
	                  .end = FLOW_SHUT,
	                  .delay_ms = 1500};
	int64_t wall, cpu;
	pid_t pc, pu;

	rig_open(&g, NULL);
	pc = spawn(&g, &g.c_peer, flow_run, &fc);
	pu = spawn(&g, &g.u_peer, flow_run, &fu);
	wall = io_now_ms();
	cpu = cpu_ms();
	relay(&g.client, &g.upstream, 0, &g.rep);
	cpu = cpu_ms() - cpu;
	wall = io_now_ms() - wall;
	ck_assert_int_eq(g.rep.result, PUMP_CLIENT_CLOSED);
	ck_assert_peer(pc, "client");
	ck_assert_peer(pu, "upstream");
	rig_close(&g);
	ck_assert_uint_eq(end_in(&g.client), 4 * BIG);
	ck_assert_uint_eq(end_out(&g.upstream), 4 * BIG);
	ck_assert_int_ge(wall, 1400);
	ck_assert_msg(cpu < 500, "the relay used %lld ms of CPU in %lld ms",
	              (long long)cpu, (long long)wall);
}
END_TEST

/*
 * No traffic for idle_ms: PUMP_IDLE_TIMEOUT, not before. What was sent
 * before the pause went through; the peers are the test's own ends.
 */
START_TEST(idle_timeout)
{
	struct rig g;
	uint8_t buf[100], got[sizeof(buf)];
	int64_t t;

	rig_open(&g, NULL);
	pat_fill(buf, sizeof(buf), 11, 0);
	ck_assert_int_eq(write(g.c_peer, buf, sizeof(buf)), sizeof(buf));
	t = io_now_ms();
	relay(&g.client, &g.upstream, 300, &g.rep);
	t = io_now_ms() - t;
	ck_assert_int_eq(g.rep.result, PUMP_IDLE_TIMEOUT);
	ck_assert_int_ge(t, 290);
	ck_assert_uint_eq(end_in(&g.client), sizeof(buf));
	ck_assert_uint_eq(end_out(&g.upstream), sizeof(buf));
	ck_assert_int_eq(read(g.u_peer, got, sizeof(got)), sizeof(got));
	ck_assert(pat_ok(got, sizeof(got), 11, 0));
	rig_close(&g);
}
END_TEST

/* A byte every 100 ms for 1.5 s keeps a 1 s idle timeout away. */
START_TEST(idle_timeout_reset_by_traffic)
{
	struct rig g;
	struct flow fc = {
	    .send = 15, .send_seed = 12, .end = FLOW_SHUT, .drip_ms = 100};
	struct flow fu = {
	    .expect = 15, .expect_seed = 12, .eof_first = 1, .end = FLOW_SHUT};
	pid_t pc, pu;

	rig_open(&g, NULL);
	pc = spawn(&g, &g.c_peer, flow_run, &fc);
	pu = spawn(&g, &g.u_peer, flow_run, &fu);
	relay(&g.client, &g.upstream, 1000, &g.rep);
	ck_assert_int_eq(g.rep.result, PUMP_CLIENT_CLOSED);
	ck_assert_peer(pc, "client");
	ck_assert_peer(pu, "upstream");
	rig_close(&g);
	ck_assert_uint_eq(end_out(&g.upstream), 15);
}
END_TEST

/*
 * A TLS client end: 1 MiB each way at once between a BearSSL client and
 * a cleartext upstream, then the client's close_notify ends the session
 * and the upstream sees the end of file.
 */
START_TEST(tls_client_both_ways)
{
	struct rig g;
	struct tls_flow fc = {
	    .send = BIG, .send_seed = 13, .expect = BIG, .expect_seed = 14};
	struct flow fu = {
	    .send = BIG, .send_seed = 14, .expect = BIG, .expect_seed = 13};
	pid_t pc, pu;

	server_start();
	rig_open(&g, &server.sc.eng);
	pc = spawn(&g, &g.c_peer, tls_peer, &fc);
	server_handshake(g.c_relay);
	pu = spawn(&g, &g.u_peer, flow_run, &fu);
	relay(&g.client, &g.upstream, 0, &g.rep);
	ck_assert_int_eq(g.rep.result, PUMP_CLIENT_CLOSED);
	ck_assert_peer(pc, "client");
	ck_assert_peer(pu, "upstream");
	rig_close(&g);
	ck_assert_int_eq(g.rep.tls_err, 0);
	ck_assert_uint_eq(end_in(&g.client), BIG);
	ck_assert_uint_eq(end_out(&g.client), BIG);
	ck_assert_uint_eq(end_in(&g.upstream), BIG);
	ck_assert_uint_eq(end_out(&g.upstream), BIG);
}
END_TEST

/*
 * The upstream ends first (after its 1 MiB went out and the client's
 * arrived): the relay sends close_notify after the last byte, and the
 * client's engine closes cleanly with everything received.
 */
START_TEST(tls_upstream_ends_first)
{
	struct rig g;
	struct tls_flow fc = {.send = BIG,
	                      .send_seed = 15,
	                      .expect = BIG,
	                      .expect_seed = 16,
	                      .wait_close = 1};
	struct flow fu = {.send = BIG,
	                  .send_seed = 16,
	                  .expect = BIG,
	                  .expect_seed = 15,
	                  .end = FLOW_CLOSE};
	pid_t pc, pu;

	server_start();
	rig_open(&g, &server.sc.eng);
	pc = spawn(&g, &g.c_peer, tls_peer, &fc);
	server_handshake(g.c_relay);
	pu = spawn(&g, &g.u_peer, flow_run, &fu);
	relay(&g.client, &g.upstream, 0, &g.rep);
	ck_assert_int_eq(g.rep.result, PUMP_UPSTREAM_CLOSED);
	ck_assert_int_eq(g.rep.tls_err, 0);
	ck_assert_peer(pc, "client");
	ck_assert_peer(pu, "upstream");
	rig_close(&g);
	ck_assert_uint_eq(end_out(&g.client), BIG);
	ck_assert_uint_eq(end_in(&g.client), BIG);
}
END_TEST

static Suite *
pump_suite(void)
{
	Suite *s = suite_create("pump");
	TCase *plain = tcase_create("cleartext");
	TCase *tls = tcase_create("tls");

	tcase_add_test(plain, both_ways_1mib);
	tcase_add_test(plain, half_close_client_first);
	tcase_add_test(plain, half_close_upstream_first);
	tcase_add_test(plain, client_gone_first);
	tcase_add_test(plain, upstream_gone_first);
	tcase_add_test(plain, client_reset);
	tcase_add_test(plain, upstream_reset);
	tcase_add_test(plain, stalled_reader);
	tcase_add_test(plain, idle_timeout);
	tcase_add_test(plain, idle_timeout_reset_by_traffic);
	tcase_set_timeout(plain, 2 * WAIT_S + 10);
	suite_add_tcase(s, plain);
	tcase_add_test(tls, tls_client_both_ways);
	tcase_add_test(tls, tls_upstream_ends_first);
	tcase_set_timeout(tls, 2 * WAIT_S + 10);
	suite_add_tcase(s, tls);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pump_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

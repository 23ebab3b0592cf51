/*
 * Unit tests for negotiate.c over socketpairs, without PostgreSQL: the
 * answers to each request, byte-at-a-time arrival, pipelined bytes
 * (CVE-2021-23214), repeats, and a close at every point of a valid
 * exchange, with the end texts the log line uses.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "config.h"
#include "conn.h"
#include "io.h"
#include "negotiate.h"
#include "pgproto.h"

static const uint8_t ssl_req[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
static const uint8_t gss_req[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30};
static const uint8_t startup[] = {0,   0,   0,   17, 0,   3,   0, 0, 'u',
                                  's', 'e', 'r', 0,  'b', 'o', 0, 0};
static const uint8_t cancel[] = {0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e,
                                 0, 0, 0, 1,  0,    0,    0,    2};

static int sp[2];
static struct conn c;
static struct config cfg;
static struct nego n;
static struct ending ending;
static uint8_t buf[PGPROTO_PACKET_MAX];

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	ck_assert_int_eq(io_set_nonblock(sp[0]), 0);
	conn_init(&c, "client", sp[0], sp[0], io_now_ms() + 2000);
	config_defaults(&cfg);
	memset(&n, 0, sizeof(n));
	memset(&ending, 0, sizeof(ending));
	n.ending = &ending;
	n.allow_direct = 1;
}

static void
teardown(void)
{
	close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
}

static void
peer_send(const void *p, size_t len)
{
	ck_assert_int_eq(write(sp[1], p, len), (ssize_t)len);
}

static void
peer_close(void)
{
	shutdown(sp[1], SHUT_WR);
}

/* The answer byte, or -1 when none came. */
static int
answer(void)
{
	uint8_t b;

	return read(sp[1], &b, 1) == 1 ? b : -1;
}

/* A child that waits for the one-byte answer, then sends p (as a client
 * does after 'N'); reap it with waitpid(). */
static pid_t
after_answer(const void *p, size_t len)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint8_t b;

		alarm(10);
		if (read(sp[1], &b, 1) != 1 || b != 'N')
			_exit(1);
		_exit(write(sp[1], p, len) == (ssize_t)len ? 0 : 2);
	}
	return pid;
}

static void
reap_ok(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static enum nego_next
run(void)
{
	return negotiate(&cfg, &c, &n, buf, sizeof(buf));
}

START_TEST(ssl_gets_s)
{
	peer_send(ssl_req, sizeof(ssl_req));
	ck_assert_int_eq(run(), NEGO_TLS);
	ck_assert_int_eq(answer(), 'S');
	ck_assert_uint_eq(n.stuffed, 0);
}
END_TEST

START_TEST(ssl_gets_n_without_tls)
{
	pid_t pid;

	cfg.tls = 0;
	peer_send(ssl_req, sizeof(ssl_req));
	pid = after_answer(startup, sizeof(startup));
	ck_assert_int_eq(run(), NEGO_STARTUP);
	reap_ok(pid);
	ck_assert_uint_eq(n.packet_len, sizeof(startup));
	ck_assert_mem_eq(buf, startup, sizeof(startup));
}
END_TEST

START_TEST(gss_n_then_startup_and_cancel)
{
	pid_t pid;

	peer_send(gss_req, sizeof(gss_req));
	pid = after_answer(startup, sizeof(startup));
	ck_assert_int_eq(run(), NEGO_STARTUP);
	reap_ok(pid);
	ck_assert_uint_eq(n.packet_len, sizeof(startup));
	teardown();
	setup();
	peer_send(cancel, sizeof(cancel));
	ck_assert_int_eq(run(), NEGO_CANCEL);
	ck_assert_uint_eq(n.packet_len, sizeof(cancel));
}
END_TEST

/* A first byte 0x16 is direct TLS: nothing read beyond it. */
START_TEST(direct_tls_first_byte)
{
	peer_send("\x16\x03\x01\x00\x05", 5);
	ck_assert_int_eq(run(), NEGO_DIRECT_TLS);
	ck_assert_uint_eq(io_pending(sp[0]), 4);
	teardown();
	setup();
	n.allow_direct = 0; /* --direct-tls off: 0x16 is a bad length */
	peer_send("\x16\x03\x01\x00\x05\x00\x00\x00", 8);
	ck_assert_int_eq(run(), NEGO_GONE);
}
END_TEST

/* Each packet byte by byte, from a child, with pauses. */
START_TEST(byte_at_a_time)
{
	uint8_t all[sizeof(gss_req) + sizeof(ssl_req)];
	pid_t pid;

	memcpy(all, gss_req, sizeof(gss_req));
	memcpy(all + sizeof(gss_req), ssl_req, sizeof(ssl_req));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		alarm(10);
		for (size_t i = 0; i < sizeof(all); i++) {
			uint8_t b;

			if (i == sizeof(gss_req) && read(sp[1], &b, 1) != 1)
				_exit(2); /* the client waits for the 'N' */
			if (write(sp[1], all + i, 1) != 1)
				_exit(1);
			usleep(2000);
		}
		_exit(0);
	}
	ck_assert_int_eq(run(), NEGO_TLS);
	ck_assert_int_eq(answer(), 'S');
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

/* Bytes sent before the answer: after 'S' they are counted (and later
 * refused inside TLS); after 'N' to a GSSENCRequest, refused at once. */
START_TEST(pipelined_bytes)
{
	peer_send(ssl_req, sizeof(ssl_req));
	peer_send("HELLO", 5);
	ck_assert_int_eq(run(), NEGO_TLS);
	ck_assert_int_eq(answer(), 'S');
	ck_assert_uint_eq(n.stuffed, 5);
	teardown();
	setup();
	peer_send(gss_req, sizeof(gss_req));
	peer_send(startup, sizeof(startup));
	/* Both arrive before negotiate reads: the startup was sent blind. */
	ck_assert_int_eq(run(), NEGO_GONE);
	ck_assert_str_eq(ending.end, "unencrypted data after request");
	ck_assert_int_eq(answer(), 'N');
	ck_assert_int_eq(answer(), 'E'); /* then FATAL 08P01 */
}
END_TEST

START_TEST(repeat_refused)
{
	pid_t pid;

	peer_send(gss_req, sizeof(gss_req));
	pid = after_answer(gss_req, sizeof(gss_req));
	ck_assert_int_eq(run(), NEGO_GONE);
	ck_assert_str_eq(ending.end, "repeated encryption request");
	reap_ok(pid);
	ck_assert_int_eq(answer(), 'E'); /* FATAL 0A000 */
}
END_TEST

/* A close after every prefix of "StartupMessage": clean only before the
 * first byte. */
START_TEST(close_at_every_point)
{
	for (size_t k = 0; k < sizeof(startup); k++) {
		enum nego_next next;

		teardown();
		setup();
		peer_send(startup, k);
		peer_close();
		next = run();
		ck_assert_int_eq(next, NEGO_GONE);
		if (k == 0) {
			ck_assert_int_eq(ending.clean, 1);
			ck_assert_str_eq(ending.end,
			                 "closed before sending a packet");
		} else {
			ck_assert_msg(ending.clean == 0, "prefix %zu: clean",
			              k);
			ck_assert_str_eq(ending.end,
			                 "incomplete startup packet");
		}
	}
}
END_TEST

/* Closed right after the answer to a GSSENCRequest: a boundary, clean. */
START_TEST(close_after_answer)
{
	peer_send(gss_req, sizeof(gss_req));
	{
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			uint8_t b;

			alarm(10);
			_exit(read(sp[1], &b, 1) == 1 &&
			              shutdown(sp[1], SHUT_WR) == 0
			          ? 0
			          : 1);
		}
		ck_assert_int_eq(run(), NEGO_GONE);
		ck_assert_int_eq(ending.clean, 1);
		ck_assert_str_eq(ending.end, "closed before sending a packet");
		waitpid(pid, NULL, 0);
	}
}
END_TEST

START_TEST(timeout)
{
	peer_send(startup, 5);
	c.deadline = io_now_ms() + 100;
	ck_assert_int_eq(run(), NEGO_GONE);
	ck_assert_str_eq(ending.end, "handshake timeout");
	ck_assert_int_eq(ending.clean, 0);
}
END_TEST

static Suite *
negotiate_suite(void)
{
	Suite *s = suite_create("negotiate");
	TCase *tc = tcase_create("cleartext");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ssl_gets_s);
	tcase_add_test(tc, ssl_gets_n_without_tls);
	tcase_add_test(tc, gss_n_then_startup_and_cancel);
	tcase_add_test(tc, direct_tls_first_byte);
	tcase_add_test(tc, byte_at_a_time);
	tcase_add_test(tc, pipelined_bytes);
	tcase_add_test(tc, repeat_refused);
	tcase_add_test(tc, close_at_every_point);
	tcase_add_test(tc, close_after_answer);
	tcase_add_test(tc, timeout);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(negotiate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Unit tests for conn.c over socketpairs, without PostgreSQL: exact reads
 * and writes, what each way of ending reports (clean close, truncation,
 * timeout, error), the packet reading discipline (nothing read past the
 * packet), and the ErrorResponse of conn_refuse().
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "conn.h"
#include "io.h"
#include "pgproto.h"

static int sp[2]; /* sp[0]: the conn's end; sp[1]: the peer's */
static struct conn c;

static void
pair_open(void)
{
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	ck_assert_int_eq(io_set_nonblock(sp[0]), 0);
	conn_init(&c, "client", sp[0], sp[0], io_now_ms() + 2000);
}

static void
pair_close(void)
{
	close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
}

static void
peer_send(const void *buf, size_t n)
{
	ck_assert_int_eq(write(sp[1], buf, n), (ssize_t)n);
}

START_TEST(read_exact_in_pieces)
{
	uint8_t buf[10];
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Ten bytes, one at a time, 5 ms apart. */
		for (int i = 0; i < 10; i++) {
			uint8_t b = (uint8_t)('0' + i);

			if (write(sp[1], &b, 1) != 1)
				_exit(1);
			usleep(5000);
		}
		_exit(0);
	}
	ck_assert_int_eq(conn_read(&c, buf, sizeof(buf)), CONN_OK);
	ck_assert_mem_eq(buf, "0123456789", 10);
	waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(read_clean_close)
{
	uint8_t buf[4];

	close(sp[1]);
	sp[1] = -1;
	ck_assert_int_eq(conn_read(&c, buf, sizeof(buf)), CONN_CLOSED);
	ck_assert_int_eq(c.truncated, 0);
}
END_TEST

START_TEST(read_truncated)
{
	uint8_t buf[4];
	char why[64];

	peer_send("ab", 2);
	close(sp[1]);
	sp[1] = -1;
	ck_assert_int_eq(conn_read(&c, buf, sizeof(buf)), CONN_ERROR);
	ck_assert_int_eq(c.truncated, 1);
	ck_assert_str_eq(conn_why(&c, CONN_ERROR, why, sizeof(why)),
	                 "peer closed");
}
END_TEST

/* What has come, up to n, without waiting for the rest; a close
 * before any byte is CONN_CLOSED. */
START_TEST(read_some_what_came)
{
	uint8_t buf[16];
	size_t got = 0;

	peer_send("abc", 3);
	ck_assert_int_eq(conn_read_some(&c, buf, sizeof(buf), &got), CONN_OK);
	ck_assert_uint_eq(got, 3);
	ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
	peer_send("defgh", 5);
	ck_assert_int_eq(conn_read_some(&c, buf, 2, &got), CONN_OK);
	ck_assert_uint_eq(got, 2); /* never more than asked */
	ck_assert_int_eq(conn_read_some(&c, buf, sizeof(buf), &got), CONN_OK);
	ck_assert_uint_eq(got, 3);
	close(sp[1]);
	sp[1] = -1;
	ck_assert_int_eq(conn_read_some(&c, buf, sizeof(buf), &got),
	                 CONN_CLOSED);
}
END_TEST

START_TEST(read_timeout)
{
	uint8_t buf[4];
	char why[64];

	peer_send("a", 1);
	c.deadline = io_now_ms() + 100;
	ck_assert_int_eq(conn_read(&c, buf, sizeof(buf)), CONN_TIMEOUT);
	ck_assert_str_eq(conn_why(&c, CONN_TIMEOUT, why, sizeof(why)),
	                 "timeout");
}
END_TEST

/* 4 MiB to a peer that reads slowly: partial writes, every byte kept. */
START_TEST(write_large_slow_reader)
{
	enum { BIG = 4 << 20 };
	static uint8_t data[BIG];
	pid_t pid;
	int st;

	for (size_t i = 0; i < BIG; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 13));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static uint8_t in[BIG];
		size_t got = 0;

		close(sp[0]);
		alarm(20);
		while (got < BIG) {
			ssize_t r =
			    read(sp[1], in + got, got % 3 == 0 ? 1000 : 65536);

			if (r <= 0)
				_exit(2);
			got += (size_t)r;
			if (got < 65536)
				usleep(1000);
		}
		_exit(memcmp(in, data, BIG) == 0 ? 0 : 3);
	}
	c.deadline = io_now_ms() + 20000;
	ck_assert_int_eq(conn_write(&c, data, BIG), CONN_OK);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

START_TEST(write_to_closed_peer)
{
	static uint8_t data[1 << 20];
	char why[64];

	close(sp[1]);
	sp[1] = -1;
	ck_assert_int_eq(conn_write(&c, data, sizeof(data)), CONN_ERROR);
	ck_assert_int_eq(c.sys_errno, EPIPE);
	ck_assert_str_eq(conn_why(&c, CONN_ERROR, why, sizeof(why)),
	                 strerror(EPIPE));
}
END_TEST

/* A StartupMessage followed at once by more bytes: the packet is read,
 * not one byte after it. */
START_TEST(read_packet_exactly)
{
	static const uint8_t startup[] = {
	    0, 0, 0, 17, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 'b', 'o', 0, 0};
	uint8_t buf[PGPROTO_PACKET_MAX], rest[3];
	struct pgproto_packet pkt;

	peer_send(startup, sizeof(startup));
	peer_send("XYZ", 3);
	ck_assert_int_eq(conn_read_packet(&c, buf, sizeof(buf), 0, &pkt),
	                 CONN_OK);
	ck_assert_int_eq(pkt.kind, PGPROTO_STARTUP);
	ck_assert_uint_eq(pkt.need, sizeof(startup));
	ck_assert_uint_eq(io_pending(sp[0]), 3);
	ck_assert_int_eq(conn_read(&c, rest, 3), CONN_OK);
	ck_assert_mem_eq(rest, "XYZ", 3);
}
END_TEST

START_TEST(read_packet_closes)
{
	uint8_t buf[PGPROTO_PACKET_MAX];
	struct pgproto_packet pkt;

	/* Closed at the packet boundary: clean. */
	close(sp[1]);
	sp[1] = -1;
	ck_assert_int_eq(conn_read_packet(&c, buf, sizeof(buf), 0, &pkt),
	                 CONN_CLOSED);
}
END_TEST

START_TEST(read_packet_truncated)
{
	static const uint8_t part[] = {0, 0, 0, 17, 0, 3};
	uint8_t buf[PGPROTO_PACKET_MAX];
	struct pgproto_packet pkt;

	peer_send(part, sizeof(part));
	close(sp[1]);
	sp[1] = -1;
	ck_assert_int_eq(conn_read_packet(&c, buf, sizeof(buf), 0, &pkt),
	                 CONN_ERROR);
	ck_assert_int_eq(c.truncated, 1);
}
END_TEST

/* Whether buf[0..len) holds the n bytes of s somewhere. */
static int
has(const uint8_t *buf, size_t len, const char *s, size_t n)
{
	for (size_t i = 0; i + n <= len; i++) {
		if (memcmp(buf + i, s, n) == 0)
			return 1;
	}
	return 0;
}

/* conn_refuse(): one FATAL ErrorResponse, then the sending side shut. */
START_TEST(refuse_error_response)
{
	uint8_t in[512];
	ssize_t n, total = 0;
	uint32_t len;

	conn_refuse(&c, "08P01", "bad packet", NULL, NULL);
	while ((n = read(sp[1], in + total, sizeof(in) - (size_t)total)) > 0)
		total += n;
	ck_assert_int_eq(n, 0); /* our side was shut: end of file */
	ck_assert_int_ge(total, 5);
	ck_assert_int_eq(in[0], 'E');
	len = pgproto_get32(in + 1);
	ck_assert_int_eq((ssize_t)len + 1, total);
	ck_assert(has(in, (size_t)total, "SFATAL", 7));
	ck_assert(has(in, (size_t)total, "C08P01", 7));
	ck_assert(has(in, (size_t)total, "Mbad packet", 12));
}
END_TEST

START_TEST(why_texts)
{
	char why[64];

	ck_assert_str_eq(conn_why(&c, CONN_OK, why, sizeof(why)), "ok");
	ck_assert_str_eq(conn_why(&c, CONN_CLOSED, why, sizeof(why)),
	                 "peer closed");
	ck_assert_str_eq(conn_why(&c, CONN_TERMINATED, why, sizeof(why)),
	                 "terminated by signal");
}
END_TEST

static Suite *
conn_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("cleartext");

	tcase_add_checked_fixture(tc, pair_open, pair_close);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, read_exact_in_pieces);
	tcase_add_test(tc, read_clean_close);
	tcase_add_test(tc, read_truncated);
	tcase_add_test(tc, read_some_what_came);
	tcase_add_test(tc, read_timeout);
	tcase_add_test(tc, write_large_slow_reader);
	tcase_add_test(tc, write_to_closed_peer);
	tcase_add_test(tc, read_packet_exactly);
	tcase_add_test(tc, read_packet_closes);
	tcase_add_test(tc, read_packet_truncated);
	tcase_add_test(tc, refuse_error_response);
	tcase_add_test(tc, why_texts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

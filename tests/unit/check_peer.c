/* Unit tests for peer.c: who the client is, for every launcher. */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "peer.h"

static struct peer p;

START_TEST(from_sockaddr)
{
	struct sockaddr_in in = {.sin_family = AF_INET,
	                         .sin_port = htons(5432),
	                         .sin_addr.s_addr = htonl(0xc0000207)};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6,
	                           .sin6_port = htons(1)};
	struct sockaddr_un un = {.sun_family = AF_UNIX};

	peer_from_sockaddr(&p, (struct sockaddr *)&in, sizeof(in));
	ck_assert_str_eq(p.text, "192.0.2.7:5432");
	ck_assert_int_eq(p.addr.family, NETADDR_V4);
	in6.sin6_addr.s6_addr[0] = 0x20;
	in6.sin6_addr.s6_addr[1] = 0x01;
	in6.sin6_addr.s6_addr[15] = 1;
	peer_from_sockaddr(&p, (struct sockaddr *)&in6, sizeof(in6));
	ck_assert_str_eq(p.text, "[2001::1]:1");
	/* A dual-stack socket's IPv4 client is its IPv4 address. */
	memset(&in6.sin6_addr, 0, sizeof(in6.sin6_addr));
	in6.sin6_addr.s6_addr[10] = in6.sin6_addr.s6_addr[11] = 0xff;
	in6.sin6_addr.s6_addr[12] = 10;
	in6.sin6_addr.s6_addr[15] = 1;
	peer_from_sockaddr(&p, (struct sockaddr *)&in6, sizeof(in6));
	ck_assert_str_eq(p.text, "10.0.0.1:1");
	ck_assert_int_eq(p.addr.family, NETADDR_V4);
	peer_from_sockaddr(&p, (struct sockaddr *)&un, sizeof(un));
	ck_assert_str_eq(p.text, "local");
	ck_assert_int_eq(p.addr.family, NETADDR_NONE);
}
END_TEST

START_TEST(of_connection)
{
	int sv[2], fd[2];

	unsetenv("SOCAT_PEERADDR");
	unsetenv("SOCAT_PEERPORT");
	ck_assert_int_eq(pipe(fd), 0);
	peer_of_connection(&p, fd[0]);
	ck_assert_str_eq(p.text, "stdin");
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	peer_of_connection(&p, sv[0]);
	ck_assert_str_eq(p.text, "local");
	ck_assert_int_eq(p.addr.family, NETADDR_NONE);
	/* socat EXEC: a socketpair, and the peer in the environment. */
	setenv("SOCAT_PEERADDR", "[::1]", 1);
	setenv("SOCAT_PEERPORT", "40000", 1);
	peer_of_connection(&p, sv[0]);
	ck_assert_str_eq(p.text, "[::1]:40000");
	ck_assert_int_eq(p.addr.family, NETADDR_V6);
	ck_assert_uint_eq(p.addr.port, 40000);
	setenv("SOCAT_PEERADDR", "192.0.2.1", 1);
	peer_of_connection(&p, fd[0]);
	ck_assert_str_eq(p.text, "192.0.2.1:40000");
	ck_assert_int_eq(p.addr.family, NETADDR_V4);
	/* Not an address: logged as given, in no range. */
	setenv("SOCAT_PEERADDR", "somewhere", 1);
	peer_of_connection(&p, fd[0]);
	ck_assert_str_eq(p.text, "somewhere:40000");
	ck_assert_int_eq(p.addr.family, NETADDR_NONE);
	unsetenv("SOCAT_PEERADDR");
	unsetenv("SOCAT_PEERPORT");
	close(fd[0]);
	close(fd[1]);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A TCP client named by the socket; one that reset first is "gone". */
START_TEST(tcp_and_reset)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	struct linger lg = {1, 0};
	int l = socket(AF_INET, SOCK_STREAM, 0), c, s;
	char want[64];

	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	s = accept(l, NULL, NULL);
	ck_assert_int_ge(s, 0);
	len = sizeof(a);
	ck_assert_int_eq(getsockname(c, (struct sockaddr *)&a, &len), 0);
	snprintf(want, sizeof(want), "127.0.0.1:%u", ntohs(a.sin_port));
	peer_of_connection(&p, s);
	ck_assert_str_eq(p.text, want);
	ck_assert_int_eq(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)),
	                 0);
	close(c); /* RST */
	usleep(20000);
	peer_of_connection(&p, s);
	ck_assert_str_eq(p.text, "gone");
	ck_assert_int_eq(p.addr.family, NETADDR_NONE);
	close(s);
	close(l);
}
END_TEST

static Suite *
peer_suite(void)
{
	Suite *s = suite_create("peer");
	TCase *tc = tcase_create("peer");

	tcase_add_test(tc, from_sockaddr);
	tcase_add_test(tc, of_connection);
	tcase_add_test(tc, tcp_and_reset);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(peer_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

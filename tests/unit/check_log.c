/*
 * Unit tests for log_field(): client-chosen names in a log line stay
 * readable (UTF-8) but can never forge a field or a line; and
 * log_copy_errors(), --check's copy of error lines; log_limit_due(), the
 * once-a-second line for floods, also across the 32-bit clock wrap; the
 * syslog sink's datagrams (format, and a log daemon that restarted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <regex.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "log.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct field_case {
	const char *in;
	size_t cap;
	const char *out;
};

static const struct field_case field_cases[] = {
    {"alice", 64, "alice"},
    {NULL, 64, "-"},
    {"", 64, "-"},
    /* Field and line forgery. */
    {"a b", 64, "a?b"},
    {"a=b", 64, "a?b"},
    {"a\"b\\c", 64, "a?b?c"},
    {"x\nend=forged", 64, "x?end?forged"},
    {"tab\there", 64, "tab?here"},
    {"del\x7f", 64, "del?"},
    /* UTF-8 stays: 2, 3 and 4 bytes. */
    {"j\xc3\xbcrgen", 64, "j\xc3\xbcrgen"},
    {"\xe2\x82\xac", 64, "\xe2\x82\xac"},
    {"\xf0\x9f\x90\x98", 64, "\xf0\x9f\x90\x98"},
    /* Malformed: each bad byte is '?'. */
    {"\xc3", 64, "?"},                /* truncated */
    {"\xc3(", 64, "?("},              /* bad continuation */
    {"\xc0\xaf", 64, "??"},           /* overlong '/' */
    {"\xe0\x80\xaf", 64, "???"},      /* overlong, 3 bytes */
    {"\xed\xa0\x80", 64, "???"},      /* a surrogate */
    {"\xf4\x90\x80\x80", 64, "????"}, /* above U+10FFFF */
    {"\xff\xfe", 64, "??"},
    {"\xc2\x85", 64, "??"},       /* C1 control NEL */
    {"\xc2\xa0", 64, "\xc2\xa0"}, /* no-break space: printable */
    /* Cut at cap - 1 bytes, never inside a character. */
    {"abcdef", 4, "abc"},
    {"ab\xc3\xbc", 4, "ab"},
    {"a\xc3\xbc", 4, "a\xc3\xbc"},
    {"\xf0\x9f\x90\x98", 4, ""},
    {"abc", 1, ""},
};

START_TEST(field)
{
	const struct field_case *c = &field_cases[_i];
	char out[80];

	memset(out, 'Z', sizeof(out));
	log_field(out, c->cap, c->in);
	ck_assert_str_eq(out, c->out);
	ck_assert_uint_lt(strlen(out), c->cap);
}
END_TEST

/* A 63-byte field from a 10000-byte name: nothing beyond cap is written. */
START_TEST(field_bound)
{
	static char big[10000];
	char out[70];

	memset(big, 'u', sizeof(big) - 1);
	memset(out, 'Z', sizeof(out));
	log_field(out, 64, big);
	ck_assert_uint_eq(strlen(out), 63);
	for (size_t i = 64; i < sizeof(out); i++)
		ck_assert_int_eq(out[i], 'Z');
}
END_TEST

/* --check's copy: error lines (and worse) only, as "error: LINE". */
START_TEST(copy_errors)
{
	char buf[256];
	FILE *f = tmpfile();
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(log_init(LOG_SINK_STDERR, NULL, 0), LOG_SINK_STDERR);
	log_copy_errors(f);
	log_msg(LOG_ERR, "key %s: %s", "k.pem", "bad");
	log_msg(LOG_INFO, "not copied");
	log_msg(LOG_CRIT, "worse");
	log_copy_errors(NULL);
	log_msg(LOG_ERR, "after the copy stopped");
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "error: key k.pem: bad\nerror: worse\n");
	fclose(f);
}
END_TEST

/* Control bytes in a message become \xNN, never cut in half. */
START_TEST(escape)
{
	char out[16], big[64];
	char buf[256];
	FILE *f = tmpfile();
	size_t n;

	log_escape(big, sizeof(big), "a\001b\nc\033[2J\177 j\xc3\xbcrgen");
	ck_assert_str_eq(big, "a\\x01b\\x0ac\\x1b[2J\\x7f j\xc3\xbcrgen");
	log_escape(out, 6, "abcd\n");
	ck_assert_str_eq(out, "abcd"); /* no room for the whole escape */
	log_escape(out, 1, "abc");
	ck_assert_str_eq(out, "");
	/* Every message passes through it. */
	ck_assert_ptr_nonnull(f);
	log_copy_errors(f);
	log_msg(LOG_ERR, "option '%s'", "cert\001\nx");
	log_copy_errors(NULL);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "error: option 'cert\\x01\\x0ax'\n");
	fclose(f);
}
END_TEST

/* The first event gets a line; then one line a second, counting all. */
START_TEST(limit_once_a_second)
{
	struct log_limit l;

	memset(&l, 0, sizeof(l)); /* a zeroed limit is ready */
	ck_assert_uint_eq(log_limit_due(&l, 5000), 1);
	ck_assert_uint_eq(log_limit_due(&l, 5001), 0);
	ck_assert_uint_eq(log_limit_due(&l, 5999), 0);
	ck_assert_uint_eq(log_limit_due(&l, 6000), 3);
	ck_assert_uint_eq(log_limit_due(&l, 6999), 0);
	ck_assert_uint_eq(log_limit_due(&l, 90000), 2);
	/* A clock read before another process wrote its line: no second line.
	 */
	ck_assert_uint_eq(log_limit_due(&l, 89990), 0);
	ck_assert_uint_eq(log_limit_due(&l, 89001), 0);
	ck_assert_uint_eq(log_limit_due(&l, 91000), 3);
	log_limit_init(&l);
	ck_assert_uint_eq(log_limit_due(&l, 90001), 1);
	/* A clock at 0 (and at multiples of 2^32) is not "no line yet". */
	log_limit_init(&l);
	ck_assert_uint_eq(log_limit_due(&l, 0), 1);
	ck_assert_uint_eq(log_limit_due(&l, 10), 0);
	ck_assert_uint_eq(log_limit_due(&l, (int64_t)1 << 32), 0);
}
END_TEST

/* The stored time is 32 bits: the limit holds across its wrap. */
START_TEST(limit_wraps)
{
	struct log_limit l;
	int64_t t = ((int64_t)1 << 32) - 300; /* 49.7 days of uptime */

	log_limit_init(&l);
	ck_assert_uint_eq(log_limit_due(&l, t), 1);
	ck_assert_uint_eq(log_limit_due(&l, t + 400), 0); /* wrapped */
	ck_assert_uint_eq(log_limit_due(&l, t + 999), 0);
	ck_assert_uint_eq(log_limit_due(&l, t + 1000), 3);
	ck_assert_uint_eq(log_limit_due(&l, t + 5000), 1);
	ck_assert_uint_eq(log_limit_due(&l, 3 * t), 1);
}
END_TEST

/*
 * Processes sharing one limit through a MAP_SHARED page (a --listen
 * parent and its children) lose no event: the counts the lines stand for
 * and the count still pending add up to every event.
 */
enum { PROCS = 4, EVENTS = 100000 };

struct shared_limit {
	struct log_limit limit;
	unsigned lines[PROCS];
	unsigned counted[PROCS];
	_Atomic unsigned clock; /* one clock for all, as io_now_ms() */
	_Atomic unsigned ready; /* all start together */
};

START_TEST(limit_shared)
{
	struct shared_limit *sh;
	unsigned total = 0, lines = 0;
	int i, status;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(sh, MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	log_limit_init(&sh->limit);
	for (i = 0; i < PROCS; i++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			atomic_fetch_add(&sh->ready, 1);
			while (atomic_load(&sh->ready) < PROCS)
				;
			for (int k = 0; k < EVENTS; k++) {
				int64_t t =
				    atomic_fetch_add(&sh->clock, 1) / PROCS;
				unsigned n = log_limit_due(&sh->limit, t);

				sh->counted[i] += n;
				sh->lines[i] += n != 0;
			}
			_exit(0);
		}
	}
	for (i = 0; i < PROCS; i++) {
		ck_assert_int_gt(wait(&status), 0);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (i = 0; i < PROCS; i++) {
		total += sh->counted[i];
		lines += sh->lines[i];
	}
	total += atomic_load(&sh->limit.count);
	ck_assert_uint_eq(total, PROCS * EVENTS);
	/*
	 * About one line per LOG_LIMIT_MS of the clock; a process that read
	 * the clock long before it counts may add one, so only the first is
	 * certain.
	 */
	ck_assert_uint_ge(lines, 1);
	munmap(sh, sizeof(*sh));
}
END_TEST

/* A datagram socket bound at path, as a log daemon's /dev/log. */
static int
fake_daemon(const char *path)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	strcpy(sun.sun_path, path);
	unlink(path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* The next datagram (waiting at most 2 s), matched against ere. */
static void
expect_datagram(int fd, const char *ere)
{
	struct timeval tv = {2, 0};
	char buf[2048];
	regex_t re;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_int_eq(regcomp(&re, ere, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&re, buf, 0, NULL, 0) == 0, "[%s] !~ /%s/", buf,
	              ere);
	regfree(&re);
}

START_TEST(syslog_datagrams)
{
	char path[] = "/tmp/pgst-log-XXXXXX", sock[64], ere[256];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/log", path);
	fd = fake_daemon(sock);
	log_syslog_path(sock);
	ck_assert_int_eq(log_init(LOG_SINK_SYSLOG, NULL, 0), LOG_SINK_SYSLOG);
	log_set_prefix(NULL);
	log_msg(LOG_WARNING, "hello %d\n%s", 5, "x");
	/* daemon (3 << 3) | warning (4); UTC time; the newline escaped. */
	snprintf(ere, sizeof(ere),
	         "^<28>(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
	         "[ 123][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] "
	         "pgstunnel\\[%ld\\]: hello 5\\\\x0ax$",
	         (long)getpid());
	expect_datagram(fd, ere);
	log_set_prefix("peer 192.0.2.1:5");
	log_msg(LOG_ERR, "%s", "gone");
	expect_datagram(
	    fd, "^<27>.* pgstunnel\\[[0-9]+\\]: peer 192.0.2.1:5: gone$");

	/* The daemon restarts: a new socket at the same path. The next
	 * line connects again and arrives. */
	close(fd);
	fd = fake_daemon(sock);
	log_msg(LOG_INFO, "%s", "again");
	expect_datagram(fd, "^<30>.*: peer 192.0.2.1:5: again$");

	log_set_prefix(NULL);
	log_init(LOG_SINK_STDERR, NULL, 0);
	log_syslog_path("/dev/log");
	close(fd);
	unlink(sock);
	rmdir(path);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("field");

	tcase_add_loop_test(tc, field, 0, (int)NELEM(field_cases));
	tcase_add_test(tc, field_bound);
	tcase_add_test(tc, copy_errors);
	tcase_add_test(tc, escape);
	tcase_add_test(tc, limit_once_a_second);
	tcase_add_test(tc, limit_wraps);
	tcase_add_test(tc, limit_shared);
	tcase_add_test(tc, syslog_datagrams);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

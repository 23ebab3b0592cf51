/* see log.h */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"

/*
 * The length of the well-formed UTF-8 sequence of two or more bytes at s
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF),
 * or 0. C1 controls (U+0080 to U+009F) count as malformed here.
 */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* The second byte's range: C1 controls (after 0xc2), overlong forms
	 * (0xe0, 0xf0), surrogates (0xed) and beyond U+10FFFF (0xf4). */
	if (s[0] == 0xc2 || s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return n;
}

void
log_field(char *dst, size_t cap, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (cap == 0)
		return;
	if (s == NULL || s[0] == '\0')
		s = (const unsigned char *)"-";
	while (*s != '\0' && o + 1 < cap) {
		size_t n = *s >= 0x80 ? utf8_len(s) : 0;

		if (n > 0) {
			if (o + n + 1 > cap)
				break; /* never half a character */
			memcpy(dst + o, s, n);
			o += n;
			s += n;
			continue;
		}
		dst[o] = '?';
		if (*s > ' ' && *s <= '~' && *s != '=' && *s != '"' &&
		    *s != '\\')
			dst[o] = (char)*s;
		o++;
		s++;
	}
	dst[o] = '\0';
}

void
log_escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (cap == 0)
		return;
	for (; *s != '\0'; s++) {
		if (*s >= ' ' && *s != 0x7f) {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)*s;
			continue;
		}
		if (o + 4 >= cap)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[*s >> 4];
		dst[o++] = hex[*s & 15];
	}
	dst[o] = '\0';
}

/*
 * The log's state, read by every line: initialized, so in data, whose
 * page every process writes anyway (a kernel without the shared zero
 * page would give a page of .bss that is only read a page of its own).
 */
static struct {
	enum log_sink sink;
	int syslog_fd;
	const char *syslog_path;
	FILE *error_copy;
	char prefix[128];
} lg = {LOG_SINK_STDERR, -1, "/dev/log", NULL, ""};

/* Connect a datagram socket to the log daemon: the descriptor or -1. */
static int
syslog_connect(void)
{
	struct sockaddr_un sun;
	size_t n = strlen(lg.syslog_path);
	int fd;

	if (n >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, lg.syslog_path, n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * One line to the log daemon, as the C library's syslog() sends it:
 * "<PRI>Mmm dd hh:mm:ss pgstunnel[PID]: text", facility daemon, the time
 * in UTC (as musl's syslog() writes it). A daemon that restarted is
 * connected to again, once; inside the sandbox socket() is refused, and
 * that line is lost.
 */
static void
syslog_line(int priority, const char *text)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char buf[1200];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (gmtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = fmt_format(
	    buf, sizeof(buf), "<%d>%.3s %2d %02d:%02d:%02d pgstunnel[%ld]: %s",
	    LOG_DAEMON | (priority & LOG_PRIMASK),
	    months +
	        3 * (size_t)(tm.tm_mon >= 0 && tm.tm_mon < 12 ? tm.tm_mon : 0),
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)getpid(), text);
	if (n >= (int)sizeof(buf))
		n = (int)sizeof(buf) - 1;
	if (lg.syslog_fd < 0)
		lg.syslog_fd = syslog_connect();
	if (lg.syslog_fd < 0)
		return;
	if (send(lg.syslog_fd, buf, (size_t)n, 0) >= 0)
		return;
	if (errno != ECONNREFUSED && errno != ENOTCONN && errno != ECONNRESET)
		return;
	close(lg.syslog_fd);
	lg.syslog_fd = syslog_connect();
	if (lg.syslog_fd >= 0)
		(void)send(lg.syslog_fd, buf, (size_t)n, 0);
}

void
log_syslog_path(const char *path)
{
	if (lg.syslog_fd >= 0)
		close(lg.syslog_fd);
	lg.syslog_fd = -1;
	lg.syslog_path = path;
}

/* Only a socket can be the client connection: a terminal shared by
 * stdin and stderr is a person at the keyboard. */
static int
same_socket(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) != 0 || fstat(b, &sb) != 0 || !S_ISSOCK(sa.st_mode))
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int
stderr_is_connection(const int *conn_fds, int nfds)
{
	for (int i = 0; i < nfds; i++) {
		if (conn_fds[i] == STDERR_FILENO ||
		    same_socket(STDERR_FILENO, conn_fds[i]))
			return 1;
	}
	return 0;
}

enum log_sink
log_init(enum log_sink want, const int *conn_fds, int nfds)
{
	lg.sink = want;
	if (lg.sink == LOG_SINK_STDERR && conn_fds != NULL &&
	    stderr_is_connection(conn_fds, nfds))
		lg.sink = LOG_SINK_SYSLOG;
	/* Connected now, before any chroot or sandbox (as openlog() with
	 * LOG_NDELAY did). */
	if (lg.sink == LOG_SINK_SYSLOG && lg.syslog_fd < 0)
		lg.syslog_fd = syslog_connect();
	return lg.sink;
}

void
log_limit_init(struct log_limit *l)
{
	atomic_init(&l->last_ms, 0);
	atomic_init(&l->count, 0);
}

unsigned
log_limit_due(struct log_limit *l, int64_t now_ms)
{
	unsigned now = (unsigned)(uint64_t)now_ms;
	unsigned last = atomic_load(&l->last_ms);

	if (now == 0)
		now = 1; /* 0 means "no line yet" */
	atomic_fetch_add(&l->count, 1);
	/*
	 * One process wins the line; the others only count. A clock read
	 * before another process wrote its line is as recent as that line.
	 */
	if ((last != 0 &&
	     (now - last < LOG_LIMIT_MS || last - now < LOG_LIMIT_MS)) ||
	    !atomic_compare_exchange_strong(&l->last_ms, &last, now))
		return 0;
	return atomic_exchange(&l->count, 0);
}

void
log_copy_errors(FILE *out)
{
	lg.error_copy = out;
}

void
log_set_prefix(const char *p)
{
	fmt_format(lg.prefix, sizeof(lg.prefix), "%s", p != NULL ? p : "");
}

void
log_msg(int priority, const char *fmt, ...)
{
	char raw[1024], line[1024];
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	/* The analyzer misses va_start here (false positive). */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	fmt_vformat(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_escape(line, sizeof(line), raw);
	if (lg.error_copy != NULL && priority <= LOG_ERR)
		fmt_print(lg.error_copy, "error: %s\n", line);
	if (lg.sink == LOG_SINK_SYSLOG) {
		if (lg.prefix[0] != '\0') {
			fmt_format(raw, sizeof(raw), "%s: %s", lg.prefix, line);
			syslog_line(priority, raw);
		} else {
			syslog_line(priority, line);
		}
	} else if (lg.prefix[0] != '\0') {
		fmt_print(stderr, "pgstunnel[%ld]: %s: %s\n", (long)getpid(),
		          lg.prefix, line);
	} else {
		fmt_print(stderr, "pgstunnel[%ld]: %s\n", (long)getpid(), line);
	}
	errno = saved_errno;
}

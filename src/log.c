/* see log.h */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum log_sink sink = LOG_SINK_STDERR;
static int syslog_open;
static char prefix[128];

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
	sink = want;
	if (sink == LOG_SINK_STDERR && conn_fds != NULL &&
	    stderr_is_connection(conn_fds, nfds))
		sink = LOG_SINK_SYSLOG;
	if (sink == LOG_SINK_SYSLOG && !syslog_open) {
		openlog("pgstunnel", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		syslog_open = 1;
	}
	return sink;
}

void
log_set_prefix(const char *p)
{
	snprintf(prefix, sizeof(prefix), "%s", p != NULL ? p : "");
}

void
log_msg(int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	/* The analyzer misses va_start here (false positive). */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (sink == LOG_SINK_SYSLOG) {
		if (prefix[0] != '\0')
			syslog(priority, "%s: %s", prefix, line);
		else
			syslog(priority, "%s", line);
	} else if (prefix[0] != '\0') {
		fprintf(stderr, "pgstunnel[%ld]: %s: %s\n", (long)getpid(),
		        prefix, line);
	} else {
		fprintf(stderr, "pgstunnel[%ld]: %s\n", (long)getpid(), line);
	}
	errno = saved_errno;
}

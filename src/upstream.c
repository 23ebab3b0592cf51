/* see upstream.h */
#include "upstream.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"

void
upstream_nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Non-blocking connect with a deadline: 0, or -1 with errno. */
static int
connect_within(int fd, const struct sockaddr *sa, socklen_t salen,
               int timeout_s)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	int w;

	if (io_set_nonblock(fd) != 0)
		return -1;
	if (connect(fd, sa, salen) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -1;
	w = io_wait(fd, POLLOUT, io_deadline_in(timeout_s));
	if (w == 0)
		errno = ETIMEDOUT;
	if (w <= 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

static int
connect_unix(const struct addr *addr, int timeout_s, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, addr->path, strlen(addr->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect_within(fd, (struct sockaddr *)&sun,
	                             (socklen_t)sizeof(sun), timeout_s) != 0) {
		snprintf(err, errlen, "cannot connect to upstream %s: %s",
		         addr->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int
upstream_connect(const struct addr *addr, int timeout_s, char *err,
                 size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	char name[CONFIG_HOST_MAX + 16];
	int rc, fd = -1, last_errno = 0;

	if (addr->kind == ADDR_UNIX)
		return connect_unix(addr, timeout_s, err, errlen);
	config_format_addr(addr, name, sizeof(name));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(addr->host, addr->port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve upstream %s: %s", name,
		         gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		if (connect_within(fd, ai->ai_addr, ai->ai_addrlen,
		                   timeout_s) == 0)
			break;
		last_errno = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "cannot connect to upstream %s: %s", name,
		         strerror(last_errno));
		return -1;
	}
	upstream_nodelay(fd);
	return fd;
}

/* see upstream.h */
#include "upstream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fmt.h"
#include "io.h"

void
upstream_nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Start a non-blocking connect: 0 connected, 1 under way, -1 errno. */
static int
connect_start(int fd, const struct sockaddr *sa, socklen_t salen)
{
	if (io_set_nonblock(fd) != 0)
		return -1;
	if (connect(fd, sa, salen) == 0)
		return 0;
	/* After EINTR the connect goes on in the background, as EINPROGRESS. */
	if (errno == EINPROGRESS || errno == EINTR)
		return 1;
	return -1;
}

/* Wait for a connect started on fd: 0, or -1 with errno. */
static int
connect_wait(int fd, int64_t deadline)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	int w = io_wait(fd, POLLOUT, deadline);

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

/* A socket for sa with its connect started, or -1 with start_errno. */
static int
open_started(struct upstream_pending *p, int family, int type, int protocol,
             const struct sockaddr *sa, socklen_t salen)
{
	int fd = socket(family, type | SOCK_CLOEXEC, protocol);

	if (fd < 0) {
		p->start_errno = errno;
		return -1;
	}
	if (connect_start(fd, sa, salen) < 0) {
		p->start_errno = errno;
		close(fd);
		return -1;
	}
	return fd;
}

/* Start the connect to the next resolved address that takes one. */
static void
start_next(struct upstream_pending *p)
{
	while (p->fd < 0 && p->next != NULL) {
		const struct addrinfo *ai = p->next;

		p->next = ai->ai_next;
		p->fd =
		    open_started(p, ai->ai_family, ai->ai_socktype,
		                 ai->ai_protocol, ai->ai_addr, ai->ai_addrlen);
	}
}

/*
 * An IP literal needs no resolver: no getaddrinfo(), so no heap and no
 * NSS in the per-connection process. 0 when addr is not one.
 */
static int
numeric_sockaddr(const struct addr *addr, struct sockaddr_storage *ss,
                 socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char *end;
	unsigned long port = strtoul(addr->port, &end, 10);

	if (end == addr->port || *end != '\0' || port > 65535)
		return 0;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr->host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = (socklen_t)sizeof(*in4);
		return 1;
	}
	if (inet_pton(AF_INET6, addr->host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = (socklen_t)sizeof(*in6);
		return 1;
	}
	return 0;
}

void
upstream_begin(const struct addr *addr, int timeout_s,
               struct upstream_pending *p)
{
	struct addrinfo hints;
	struct sockaddr_storage ss;
	socklen_t sslen;

	memset(p, 0, sizeof(*p));
	p->addr = addr;
	p->fd = -1;
	p->begun = 1;
	p->deadline = io_deadline_in(timeout_s);
	if (addr->kind == ADDR_UNIX) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, addr->path, strlen(addr->path) + 1);
		p->fd = open_started(p, AF_UNIX, SOCK_STREAM, 0,
		                     (struct sockaddr *)&sun,
		                     (socklen_t)sizeof(sun));
		return;
	}
	if (numeric_sockaddr(addr, &ss, &sslen)) {
		p->fd = open_started(p, ss.ss_family, SOCK_STREAM, 0,
		                     (struct sockaddr *)&ss, sslen);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	p->gai_error = getaddrinfo(addr->host, addr->port, &hints, &p->res);
	if (p->gai_error != 0) {
		p->res = NULL;
		return;
	}
	p->next = p->res;
	start_next(p);
}

void
upstream_abandon(struct upstream_pending *p)
{
	if (!p->begun)
		return;
	if (p->fd >= 0)
		close(p->fd);
	if (p->res != NULL)
		freeaddrinfo(p->res);
	p->fd = -1;
	p->res = p->next = NULL;
	p->begun = 0;
}

int
upstream_finish(struct upstream_pending *p, int timeout_s, char *err,
                size_t errlen)
{
	char name[CONFIG_HOST_MAX + 16];
	int fd = -1;

	while (p->fd >= 0) {
		if (connect_wait(p->fd, p->deadline) == 0) {
			fd = p->fd;
			p->fd = -1;
			break;
		}
		p->start_errno = errno;
		close(p->fd);
		p->fd = -1;
		p->deadline = io_deadline_in(timeout_s);
		start_next(p);
	}
	if (p->addr->kind == ADDR_UNIX)
		fmt_format(name, sizeof(name), "%s", p->addr->path);
	else
		config_format_addr(p->addr, name, sizeof(name));
	if (p->gai_error != 0)
		fmt_format(err, errlen, "cannot resolve upstream %s: %s", name,
		           gai_strerror(p->gai_error));
	else if (fd < 0)
		fmt_format(err, errlen, "cannot connect to upstream %s: %s",
		           name, strerror(p->start_errno));
	upstream_abandon(p);
	if (fd >= 0 && p->addr->kind != ADDR_UNIX)
		upstream_nodelay(fd);
	return fd;
}

int
upstream_connect(const struct addr *addr, int timeout_s, char *err,
                 size_t errlen)
{
	struct upstream_pending p;

	upstream_begin(addr, timeout_s, &p);
	return upstream_finish(&p, timeout_s, err, errlen);
}

/* see listener.h */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcodes.h"
#include "gate.h"
#include "io.h"
#include "log.h"
#include "reload.h"
#include "session.h"
#include "tls.h"
#include "x509/scratch.h"

/* Signals reach the poll loop through a pipe (no race with poll()). */
static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t stopping, hangups;

static void
on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig == SIGTERM || sig == SIGINT)
		stopping = 1;
	if (sig == SIGHUP)
		hangups = 1;
	(void)!write(wake_pipe[1], &c, 1);
	errno = saved;
}

int
listener_open(const struct addr *a)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(a->host, a->port, &hints, &res);
	if (rc != 0) {
		log_msg(LOG_ERR, "cannot resolve listen address %s: %s",
		        a->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		                 sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 128) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		log_msg(LOG_ERR, "cannot listen on %s:%s: %s", a->host, a->port,
		        strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/*
 * Past --max-connections a client still gets PostgreSQL's answer at
 * saturation, FATAL 53300 after the negotiation and the handshake, from
 * at most this many extra processes at once (each bounded by the
 * handshake deadline); beyond them the connection is just closed, which
 * costs nothing.
 */
#define LISTENER_REFUSERS 8
static pid_t refusers[LISTENER_REFUSERS];
static int refusing;

/* Remember a refusing child, or forget one that ended: 1 if it was one. */
static int
refuser_slot(pid_t pid, pid_t set)
{
	for (int i = 0; i < LISTENER_REFUSERS; i++) {
		if (refusers[i] == pid) {
			refusers[i] = set;
			return 1;
		}
	}
	return 0;
}

/* Reap ended children; returns how many of them were sessions. */
static int
reap(void)
{
	pid_t pid;
	int n = 0;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		if (refuser_slot(pid, 0))
			refusing--;
		else
			n++;
	}
	return n;
}

/* The refusal line, at most once a second, with what it stands for. */
static void
note_refusal(int active, const char *how)
{
	static struct log_limit limit;
	unsigned n = log_limit_due(&limit, io_now_ms());

	if (n == 0)
		return;
	log_msg(LOG_WARNING,
	        "refusing connections: %d sessions already "
	        "(--max-connections); %u refused since the last such line, "
	        "the last one %s",
	        active, n, how);
}

static void
child(const struct config *cfg, const struct credentials *cr,
      struct credentials *unused, int lfd, int conn,
      const struct sockaddr_storage *from, socklen_t from_len, int busy)
{
	struct peer peer;
	int status;

	/* The reload's mapping, when this session does not use it: not
	 * charged to the session (strict overcommit), no copy of its keys. */
	if (unused != NULL)
		scratch_unmap(unused, sizeof(*unused));
	close(lfd);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN); /* a reload's signal is not for sessions */
	signal(SIGCHLD, SIG_DFL);
	/* accept()'s address: a client that resets at once is named too. */
	peer_from_sockaddr(&peer, (const struct sockaddr *)from, from_len);
	status = busy ? session_refuse_busy(cfg, cr, &peer, conn, conn)
	              : session_run(cfg, cr, &peer, conn, conn);
	close(conn);
	_exit(status);
}

/*
 * Load the files again, into the spare credentials: on success they serve
 * the next children and the ones before become the spare (their keys
 * wiped; the children that use them have their own copies). On failure
 * credentials_load() has logged what is wrong, and the files loaded
 * before are still served.
 */
static void
reload(const struct config *cfg, struct credentials **cur,
       struct credentials **spare, struct reload_watch *w, const char *why)
{
	struct credentials *old = *cur;

	/* First: a file that changes during the load is loaded again. */
	reload_watch_take(w);
	credentials_forget(*spare);
	if (credentials_load(*spare, cfg, KEYMATCH_FULL) != 0) {
		credentials_forget(*spare);
		log_msg(LOG_NOTICE,
		        "reload (%s) failed: still serving what was loaded "
		        "before",
		        why);
		return;
	}
	*cur = *spare;
	*spare = old;
	credentials_forget(old);
	log_msg(LOG_NOTICE, "reloaded the certificates, keys and CRLs (%s)",
	        why);
}

int
listener_run(const struct config *cfg, struct credentials *loaded,
             struct credentials *spare, int lfd)
{
	struct sigaction sa;
	int active = 0, status = EXIT_SESSION_OK;
	struct credentials *cr = loaded, *const mapped = spare;
	static struct reload_watch files;

	tls_probe_cpu();
	gate_share_limit(cfg);
	if (pipe(wake_pipe) != 0) {
		log_msg(LOG_ERR, "pipe: %s", strerror(errno));
		return EXIT_OSERR;
	}
	fcntl(wake_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(wake_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	/* SIGHUP reloads; its default action would end the listener and
	 * close the port under live sessions. */
	sigaction(SIGHUP, &sa, NULL);
	reload_watch_init(&files, cfg);
	log_msg(LOG_INFO, "listening on %s:%s", cfg->listen.host,
	        cfg->listen.port);

	while (!stopping) {
		struct pollfd p[2] = {{.fd = lfd, .events = POLLIN},
		                      {.fd = wake_pipe[0], .events = POLLIN}};
		char drain[64];
		struct sockaddr_storage from;
		socklen_t from_len;
		int conn, busy;
		pid_t pid;

		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			log_msg(LOG_ERR, "poll: %s", strerror(errno));
			status = EXIT_OSERR;
			break;
		}
		while (read(wake_pipe[0], drain, sizeof(drain)) > 0)
			;
		if (hangups > 0) {
			hangups = 0;
			reload(cfg, &cr, &spare, &files, "SIGHUP");
		}
		active -= reap();
		if (stopping || !(p[0].revents & POLLIN))
			continue;
		/* Before the next child: files replaced since the last look. */
		if (reload_watch_changed(&files, io_now_ms()))
			reload(cfg, &cr, &spare, &files, "a file changed");
		from_len = sizeof(from);
		conn = accept(lfd, (struct sockaddr *)&from, &from_len);
		if (conn < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors: back off instead of
				 * spinning on a listener that stays ready. */
				log_msg(LOG_ERR, "accept: %s", strerror(errno));
				(void)poll(NULL, 0, 100);
			}
			continue;
		}
		busy = active >= cfg->max_connections;
		if (busy && refusing >= LISTENER_REFUSERS) {
			note_refusal(active, "closed at once");
			close(conn);
			continue;
		}
		if (busy)
			note_refusal(active, "told \"too many clients\"");
		pid = fork();
		if (pid == 0)
			child(cfg, cr, cr == mapped ? NULL : mapped, lfd, conn,
			      &from, from_len, busy);
		if (pid < 0)
			log_msg(LOG_ERR, "fork: %s", strerror(errno));
		else if (busy && refuser_slot(0, pid))
			refusing++;
		else
			active++;
		close(conn);
	}
	close(lfd);
	log_msg(LOG_INFO, "stopping: waiting for %d session(s)", active);
	active += refusing;
	while (active > 0) {
		if (waitpid(-1, NULL, 0) > 0)
			active--;
		else if (errno != EINTR)
			break;
	}
	return status;
}

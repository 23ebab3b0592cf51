/*
 * pgstunnel: a TLS terminator for PostgreSQL, one process per connection.
 *
 * The only place that decides the sequence: configuration, credentials
 * (everything loaded before the first client byte), where the connection
 * comes from, then one session (inetd, systemd, socat), or bind and the
 * --listen loop. See README.md, "How it works".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkreport.h"
#include "config.h"
#include "credentials.h"
#include "exitcodes.h"
#include "fmt.h"
#include "listener.h"
#include "log.h"
#include "privdrop.h"
#include "sandbox.h"
#include "session.h"
#include "x509/keys.h"
#include "x509/readfile.h"
#include "x509/scratch.h"

/* Loaded once; the TLS engines point into these for the process's life.
 * Each starts a page, so that what every process writes of them (the
 * configuration's first page, the credentials' counts and first pair)
 * shares no page with the other's untouched rest. */
static _Alignas(4096) struct config cfg;
static _Alignas(4096) struct credentials credentials;

/* sd_listen_fds(3): fd 3, only when LISTEN_PID names this process. */
static int
systemd_fd(void)
{
	const char *fds = getenv("LISTEN_FDS");
	const char *pid = getenv("LISTEN_PID");

	if (fds == NULL || pid == NULL || strcmp(fds, "1") != 0)
		return -1;
	if (strtol(pid, NULL, 10) != (long)getpid())
		return -1;
	return 3;
}

/* The --config file's text is mapped only while it is parsed: its
 * strings are copied (config.h), and a process without one reserves
 * nothing for it. */
static int
read_config(const char *path, char *err, size_t errlen)
{
	char *text = scratch_map(CONFIG_FILE_MAX);
	size_t len;
	int st, rc = -1;

	if (text == NULL) {
		fmt_format(err, errlen, "cannot read configuration file %s: %s",
		           path, strerror(errno));
		return -1;
	}
	st = readfile(path, (uint8_t *)text, CONFIG_FILE_MAX, &len, NULL, NULL);
	if (st != KEYS_OK)
		fmt_format(
		    err, errlen, "cannot read configuration file %s: %s", path,
		    st == KEYS_ERR_IO ? strerror(errno) : keys_strerror(st));
	else
		rc = config_parse_text(&cfg, text, len, path, err, errlen);
	scratch_unmap(text, CONFIG_FILE_MAX);
	return rc;
}

/*
 * --listen: the next load of the files, when they change (listener.c),
 * goes into a second struct credentials, mapped for a listener only (a
 * process started per connection never reloads).
 */
static int
run_listener(int lfd)
{
	struct credentials *spare = scratch_map(sizeof(*spare));

	if (spare == NULL) {
		log_msg(LOG_ERR, "cannot map %zu KiB for reloading: %s",
		        sizeof(*spare) / 1024, strerror(errno));
		return EXIT_OSERR;
	}
	return listener_run(&cfg, &credentials, spare, lfd);
}

int
main(int argc, char **argv)
{
	char err[CONFIG_ERR_MAX + 64];
	const char *file;
	struct privdrop privdrop; /* here: in .bss, a page of its own */
	int conn_fds[3] = {STDIN_FILENO, STDOUT_FILENO, -1};
	int sd = systemd_fd(), lfd = -1, rc;

	/* A peer that goes away must be an error return, not a death. */
	signal(SIGPIPE, SIG_IGN);
	if (sd >= 0)
		conn_fds[2] = sd;
	/* Until the configuration says otherwise, errors go to stderr,
	 * unless stderr is the client connection (inetd). */
	log_init(LOG_SINK_STDERR, conn_fds, sd >= 0 ? 3 : 2);

	config_defaults(&cfg);
	file = config_find_file(argc, argv);
	if (file != NULL && read_config(file, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s", err);
		return EXIT_USAGE;
	}
	if (config_parse_args(&cfg, argc, argv, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s (see --help)", err);
		return EXIT_USAGE;
	}
	if (cfg.help) {
		config_print_usage(stdout);
		return EXIT_SESSION_OK;
	}
	if (cfg.version) {
		fmt_print(stdout, "pgstunnel %s (BearSSL, TLS 1.2)\n",
		          PGSTUNNEL_VERSION);
		return EXIT_SESSION_OK;
	}
	if (config_check(&cfg, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s (see --help)", err);
		return EXIT_USAGE;
	}
	/* A kernel that cannot filter is found before any client is. */
	if (cfg.sandbox && sandbox_probe(err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s", err);
		return EXIT_USAGE;
	}
	if (privdrop_prepare(&privdrop, cfg.user, cfg.group, cfg.chroot_dir,
	                     err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s", err);
		return EXIT_USAGE;
	}
	if (cfg.check)
		return checkreport_run(&cfg, &credentials, (int64_t)time(NULL),
		                       stdout);
	/* A process started per connection checks each key against its
	 * certificate without a private-key operation; the --listen parent,
	 * which loads once for all its children, checks fully. */
	if ((rc = credentials_load(&credentials, &cfg,
	                           cfg.listen.kind != ADDR_NONE
	                               ? KEYMATCH_FULL
	                               : KEYMATCH_PUBLIC)) != 0)
		return rc;
	log_init(cfg.log == LOG_CHOICE_STDERR ? LOG_SINK_STDERR
	                                      : LOG_SINK_SYSLOG,
	         conn_fds, sd >= 0 ? 3 : 2);
	if (cfg.listen.kind != ADDR_NONE &&
	    (lfd = listener_open(&cfg.listen)) < 0)
		return EXIT_OSERR;
	/* Loaded and bound: give up the rest before the first client byte
	 * (the --listen parent too: its children inherit it). */
	if (privdrop_apply(&privdrop, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s", err);
		return EXIT_OSERR;
	}
	if (lfd >= 0)
		return run_listener(lfd);
	if (sd >= 0)
		return session_run(&cfg, &credentials, NULL, sd, sd);
	return session_run(&cfg, &credentials, NULL, STDIN_FILENO,
	                   STDOUT_FILENO);
}

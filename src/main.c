/*
 * pgstunnel: a TLS terminator for PostgreSQL, one process per connection.
 *
 * The only place that decides the sequence: configuration, keys, where
 * the connection comes from, then one session (inetd, systemd, socat) or
 * the --listen loop. See README.md, "How it works".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "crl.h"
#include "exitcodes.h"
#include "keys.h"
#include "listener.h"
#include "log.h"
#include "scratch.h"
#include "session.h"

/* Loaded once; the TLS engines point into these for the process's life. */
static struct config cfg;
/*
 * The server key and chain, together from a page boundary: a process
 * started per connection loads them itself, and a short chain after the
 * key keeps that to one private page.
 */
static _Alignas(4096) struct {
	struct keys_private key;
	struct keys_chain chain;
} own;
static struct keys_chain upstream_chain;
static struct keys_private upstream_key;
static struct keys_anchors client_ca, upstream_ca;
static char config_text[CONFIG_FILE_MAX];
/* --crl: the store, and the file and one CRL's DER while it is filled.
 * Public data, so nothing is wiped; only the bytes used cost memory. */
static struct crl_store crl;
static _Alignas(SCRATCH_ALIGN) uint8_t crl_pem[CRL_FILE_MAX];
static _Alignas(SCRATCH_ALIGN) uint8_t crl_der[CRL_DER_MAX];

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

static int
read_config(const char *path, char *err, size_t errlen)
{
	size_t len;

	if (keys_read_file(path, (uint8_t *)config_text, sizeof(config_text),
	                   &len) != KEYS_OK) {
		snprintf(err, errlen, "cannot read configuration file %s: %s",
		         path, errno != 0 ? strerror(errno) : "too large");
		return -1;
	}
	return config_parse_text(&cfg, config_text, len, path, err, errlen);
}

static int
load_failed(const char *what, const char *path, int status)
{
	log_msg(LOG_ERR, "%s %s: %s%s%s", what, path, keys_strerror(status),
	        status == KEYS_ERR_IO ? ": " : "",
	        status == KEYS_ERR_IO ? strerror(errno) : "");
	return EXIT_NOINPUT;
}

/* The CRLs of --crl, checked against the --client-ca anchors. */
static int
load_crl(const char *path)
{
	size_t len = 0, which = 0;
	int st;

	if ((st = keys_read_file(path, crl_pem, sizeof(crl_pem), &len)) !=
	    KEYS_OK)
		return load_failed("CRL file", path, st);
	st = crl_store_load_pem(&crl, crl_pem, len, client_ca.ta,
	                        client_ca.count, crl_der, sizeof(crl_der),
	                        &which);
	if (st == CRL_OK)
		return 0;
	if (which > 0)
		log_msg(LOG_ERR, "CRL file %s: CRL number %zu: %s", path, which,
		        crl_strerror(st));
	else
		log_msg(LOG_ERR, "CRL file %s: %s", path, crl_strerror(st));
	return EXIT_NOINPUT;
}

/* Load every certificate and key before the first client byte. */
static int
load_keys(struct session_keys *k)
{
	int st;

	memset(k, 0, sizeof(*k));
	if (cfg.tls) {
		if ((st = keys_chain_load(&own.chain, cfg.cert.item[0])) !=
		    KEYS_OK)
			return load_failed("certificate", cfg.cert.item[0], st);
		if ((st = keys_private_load(&own.key, cfg.key.item[0])) !=
		    KEYS_OK)
			return load_failed("key", cfg.key.item[0], st);
		if ((st = keys_match(&own.chain, &own.key)) != KEYS_OK)
			return load_failed("key", cfg.key.item[0], st);
		k->chain = &own.chain;
		k->key = &own.key;
	}
	if (cfg.client_ca != NULL) {
		if ((st = keys_anchors_load(&client_ca, cfg.client_ca)) !=
		    KEYS_OK)
			return load_failed("client CA", cfg.client_ca, st);
		k->client_ca = &client_ca;
	}
	if (cfg.crl != NULL) {
		if ((st = load_crl(cfg.crl)) != 0)
			return st;
		k->crl = &crl;
	}
	if (cfg.upstream_ca != NULL) {
		if ((st = keys_anchors_load(&upstream_ca, cfg.upstream_ca)) !=
		    KEYS_OK)
			return load_failed("upstream CA", cfg.upstream_ca, st);
		k->upstream_ca = &upstream_ca;
	}
	if (cfg.upstream_cert != NULL) {
		if ((st = keys_chain_load(&upstream_chain,
		                          cfg.upstream_cert)) != KEYS_OK)
			return load_failed("upstream certificate",
			                   cfg.upstream_cert, st);
		if ((st = keys_private_load(&upstream_key, cfg.upstream_key)) !=
		    KEYS_OK)
			return load_failed("upstream key", cfg.upstream_key,
			                   st);
		if ((st = keys_match(&upstream_chain, &upstream_key)) !=
		    KEYS_OK)
			return load_failed("upstream key", cfg.upstream_key,
			                   st);
		k->upstream_chain = &upstream_chain;
		k->upstream_key = &upstream_key;
	}
	/* Loading is over: its buffers' pages go back (scratch.h). Should
	 * that fail, they only stay in memory. */
	(void)keys_release_buffers();
	(void)scratch_release(crl_pem, sizeof(crl_pem));
	(void)scratch_release(crl_der, sizeof(crl_der));
	return 0;
}

int
main(int argc, char **argv)
{
	struct session_keys keys;
	char err[CONFIG_ERR_MAX + 64];
	const char *file;
	int conn_fds[3] = {STDIN_FILENO, STDOUT_FILENO, -1};
	int sd = systemd_fd(), rc;

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
		printf("pgstunnel %s (BearSSL, TLS 1.2)\n", PGSTUNNEL_VERSION);
		return EXIT_SESSION_OK;
	}
	if (config_check(&cfg, err, sizeof(err)) != 0) {
		log_msg(LOG_ERR, "%s (see --help)", err);
		return EXIT_USAGE;
	}
	if ((rc = load_keys(&keys)) != 0)
		return rc;
	log_init(cfg.log == LOG_CHOICE_STDERR ? LOG_SINK_STDERR
	                                      : LOG_SINK_SYSLOG,
	         conn_fds, sd >= 0 ? 3 : 2);
	if (cfg.listen.kind != ADDR_NONE)
		return listener_run(&cfg, &keys);
	if (sd >= 0)
		return session_run(&cfg, &keys, sd, sd);
	return session_run(&cfg, &keys, STDIN_FILENO, STDOUT_FILENO);
}

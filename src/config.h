/*
 * config: the option table, shared by the command line and --config
 * files, plus address parsing and the sanity checks. Pure: strings in, a
 * struct config and an error text out; main does the I/O (the --help
 * text goes to the stream main gives).
 */
#ifndef PGSTUNNEL_CONFIG_H
#define PGSTUNNEL_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "netaddr.h"

#define CONFIG_HOST_MAX     256
#define CONFIG_DNS_NAME_MAX 253 /* what TLS sends and checks as a name */
#define CONFIG_PORT_MAX     8
#define CONFIG_PATH_MAX     108 /* sun_path */
#define CONFIG_ERR_MAX      256
#define CONFIG_POOL_SIZE    8192 /* bytes for strings from a --config file */
#define CONFIG_FILE_MAX     65536
#define CONFIG_LIST_MAX     8  /* values of one list option (--cert, --key) */
#define CONFIG_OPTIONS      38 /* rows of the option table in config.c */

enum addr_kind { ADDR_NONE, ADDR_TCP, ADDR_UNIX };

struct addr {
	enum addr_kind kind;
	char host[CONFIG_HOST_MAX]; /* without the IPv6 brackets */
	char port[CONFIG_PORT_MAX];
	char path[CONFIG_PATH_MAX];
};

/* libpq's sslmode words, for the upstream side. */
enum upstream_tls {
	UPSTREAM_TLS_DISABLE,
	UPSTREAM_TLS_PREFER,
	UPSTREAM_TLS_REQUIRE,
	UPSTREAM_TLS_VERIFY_CA,
	UPSTREAM_TLS_VERIFY_FULL,
};

enum log_choice { LOG_CHOICE_SYSLOG, LOG_CHOICE_STDERR };

/* --client-user: what of the client certificate names the database user
 * (PostgreSQL's clientname=CN|DN). */
#define CLIENT_USER_OFF 0
#define CLIENT_USER_CN  1
#define CLIENT_USER_DN  2

/* A --route, parsed once by config_check(): the SNI name it follows (a
 * host name, or "*.rest" for one leftmost label) and its upstream. */
struct config_route {
	char name[CONFIG_DNS_NAME_MAX + 1];
	struct addr addr;
};

/* The values of an option that may be given more than once, in order. */
struct config_list {
	const char *item[CONFIG_LIST_MAX];
	size_t count;
};

struct config {
	/* Server chains and their keys, paired in order: cert.item[i]
	 * goes with key.item[i]; the client's SNI chooses (client_tls.c). */
	struct config_list cert;
	struct config_list key;
	struct config_list route; /* "NAME=ADDR": SNI name to upstream */
	const char *client_ca;
	const char *client_crl;   /* with --client-ca: CRLs of those CAs */
	int client_cert_optional; /* --client-cert optional */
	int client_user;          /* CLIENT_USER_*: --client-user */
	const char *client_user_map;
	const char *config_file;
	struct addr upstream;
	struct addr listen;
	int max_connections;
	int connect_timeout;   /* seconds */
	int handshake_timeout; /* seconds */
	int idle_timeout;      /* seconds, 0 = off */
	enum log_choice log;
	int tls;                 /* client side: 1 = TLS (default), 0 = off */
	int plaintext_allow;     /* --plaintext allow */
	int direct_tls;          /* --direct-tls on */
	int direct_without_alpn; /* --direct-tls-without-alpn allow */
	int proxy_protocol; /* PROXYPROTO_V1 | PROXYPROTO_V2 (proxyproto.h);
	                       0: off */
	enum upstream_tls upstream_tls;
	const char *upstream_ca;
	const char *upstream_servername;
	const char *upstream_cert;
	const char *upstream_key;
	int upstream_direct;    /* --upstream-negotiation direct */
	int upstream_early;     /* --upstream-connect during-handshake */
	const char *user;       /* --user: drop to it (privdrop.h) */
	const char *group;      /* --group: default the user's own */
	const char *chroot_dir; /* --chroot */
	int sandbox;            /* --sandbox on: seccomp filter (sandbox.h) */
	int help;
	int version;
	int check;     /* --check: report on the credentials, serve nothing */
	int warn_days; /* --check: exit 2 when one expires within this */
	/* Where each option (by table row) was set, for the repeated-option
	 * errors: its line in the configuration file (0: not there), and
	 * whether the command line gave it. */
	unsigned int file_line[CONFIG_OPTIONS];
	unsigned char cmdline[CONFIG_OPTIONS];
	/* The ranges of --proxy-from (whose PROXY header is believed) and
	 * --allow (empty: every client): read by every session, so with
	 * the fields above, on the first page (2 KiB in all on x86-64). */
	struct netaddr_list proxy_from;
	struct netaddr_list allow;
	/* Storage for strings that come from a configuration file, and
	 * route.item[i] parsed by config_check(): last, so that
	 * config_defaults() need not touch them, nor a session read them
	 * when there are none. */
	size_t pool_used;
	char pool[CONFIG_POOL_SIZE];
	struct config_route routes[CONFIG_LIST_MAX];
};

/* Defaults for every option. */
void config_defaults(struct config *cfg);

/* config_set()'s line for a value from the command line. */
#define CONFIG_CMDLINE 0u

/*
 * Set one option by its long name (without "--"), from a line of a
 * configuration file (counted from 1; the value is copied into the pool)
 * or, with CONFIG_CMDLINE, from the command line (kept by pointer). An option
 * given twice in the file, or twice on the command line, is an error;
 * a list option (--cert, --key) takes up to CONFIG_LIST_MAX values from
 * each, a range list (--allow, --proxy-from) NETADDR_LIST_MAX. The command line
 * wins: its value replaces the file's, and its list the file's whole list, in
 * whichever order the two are read. Returns 0, or -1 with a one-line message in
 * err.
 */
int config_set(struct config *cfg, const char *name, const char *value,
               unsigned int line, char *err, size_t errlen);

/* Whether an option takes no value (--help, --version). */
int config_is_flag(const char *name);

/*
 * Parse the text of a configuration file: "name = value" lines, '#'
 * comments, blank lines. Errors name the file and line. One file per
 * struct config: a second call counts as more lines of the same file.
 */
int config_parse_text(struct config *cfg, const char *text, size_t len,
                      const char *filename, char *err, size_t errlen);

/*
 * Parse argv. The command line wins over --config: main reads the file
 * named by --config first (see config_find_file), then this applies argv.
 */
int config_parse_args(struct config *cfg, int argc, char **argv, char *err,
                      size_t errlen);

/*
 * The value of --config FILE or --config=FILE in argv, or NULL; NULL too
 * when --config is given twice, which config_parse_args() then refuses.
 */
const char *config_find_file(int argc, char **argv);

/* HOST:PORT, [IPv6]:PORT or /absolute/unix/socket. */
int config_parse_addr(const char *text, struct addr *out, char *err,
                      size_t errlen);

/*
 * Cross-option checks after everything is set; and what several options
 * decide together is worked out once here: the --route addresses
 * (cfg->routes).
 */
int config_check(struct config *cfg, char *err, size_t errlen);

/*
 * The upstream of the --route whose NAME is sni (ASCII letters compared
 * without case; a route named exactly wins, then the first route
 * "*.rest" covering one leftmost label, as certificates match), or NULL
 * when no route names it (then --upstream is the one). Looks only at
 * what config_check() parsed.
 */
const struct addr *config_route_for(const struct config *cfg, const char *sni);

/* Print an address as given ("host:port", "[::1]:5432" or the path). */
void config_format_addr(const struct addr *a, char *out, size_t cap);

/*
 * Print the --help text, made from the option table, to out: the one
 * function here that writes anywhere but into its arguments.
 */
void config_print_usage(FILE *out);

#endif

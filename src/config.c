/* see config.h */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char config_usage[] =
    "usage: pgstunnel --cert FILE --key FILE --upstream ADDR [options]\n"
    "\n"
    "A TLS terminator for PostgreSQL, one process per connection (inetd,\n"
    "systemd Accept=yes, socat EXEC:) or standalone with --listen.\n"
    "\n"
    "Client side:\n"
    "  --cert FILE            PEM certificate chain, leaf first\n"
    "  --key FILE             PEM private key (RSA or EC, PKCS#8 or "
    "traditional)\n"
    "  --client-ca FILE       require client certificates signed by these "
    "CAs\n"
    "  --crl FILE             PEM CRLs: refuse revoked client certificates\n"
    "                         (each issuer needs a current CRL)\n"
    "  --tls on|off           off: answer SSLRequest with N, relay "
    "cleartext\n"
    "  --plaintext reject|allow  cleartext StartupMessage (default reject)\n"
    "  --direct-tls on|off    TLS-first connections, PostgreSQL 17 "
    "(default on)\n"
    "  --direct-tls-without-alpn reject|allow  (default reject)\n"
    "Upstream:\n"
    "  --upstream ADDR        HOST:PORT, [IPv6]:PORT or /path/.s.PGSQL.5432\n"
    "  --upstream-tls MODE    disable|prefer|require|verify-ca|verify-full\n"
    "                         (default disable)\n"
    "  --upstream-ca FILE     CA certificates for verify-ca/verify-full\n"
    "  --upstream-servername NAME  name to verify and send as SNI\n"
    "  --upstream-cert FILE   client certificate for the upstream\n"
    "  --upstream-key FILE    its private key\n"
    "  --upstream-negotiation postgres|direct  (default postgres)\n"
    "  --upstream-connect after-startup|during-handshake\n"
    "                         when to connect (default after-startup)\n"
    "Process:\n"
    "  --listen ADDR          standalone: listen on HOST:PORT, fork per "
    "connection\n"
    "  --max-connections N    with --listen (default 64)\n"
    "  --connect-timeout S    upstream connect (default 10)\n"
    "  --handshake-timeout S  connection to end of startup (default 30)\n"
    "  --idle-timeout S       close idle sessions (default 0 = off)\n"
    "  --log syslog|stderr    (default syslog)\n"
    "  --config FILE          \"name = value\" lines; the command line wins\n"
    "  --help, --version\n";

enum opt_kind { OPT_STRING, OPT_ADDR, OPT_INT, OPT_WORD, OPT_FLAG };

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t offset;
	int min, max;      /* OPT_INT */
	const char *words; /* OPT_WORD: "|"-separated, value = index */
};

#define F(field) offsetof(struct config, field)

static const struct opt opts[] = {
    {"cert", OPT_STRING, F(cert), 0, 0, NULL},
    {"key", OPT_STRING, F(key), 0, 0, NULL},
    {"client-ca", OPT_STRING, F(client_ca), 0, 0, NULL},
    {"crl", OPT_STRING, F(crl), 0, 0, NULL},
    {"config", OPT_STRING, F(config_file), 0, 0, NULL},
    {"upstream", OPT_ADDR, F(upstream), 0, 0, NULL},
    {"listen", OPT_ADDR, F(listen), 0, 0, NULL},
    {"max-connections", OPT_INT, F(max_connections), 1, 100000, NULL},
    {"connect-timeout", OPT_INT, F(connect_timeout), 1, 3600, NULL},
    {"handshake-timeout", OPT_INT, F(handshake_timeout), 1, 3600, NULL},
    {"idle-timeout", OPT_INT, F(idle_timeout), 0, 604800, NULL},
    {"log", OPT_WORD, F(log), 0, 0, "syslog|stderr"},
    {"tls", OPT_WORD, F(tls), 0, 0, "off|on"},
    {"plaintext", OPT_WORD, F(plaintext_allow), 0, 0, "reject|allow"},
    {"direct-tls", OPT_WORD, F(direct_tls), 0, 0, "off|on"},
    {"direct-tls-without-alpn", OPT_WORD, F(direct_without_alpn), 0, 0,
     "reject|allow"},
    {"upstream-tls", OPT_WORD, F(upstream_tls), 0, 0,
     "disable|prefer|require|verify-ca|verify-full"},
    {"upstream-ca", OPT_STRING, F(upstream_ca), 0, 0, NULL},
    {"upstream-servername", OPT_STRING, F(upstream_servername), 0, 0, NULL},
    {"upstream-cert", OPT_STRING, F(upstream_cert), 0, 0, NULL},
    {"upstream-key", OPT_STRING, F(upstream_key), 0, 0, NULL},
    {"upstream-negotiation", OPT_WORD, F(upstream_direct), 0, 0,
     "postgres|direct"},
    {"upstream-connect", OPT_WORD, F(upstream_early), 0, 0,
     "after-startup|during-handshake"},
    {"help", OPT_FLAG, F(help), 0, 0, NULL},
    {"version", OPT_FLAG, F(version), 0, 0, NULL},
};

void
config_defaults(struct config *cfg)
{
	/* Everything but the pool: its pages stay untouched until used. */
	memset(cfg, 0, offsetof(struct config, pool));
	cfg->max_connections = 64;
	cfg->connect_timeout = 10;
	cfg->handshake_timeout = 30;
	cfg->idle_timeout = 0;
	cfg->log = LOG_CHOICE_SYSLOG;
	cfg->tls = 1;
	cfg->direct_tls = 1;
	cfg->upstream_tls = UPSTREAM_TLS_DISABLE;
}

static const struct opt *
find_opt(const char *name)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	}
	return NULL;
}

int
config_is_flag(const char *name)
{
	const struct opt *o = find_opt(name);

	return o != NULL && o->kind == OPT_FLAG;
}

/* Index of value in a "a|b|c" list, or -1. */
static int
word_index(const char *words, const char *value)
{
	size_t vlen = strlen(value);
	int index = 0;

	for (const char *p = words;; index++) {
		const char *bar = strchr(p, '|');
		size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);

		if (n == vlen && strncmp(p, value, n) == 0)
			return index;
		if (bar == NULL)
			return -1;
		p = bar + 1;
	}
}

static int
parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static const char *
pool_copy(struct config *cfg, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (n > sizeof(cfg->pool) - cfg->pool_used)
		return NULL;
	p = cfg->pool + cfg->pool_used;
	memcpy(p, s, n);
	cfg->pool_used += n;
	return p;
}

int
config_set(struct config *cfg, const char *name, const char *value, int copy,
           char *err, size_t errlen)
{
	const struct opt *o = find_opt(name);
	char *field;
	int n;

	if (o == NULL) {
		snprintf(err, errlen, "unknown option '%.64s'", name);
		return -1;
	}
	field = (char *)cfg + o->offset;
	if (o->kind == OPT_FLAG) {
		*(int *)(void *)field = 1;
		return 0;
	}
	if (value == NULL || value[0] == '\0') {
		snprintf(err, errlen, "option '%s' needs a value", name);
		return -1;
	}
	switch (o->kind) {
	case OPT_STRING:
		if (copy && (value = pool_copy(cfg, value)) == NULL) {
			snprintf(err, errlen, "too much configuration text");
			return -1;
		}
		*(const char **)(void *)field = value;
		return 0;
	case OPT_ADDR: {
		char why[CONFIG_ERR_MAX];

		if (config_parse_addr(value, (struct addr *)(void *)field, why,
		                      sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", name, why);
			return -1;
		}
		return 0;
	}
	case OPT_INT:
		if (parse_int(value, o->min, o->max, &n) != 0) {
			snprintf(
			    err, errlen,
			    "%s: '%.32s' is not a whole number from %d to %d",
			    name, value, o->min, o->max);
			return -1;
		}
		*(int *)(void *)field = n;
		return 0;
	case OPT_WORD:
		n = word_index(o->words, value);
		if (n < 0) {
			snprintf(err, errlen, "%s: '%.32s' is not one of %s",
			         name, value, o->words);
			return -1;
		}
		*(int *)(void *)field = n;
		return 0;
	case OPT_FLAG:
		break;
	}
	return 0;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int
config_parse_text(struct config *cfg, const char *text, size_t len,
                  const char *filename, char *err, size_t errlen)
{
	char line[1024], why[CONFIG_ERR_MAX];
	size_t pos = 0;
	int lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		char *name, *value, *eq, *end;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%d: line too long", filename,
			         lineno);
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte in line",
			         filename, lineno);
			return -1;
		}
		/* A '#' starts a comment only at the start of a line, so
		 * that values (paths) may contain one. */
		name = line;
		while (is_space(*name))
			name++;
		if (*name == '\0' || *name == '#')
			continue;
		eq = strchr(name, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'name = value'",
			         filename, lineno);
			return -1;
		}
		end = eq;
		while (end > name && is_space(end[-1]))
			end--;
		*end = '\0';
		value = eq + 1;
		while (is_space(*value))
			value++;
		end = value + strlen(value);
		while (end > value && is_space(end[-1]))
			end--;
		*end = '\0';
		if (strcmp(name, "config") == 0 || config_is_flag(name)) {
			snprintf(err, errlen,
			         "%s:%d: '%s' cannot be set in a configuration "
			         "file",
			         filename, lineno, name);
			return -1;
		}
		if (config_set(cfg, name, value, 1, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", filename, lineno,
			         why);
			return -1;
		}
	}
	return 0;
}

/* Split "--name=value" / "--name value"; returns argv index consumed. */
int
config_parse_args(struct config *cfg, int argc, char **argv, char *err,
                  size_t errlen)
{
	char name[64];

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = NULL, *eq;
		size_t n;

		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			snprintf(err, errlen, "unexpected argument '%.64s'",
			         arg);
			return -1;
		}
		arg += 2;
		eq = strchr(arg, '=');
		n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		if (n >= sizeof(name)) {
			snprintf(err, errlen, "unknown option '--%s'", arg);
			return -1;
		}
		memcpy(name, arg, n);
		name[n] = '\0';
		if (find_opt(name) == NULL) {
			snprintf(err, errlen, "unknown option '--%s'", name);
			return -1;
		}
		if (config_is_flag(name)) {
			if (eq != NULL) {
				snprintf(err, errlen,
				         "option '--%s' takes no value", name);
				return -1;
			}
		} else if (eq != NULL) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		}
		if (config_set(cfg, name, value, 0, err, errlen) != 0)
			return -1;
	}
	return 0;
}

const char *
config_find_file(int argc, char **argv)
{
	const char *file = NULL;

	/* The last one wins, as in config_parse_args. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			file = argv[i] + 9;
	}
	return file != NULL && file[0] != '\0' ? file : NULL;
}

static int
copy_str(char *dst, size_t cap, const char *src, size_t n)
{
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int
config_parse_addr(const char *text, struct addr *out, char *err, size_t errlen)
{
	const char *port, *host = text;
	size_t hostlen;
	int portnum;

	memset(out, 0, sizeof(*out));
	if (text[0] == '/') {
		if (copy_str(out->path, sizeof(out->path), text,
		             strlen(text)) != 0) {
			snprintf(err, errlen, "Unix socket path too long");
			return -1;
		}
		out->kind = ADDR_UNIX;
		return 0;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "'%.64s': expected [IPv6]:PORT",
			         text);
			return -1;
		}
		host = text + 1;
		hostlen = (size_t)(close - host);
		port = close + 2;
	} else {
		const char *colon = strrchr(text, ':');

		if (colon == NULL || strchr(text, ':') != colon) {
			snprintf(
			    err, errlen,
			    "'%.64s': expected HOST:PORT, [IPv6]:PORT or an "
			    "absolute socket path",
			    text);
			return -1;
		}
		hostlen = (size_t)(colon - text);
		port = colon + 1;
	}
	if (copy_str(out->host, sizeof(out->host), host, hostlen) != 0) {
		snprintf(err, errlen, "'%.64s': empty or too long host", text);
		return -1;
	}
	if (parse_int(port, 1, 65535, &portnum) != 0) {
		snprintf(err, errlen, "'%.64s': port must be 1 to 65535", text);
		return -1;
	}
	snprintf(out->port, sizeof(out->port), "%d", portnum);
	out->kind = ADDR_TCP;
	return 0;
}

void
config_format_addr(const struct addr *a, char *out, size_t cap)
{
	if (a->kind == ADDR_UNIX)
		snprintf(out, cap, "%s", a->path);
	else if (strchr(a->host, ':') != NULL)
		snprintf(out, cap, "[%s]:%s", a->host, a->port);
	else
		snprintf(out, cap, "%s:%s", a->host, a->port);
}

int
config_check(const struct config *cfg, char *err, size_t errlen)
{
	int upstream_tls = cfg->upstream_tls != UPSTREAM_TLS_DISABLE;
	int verify = cfg->upstream_tls == UPSTREAM_TLS_VERIFY_CA ||
	             cfg->upstream_tls == UPSTREAM_TLS_VERIFY_FULL;

	if (cfg->upstream.kind == ADDR_NONE) {
		snprintf(err, errlen, "--upstream is required");
		return -1;
	}
	if (cfg->tls && (cfg->cert == NULL || cfg->key == NULL)) {
		snprintf(err, errlen,
		         "--cert and --key are required (or --tls off)");
		return -1;
	}
	if (!cfg->tls && cfg->client_ca != NULL) {
		snprintf(err, errlen, "--client-ca needs --tls on");
		return -1;
	}
	if (cfg->crl != NULL && cfg->client_ca == NULL) {
		snprintf(err, errlen, "--crl needs --client-ca");
		return -1;
	}
	if (cfg->listen.kind == ADDR_UNIX) {
		snprintf(err, errlen, "--listen takes HOST:PORT");
		return -1;
	}
	if (verify && cfg->upstream_ca == NULL) {
		snprintf(err, errlen,
		         "--upstream-tls verify-ca and verify-full need "
		         "--upstream-ca");
		return -1;
	}
	if (!verify && cfg->upstream_ca != NULL) {
		snprintf(err, errlen,
		         "--upstream-ca needs --upstream-tls verify-ca or "
		         "verify-full");
		return -1;
	}
	if ((cfg->upstream_cert != NULL) != (cfg->upstream_key != NULL)) {
		snprintf(err, errlen,
		         "--upstream-cert and --upstream-key go together");
		return -1;
	}
	if (!upstream_tls &&
	    (cfg->upstream_cert != NULL || cfg->upstream_servername != NULL ||
	     cfg->upstream_direct)) {
		snprintf(err, errlen,
		         "--upstream-cert, --upstream-servername and "
		         "--upstream-negotiation need --upstream-tls");
		return -1;
	}
	if (cfg->upstream_direct && cfg->upstream_tls == UPSTREAM_TLS_PREFER) {
		snprintf(err, errlen,
		         "--upstream-negotiation direct needs --upstream-tls "
		         "require, verify-ca or verify-full");
		return -1;
	}
	if (cfg->upstream_tls == UPSTREAM_TLS_VERIFY_FULL &&
	    cfg->upstream.kind == ADDR_UNIX &&
	    cfg->upstream_servername == NULL) {
		snprintf(err, errlen,
		         "--upstream-tls verify-full over a Unix socket needs "
		         "--upstream-servername");
		return -1;
	}
	return 0;
}

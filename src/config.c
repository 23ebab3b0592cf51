/* see config.h */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fmt.h"
#include "netaddr.h"
#include "proxyproto.h"
#include "sandbox.h"
#include "x509/hostname.h"

/*
 * The option table. Each row says how the value is parsed (kind), where
 * it goes and as what C type (FIELD), and how --help shows it. Word
 * options list their words with the value each one stands for.
 */

enum opt_kind {
	OPT_STRING, /* const char * */
	OPT_LIST,   /* struct config_list: may be given more than once */
	OPT_ADDR,   /* struct addr, by config_parse_addr() */
	OPT_INT,    /* int from min to max */
	OPT_WORD,   /* one of words[], stored as its value */
	OPT_FLAG,   /* no value: sets an int to 1 */
	OPT_CIDR,   /* struct netaddr_list: a range, may be given more than once
	             */
};

/* The C type of a field, so that a value is stored as what it is. */
enum field_type {
	FT_STRING,
	FT_LIST,
	FT_ADDR,
	FT_INT,
	FT_LOG,
	FT_UPSTREAM_TLS,
	FT_CIDRS,
};

/* The field's offset and type; a field of another type does not compile. */
#define FIELD(f)                                                               \
	.offset = offsetof(struct config, f),                                  \
	.type = _Generic(((struct config *)0)->f,                              \
	                 const char *: FT_STRING,                              \
	                 struct config_list: FT_LIST,                          \
	                 struct addr: FT_ADDR,                                 \
	                 int: FT_INT,                                          \
	                 enum log_choice: FT_LOG,                              \
	                 enum upstream_tls: FT_UPSTREAM_TLS,                   \
	                 struct netaddr_list: FT_CIDRS)

struct config_word {
	const char *word;
	int value;
};

#define WORDS(w) .words = (w), .nwords = sizeof(w) / sizeof((w)[0])

/* In the order --help and the error messages list them. */
static const struct config_word on_off_words[] = {{"on", 1}, {"off", 0}};
static const struct config_word reject_allow_words[] = {{"reject", 0},
                                                        {"allow", 1}};
static const struct config_word log_words[] = {
    {"syslog", LOG_CHOICE_SYSLOG},
    {"stderr", LOG_CHOICE_STDERR},
};
static const struct config_word upstream_tls_words[] = {
    {"disable", UPSTREAM_TLS_DISABLE},
    {"prefer", UPSTREAM_TLS_PREFER},
    {"require", UPSTREAM_TLS_REQUIRE},
    {"verify-ca", UPSTREAM_TLS_VERIFY_CA},
    {"verify-full", UPSTREAM_TLS_VERIFY_FULL},
};
static const struct config_word negotiation_words[] = {{"postgres", 0},
                                                       {"direct", 1}};
static const struct config_word proxy_words[] = {
    {"off", 0},
    {"v1", PROXYPROTO_V1},
    {"v2", PROXYPROTO_V2},
    {"any", PROXYPROTO_V1 | PROXYPROTO_V2},
};
static const struct config_word connect_words[] = {{"after-startup", 0},
                                                   {"during-handshake", 1}};
static const struct config_word client_cert_words[] = {{"required", 0},
                                                       {"optional", 1}};
static const struct config_word client_user_words[] = {
    {"off", CLIENT_USER_OFF},
    {"cn", CLIENT_USER_CN},
    {"dn", CLIENT_USER_DN},
};

enum section { SEC_CLIENT, SEC_UPSTREAM, SEC_PROCESS };

static const char *const section_heading[] = {
    [SEC_CLIENT] = "Client side:",
    [SEC_UPSTREAM] = "Upstream:",
    [SEC_PROCESS] = "Process:",
};

struct opt {
	const char *name;
	enum opt_kind kind;
	enum section section; /* --help */
	enum field_type type; /* with offset, from FIELD() */
	int min, max;         /* OPT_INT: the rows give them after FIELD() */
	size_t offset;
	const struct config_word *words; /* OPT_WORD */
	size_t nwords;
	/* --help: the argument's name (word options show their words) and
	 * the text, whose further lines are indented. */
	const char *arg;
	const char *help;
};

/* In --help order. */
static const struct opt opts[] = {
    {"cert", OPT_LIST, FIELD(cert), .section = SEC_CLIENT, .arg = "FILE",
     .help = "PEM certificate chain, leaf first"},
    {"key", OPT_LIST, FIELD(key), .section = SEC_CLIENT, .arg = "FILE",
     .help = "PEM private key (RSA or EC, PKCS#8 or traditional)"},
    {"client-ca", OPT_STRING, FIELD(client_ca), .section = SEC_CLIENT,
     .arg = "FILE", .help = "require client certificates signed by these CAs"},
    {"client-cert", OPT_WORD, FIELD(client_cert_optional),
     WORDS(client_cert_words), .section = SEC_CLIENT,
     .help = "with --client-ca (default required); optional:\n"
             "a client without one is served"},
    {"client-crl", OPT_STRING, FIELD(client_crl), .section = SEC_CLIENT,
     .arg = "FILE",
     .help = "CRLs (PEM or DER): refuse revoked client\n"
             "certificates (each issuer needs a current CRL)"},
    {"client-user", OPT_WORD, FIELD(client_user), WORDS(client_user_words),
     .section = SEC_CLIENT,
     .help = "the startup user must be the certificate's\n"
             "CN or RFC 2253 DN (default off)"},
    {"client-user-map", OPT_STRING, FIELD(client_user_map),
     .section = SEC_CLIENT, .arg = "FILE",
     .help = "\"certificate-name database-user\" lines"},
    {"tls", OPT_WORD, FIELD(tls), WORDS(on_off_words), .section = SEC_CLIENT,
     .help = "off: answer SSLRequest with N, relay cleartext"},
    {"plaintext", OPT_WORD, FIELD(plaintext_allow), WORDS(reject_allow_words),
     .section = SEC_CLIENT,
     .help = "cleartext StartupMessage (default reject)"},
    {"direct-tls", OPT_WORD, FIELD(direct_tls), WORDS(on_off_words),
     .section = SEC_CLIENT,
     .help = "TLS-first connections, PostgreSQL 17 (default on)"},
    {"direct-tls-without-alpn", OPT_WORD, FIELD(direct_without_alpn),
     WORDS(reject_allow_words), .section = SEC_CLIENT,
     .help = "(default reject)"},
    {"proxy-protocol", OPT_WORD, FIELD(proxy_protocol), WORDS(proxy_words),
     .section = SEC_CLIENT,
     .help = "PROXY header from a load balancer first (default off)"},
    {"proxy-from", OPT_CIDR, FIELD(proxy_from), .section = SEC_CLIENT,
     .arg = "CIDR",
     .help = "the balancers whose header is believed (repeat;\n"
             "required with --proxy-protocol)"},
    {"allow", OPT_CIDR, FIELD(allow), .section = SEC_CLIENT, .arg = "CIDR",
     .help = "only clients from these networks, checked before\n"
             "any byte is answered (repeat; default all)"},

    {"upstream", OPT_ADDR, FIELD(upstream), .section = SEC_UPSTREAM,
     .arg = "ADDR", .help = "HOST:PORT, [IPv6]:PORT or /path/.s.PGSQL.5432"},
    {"route", OPT_LIST, FIELD(route), .section = SEC_UPSTREAM,
     .arg = "NAME=ADDR",
     .help = "clients whose SNI is NAME go to ADDR\n"
             "(NAME may be *.DOMAIN; others to --upstream)"},
    {"upstream-tls", OPT_WORD, FIELD(upstream_tls), WORDS(upstream_tls_words),
     .section = SEC_UPSTREAM, .help = "(default disable)"},
    {"upstream-ca", OPT_STRING, FIELD(upstream_ca), .section = SEC_UPSTREAM,
     .arg = "FILE", .help = "CA certificates for verify-ca/verify-full"},
    {"upstream-servername", OPT_STRING, FIELD(upstream_servername),
     .section = SEC_UPSTREAM, .arg = "NAME",
     .help = "name to verify and send as SNI"},
    {"upstream-cert", OPT_STRING, FIELD(upstream_cert), .section = SEC_UPSTREAM,
     .arg = "FILE", .help = "client certificate for the upstream"},
    {"upstream-key", OPT_STRING, FIELD(upstream_key), .section = SEC_UPSTREAM,
     .arg = "FILE", .help = "its private key"},
    {"upstream-negotiation", OPT_WORD, FIELD(upstream_direct),
     WORDS(negotiation_words), .section = SEC_UPSTREAM,
     .help = "(default postgres)"},
    {"upstream-connect", OPT_WORD, FIELD(upstream_early), WORDS(connect_words),
     .section = SEC_UPSTREAM,
     .help = "when to connect (default after-startup)"},

    {"listen", OPT_ADDR, FIELD(listen), .section = SEC_PROCESS, .arg = "ADDR",
     .help = "standalone: listen on HOST:PORT, fork per connection"},
    {"max-connections", OPT_INT, FIELD(max_connections), 1, 100000,
     .section = SEC_PROCESS, .arg = "N", .help = "with --listen (default 64)"},
    {"connect-timeout", OPT_INT, FIELD(connect_timeout), 1, 3600,
     .section = SEC_PROCESS, .arg = "S",
     .help = "upstream connect (default 10)"},
    {"handshake-timeout", OPT_INT, FIELD(handshake_timeout), 1, 3600,
     .section = SEC_PROCESS, .arg = "S",
     .help = "connection to end of startup (default 30)"},
    {"idle-timeout", OPT_INT, FIELD(idle_timeout), 0, 604800,
     .section = SEC_PROCESS, .arg = "S",
     .help = "close idle sessions (default 0 = off)"},
    {"log", OPT_WORD, FIELD(log), WORDS(log_words), .section = SEC_PROCESS,
     .help = "(default syslog)"},
    {"user", OPT_STRING, FIELD(user), .section = SEC_PROCESS, .arg = "NAME",
     .help = "once loaded and bound, run as this user (name or\n"
             "number); supplementary groups are dropped"},
    {"group", OPT_STRING, FIELD(group), .section = SEC_PROCESS, .arg = "NAME",
     .help = "with --user (default the user's primary group)"},
    {"chroot", OPT_STRING, FIELD(chroot_dir), .section = SEC_PROCESS,
     .arg = "DIR",
     .help = "with --user: chroot there first (a Unix-socket\n"
             "--upstream is then a path inside DIR)"},
    {"sandbox", OPT_WORD, FIELD(sandbox), WORDS(on_off_words),
     .section = SEC_PROCESS,
     .help = "seccomp filter during the relay (default on\n"
             "where supported: Linux)"},
    {"config", OPT_STRING, FIELD(config_file), .section = SEC_PROCESS,
     .arg = "FILE", .help = "\"name = value\" lines; the command line wins"},
    {"check", OPT_FLAG, FIELD(check), .section = SEC_PROCESS,
     .help = "load every certificate, key and CRL as a connection\n"
             "would, report on them and exit (0 fine, 1 error,\n"
             "2 one expires soon); serve nothing"},
    {"warn-days", OPT_INT, FIELD(warn_days), 0, 36500, .section = SEC_PROCESS,
     .arg = "N", .help = "with --check: how soon is soon (default 30)"},
    {"help", OPT_FLAG, FIELD(help), .section = SEC_PROCESS,
     .help = "print this text and exit"},
    {"version", OPT_FLAG, FIELD(version), .section = SEC_PROCESS,
     .help = "print the version and exit"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

_Static_assert(NOPTS == CONFIG_OPTIONS, "CONFIG_OPTIONS must count opts[]");

static const char usage_head[] =
    "usage: pgstunnel --cert FILE --key FILE --upstream ADDR [options]\n"
    "\n"
    "A TLS terminator for PostgreSQL, one process per connection (inetd,\n"
    "systemd Accept=yes, socat EXEC:) or standalone with --listen.\n"
    "\n";

/* --help: the option column is 23 wide, the text starts at column 25. */
#define USAGE_TEXT_COL 25
#define USAGE_WIDTH    79

/* Append a then b to the n bytes in buf; the new length, cut to fit. */
static size_t
append(char *buf, size_t cap, size_t n, const char *a, const char *b)
{
	int r;

	if (n >= cap)
		return n;
	r = fmt_format(buf + n, cap - n, "%s%s", a, b);
	if (r < 0)
		return n;
	return (size_t)r < cap - n ? n + (size_t)r : cap - 1;
}

/* The words of a word option, "a|b|c", after first_sep. */
static size_t
append_words(char *buf, size_t cap, size_t n, const struct opt *o,
             const char *first_sep)
{
	for (size_t i = 0; i < o->nwords; i++)
		n = append(buf, cap, n, i == 0 ? first_sep : "|",
		           o->words[i].word);
	return n;
}

static void
print_option(FILE *out, const struct opt *o)
{
	char left[128];
	const char *help = o->help;
	size_t n, first;

	n = append(left, sizeof(left), 0, "--", o->name);
	if (o->arg != NULL)
		n = append(left, sizeof(left), n, " ", o->arg);
	n = append_words(left, sizeof(left), n, o, " ");
	first = strcspn(help, "\n");
	if (n + 4 <= USAGE_TEXT_COL)
		fmt_print(out, "  %-*s%.*s\n", USAGE_TEXT_COL - 2, left,
		          (int)first, help);
	else if (2 + n + 2 + first <= USAGE_WIDTH)
		fmt_print(out, "  %s  %.*s\n", left, (int)first, help);
	else
		fmt_print(out, "  %s\n%*s%.*s\n", left, USAGE_TEXT_COL, "",
		          (int)first, help);
	/* Further lines of the text, under its first. */
	for (help += first; *help == '\n'; help += first) {
		help++;
		first = strcspn(help, "\n");
		fmt_print(out, "%*s%.*s\n", USAGE_TEXT_COL, "", (int)first,
		          help);
	}
}

void
config_print_usage(FILE *out)
{
	fputs(usage_head, out);
	for (size_t i = 0; i < NOPTS; i++) {
		if (i == 0 || opts[i].section != opts[i - 1].section)
			fmt_print(out, "%s\n",
			          section_heading[opts[i].section]);
		print_option(out, &opts[i]);
	}
}

void
config_defaults(struct config *cfg)
{
	/* Everything but the pool and the routes: their pages stay
	 * untouched until used. */
	memset(cfg, 0, offsetof(struct config, pool));
	cfg->max_connections = 64;
	cfg->connect_timeout = 10;
	cfg->handshake_timeout = 30;
	cfg->idle_timeout = 0;
	cfg->warn_days = 30;
	cfg->log = LOG_CHOICE_SYSLOG;
	cfg->tls = 1;
	cfg->direct_tls = 1;
	cfg->upstream_tls = UPSTREAM_TLS_DISABLE;
	cfg->sandbox = SANDBOX_SUPPORTED;
}

/* Options that were renamed: an old configuration is told the new name. */
static const struct {
	const char *old, *now;
} renamed[] = {{"crl", "client-crl"}};

static void
unknown_option(char *err, size_t errlen, const char *dashes, const char *name)
{
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++) {
		if (strcmp(renamed[i].old, name) == 0) {
			fmt_format(err, errlen,
			           "unknown option '%s%s' (now %s%s)", dashes,
			           name, dashes, renamed[i].now);
			return;
		}
	}
	fmt_format(err, errlen, "unknown option '%s%.64s'", dashes, name);
}

static const struct opt *
find_opt(const char *name)
{
	for (size_t i = 0; i < NOPTS; i++) {
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

/* A parsed value, before it is stored. */
union value {
	const char *s;         /* OPT_STRING, OPT_LIST */
	int i;                 /* OPT_INT, OPT_WORD, OPT_FLAG */
	struct addr a;         /* OPT_ADDR */
	struct netaddr_cidr c; /* OPT_CIDR */
};

/* "name: 'value' is not one of a|b|c", the words of o in order. */
static void
word_error(const struct opt *o, const char *value, char *err, size_t errlen)
{
	char words[128];

	words[0] = '\0';
	(void)append_words(words, sizeof(words), 0, o, "");
	fmt_format(err, errlen, "%s: '%.32s' is not one of %s", o->name, value,
	           words);
}

static int
parse_value(const struct opt *o, const char *value, union value *v, char *err,
            size_t errlen)
{
	char why[CONFIG_ERR_MAX];

	switch (o->kind) {
	case OPT_STRING:
	case OPT_LIST:
		v->s = value;
		return 0;
	case OPT_ADDR:
		if (config_parse_addr(value, &v->a, why, sizeof(why)) != 0) {
			fmt_format(err, errlen, "%s: %s", o->name, why);
			return -1;
		}
		return 0;
	case OPT_INT:
		if (parse_int(value, o->min, o->max, &v->i) != 0) {
			fmt_format(
			    err, errlen,
			    "%s: '%.32s' is not a whole number from %d to %d",
			    o->name, value, o->min, o->max);
			return -1;
		}
		return 0;
	case OPT_WORD:
		for (size_t i = 0; i < o->nwords; i++) {
			if (strcmp(o->words[i].word, value) == 0) {
				v->i = o->words[i].value;
				return 0;
			}
		}
		word_error(o, value, err, errlen);
		return -1;
	case OPT_FLAG:
		v->i = 1;
		return 0;
	case OPT_CIDR: {
		const char *bad;

		if (netaddr_parse_cidr(value, &v->c, &bad) != 0) {
			fmt_format(err, errlen, "%s: '%.64s': %s", o->name,
			           value, bad);
			return -1;
		}
		return 0;
	}
	}
	return 0;
}

/* Store v in o's field, as the field's own type. */
static void
store_value(struct config *cfg, const struct opt *o, const union value *v)
{
	void *field = (char *)cfg + o->offset;

	switch (o->type) {
	case FT_STRING:
		*(const char **)field = v->s;
		break;
	case FT_LIST: {
		struct config_list *l = field;

		l->item[l->count++] = v->s; /* room checked by config_set */
		break;
	}
	case FT_ADDR:
		*(struct addr *)field = v->a;
		break;
	case FT_INT:
		*(int *)field = v->i;
		break;
	case FT_LOG:
		*(enum log_choice *)field = (enum log_choice)v->i;
		break;
	case FT_UPSTREAM_TLS:
		*(enum upstream_tls *)field = (enum upstream_tls)v->i;
		break;
	case FT_CIDRS: {
		struct netaddr_list *l = field;

		l->item[l->count++] = v->c; /* room checked by config_set */
		break;
	}
	}
}

static int
is_list(const struct opt *o)
{
	return o->kind == OPT_LIST || o->kind == OPT_CIDR;
}

/* A list option's count of values, and how many it may hold. */
static size_t *
list_count(struct config *cfg, const struct opt *o, size_t *max)
{
	void *field = (char *)cfg + o->offset;

	if (o->kind == OPT_CIDR) {
		*max = NETADDR_LIST_MAX;
		return &((struct netaddr_list *)field)->count;
	}
	*max = CONFIG_LIST_MAX;
	return &((struct config_list *)field)->count;
}

int
config_set(struct config *cfg, const char *name, const char *value,
           unsigned int line, char *err, size_t errlen)
{
	const struct opt *o = find_opt(name);
	union value v;
	size_t row;
	int from_file, overridden;

	if (o == NULL) {
		unknown_option(err, errlen, "", name);
		return -1;
	}
	row = (size_t)(o - opts);
	from_file = line != CONFIG_CMDLINE;
	/* The command line wins over a file, read before or after it. */
	overridden = from_file && cfg->cmdline[row];
	if (o->kind != OPT_FLAG && (value == NULL || value[0] == '\0')) {
		fmt_format(err, errlen, "option '%s' needs a value", name);
		return -1;
	}
	/* Twice from the same place is a mistake; a list may repeat. */
	if (!is_list(o) && o->kind != OPT_FLAG) {
		if (!from_file && cfg->cmdline[row]) {
			fmt_format(err, errlen,
			           "--%s given twice on the command line",
			           name);
			return -1;
		}
		if (from_file && cfg->file_line[row] != 0) {
			fmt_format(err, errlen, "%s already set at line %u",
			           name, cfg->file_line[row]);
			return -1;
		}
	}
	if (parse_value(o, value, &v, err, errlen) != 0)
		return -1;
	if (is_list(o)) {
		size_t max, *count = list_count(cfg, o, &max);

		/* The command line's list replaces the file's. */
		if (!from_file && !cfg->cmdline[row])
			*count = 0;
		if (!overridden && *count == max) {
			fmt_format(err, errlen, "%s: at most %zu allowed", name,
			           max);
			return -1;
		}
	}
	if (from_file && !overridden &&
	    (o->kind == OPT_STRING || o->kind == OPT_LIST) &&
	    (v.s = pool_copy(cfg, v.s)) == NULL) {
		fmt_format(err, errlen, "too much configuration text");
		return -1;
	}
	if (!overridden)
		store_value(cfg, o, &v);
	if (from_file)
		cfg->file_line[row] = line;
	else
		cfg->cmdline[row] = 1;
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
	unsigned int lineno = 0;

	/* A UTF-8 byte-order mark, as some editors write one. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		char *name, *value, *eq, *end;

		lineno++;
		if (n >= sizeof(line)) {
			fmt_format(err, errlen, "%s:%u: line too long",
			           filename, lineno);
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (memchr(line, '\0', n) != NULL) {
			fmt_format(err, errlen, "%s:%u: NUL byte in line",
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
			fmt_format(err, errlen,
			           "%s:%u: expected 'name = value'", filename,
			           lineno);
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
			fmt_format(
			    err, errlen,
			    "%s:%u: '%s' cannot be set in a configuration "
			    "file",
			    filename, lineno, name);
			return -1;
		}
		if (config_set(cfg, name, value, lineno, why, sizeof(why)) !=
		    0) {
			fmt_format(err, errlen, "%s:%u: %s", filename, lineno,
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
			fmt_format(err, errlen, "unexpected argument '%.64s'",
			           arg);
			return -1;
		}
		arg += 2;
		eq = strchr(arg, '=');
		n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		if (n >= sizeof(name)) {
			fmt_format(err, errlen, "unknown option '--%s'", arg);
			return -1;
		}
		memcpy(name, arg, n);
		name[n] = '\0';
		if (find_opt(name) == NULL) {
			unknown_option(err, errlen, "--", name);
			return -1;
		}
		if (config_is_flag(name)) {
			if (eq != NULL) {
				fmt_format(err, errlen,
				           "option '--%s' takes no value",
				           name);
				return -1;
			}
		} else if (eq != NULL) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		}
		if (config_set(cfg, name, value, CONFIG_CMDLINE, err, errlen) !=
		    0)
			return -1;
	}
	return 0;
}

const char *
config_find_file(int argc, char **argv)
{
	const char *file = NULL;
	int seen = 0;

	/* Twice is an error that config_parse_args reports: read none. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			file = argv[++i];
			seen++;
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			file = argv[i] + 9;
			seen++;
		}
	}
	return seen == 1 && file != NULL && file[0] != '\0' ? file : NULL;
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
			fmt_format(err, errlen, "Unix socket path too long");
			return -1;
		}
		out->kind = ADDR_UNIX;
		return 0;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':') {
			fmt_format(err, errlen, "'%.64s': expected [IPv6]:PORT",
			           text);
			return -1;
		}
		host = text + 1;
		hostlen = (size_t)(close - host);
		port = close + 2;
	} else {
		const char *colon = strrchr(text, ':');

		if (colon == NULL || strchr(text, ':') != colon) {
			fmt_format(
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
		fmt_format(err, errlen, "'%.64s': empty or too long host",
		           text);
		return -1;
	}
	if (parse_int(port, 1, 65535, &portnum) != 0) {
		fmt_format(err, errlen, "'%.64s': port must be 1 to 65535",
		           text);
		return -1;
	}
	fmt_format(out->port, sizeof(out->port), "%d", portnum);
	out->kind = ADDR_TCP;
	return 0;
}

void
config_format_addr(const struct addr *a, char *out, size_t cap)
{
	if (a->kind == ADDR_UNIX)
		fmt_format(out, cap, "%s", a->path);
	else if (strchr(a->host, ':') != NULL)
		fmt_format(out, cap, "[%s]:%s", a->host, a->port);
	else
		fmt_format(out, cap, "%s:%s", a->host, a->port);
}

/* A name the upstream's TLS can send and check: at most a DNS name's 253
 * characters, none of them a control character or a space. */
static int
bad_tls_name(const char *name)
{
	size_t n = 0;

	if (name == NULL)
		return 0;
	for (; name[n] != '\0'; n++) {
		unsigned char ch = (unsigned char)name[n];

		if (ch <= ' ' || ch == 0x7f)
			return 1;
	}
	return n == 0 || n > CONFIG_DNS_NAME_MAX;
}

static int check_routes(struct config *cfg, char *err, size_t errlen);

int
config_check(struct config *cfg, char *err, size_t errlen)
{
	int tls = cfg->tls, up_tls = cfg->upstream_tls != UPSTREAM_TLS_DISABLE;
	int verify = cfg->upstream_tls == UPSTREAM_TLS_VERIFY_CA ||
	             cfg->upstream_tls == UPSTREAM_TLS_VERIFY_FULL;
	int up_cert = cfg->upstream_cert != NULL;
	struct netaddr ip;
	/* Each rule: when it is broken, and what the user reads. The first
	 * broken one is reported. */
	const struct {
		int broken;
		const char *msg;
	} rules[] = {
	    {cfg->upstream.kind == ADDR_NONE, "--upstream is required"},
	    {tls && (cfg->cert.count == 0 || cfg->key.count == 0),
	     "--cert and --key are required (or --tls off)"},
	    {tls && cfg->cert.count != cfg->key.count,
	     "--cert and --key go in pairs, matched in order"},
	    {!tls && cfg->route.count > 0,
	     "--route needs --tls on (it follows the client's SNI)"},
	    {!tls && cfg->client_ca != NULL, "--client-ca needs --tls on"},
	    {cfg->client_crl != NULL && cfg->client_ca == NULL,
	     "--client-crl needs --client-ca"},
	    {cfg->client_cert_optional && cfg->client_ca == NULL,
	     "--client-cert optional needs --client-ca"},
	    {cfg->client_user != CLIENT_USER_OFF && cfg->client_ca == NULL,
	     "--client-user needs --client-ca"},
	    {cfg->client_user_map != NULL &&
	         cfg->client_user == CLIENT_USER_OFF,
	     "--client-user-map needs --client-user cn or dn"},
	    {cfg->listen.kind == ADDR_UNIX, "--listen takes HOST:PORT"},
	    {!cfg->check && cfg->cmdline[find_opt("warn-days") - opts],
	     "--warn-days needs --check"},
	    {cfg->proxy_protocol != 0 && cfg->proxy_from.count == 0,
	     "--proxy-protocol needs --proxy-from: the addresses of the "
	     "balancers whose header is believed"},
	    {cfg->proxy_protocol == 0 && cfg->proxy_from.count != 0,
	     "--proxy-from needs --proxy-protocol v1, v2 or any"},
	    {verify && cfg->upstream_ca == NULL,
	     "--upstream-tls verify-ca and verify-full need --upstream-ca"},
	    {!verify && cfg->upstream_ca != NULL,
	     "--upstream-ca needs --upstream-tls verify-ca or verify-full"},
	    {up_cert != (cfg->upstream_key != NULL),
	     "--upstream-cert and --upstream-key go together"},
	    {!up_tls && (up_cert || cfg->upstream_servername != NULL ||
	                 cfg->upstream_direct),
	     "--upstream-cert, --upstream-servername and "
	     "--upstream-negotiation need --upstream-tls"},
	    {cfg->upstream_direct && cfg->upstream_tls == UPSTREAM_TLS_PREFER,
	     "--upstream-negotiation direct needs --upstream-tls require, "
	     "verify-ca or verify-full"},
	    {cfg->upstream_tls == UPSTREAM_TLS_VERIFY_FULL &&
	         cfg->upstream.kind == ADDR_UNIX &&
	         cfg->upstream_servername == NULL,
	     "--upstream-tls verify-full over a Unix socket needs "
	     "--upstream-servername"},
	    {bad_tls_name(cfg->upstream_servername),
	     "--upstream-servername must be a host name of at most 253 "
	     "characters, without spaces or control characters"},
	    {cfg->group != NULL && cfg->user == NULL, "--group needs --user"},
	    {cfg->chroot_dir != NULL && cfg->user == NULL,
	     "--chroot needs --user: root can leave a chroot"},
	    {cfg->chroot_dir != NULL && cfg->chroot_dir[0] != '/',
	     "--chroot takes an absolute path"},
	    {cfg->chroot_dir != NULL && cfg->upstream.kind == ADDR_TCP &&
	         netaddr_parse_ip(cfg->upstream.host,
	                          strlen(cfg->upstream.host), &ip) != 0,
	     "--chroot needs --upstream as an IP address or a Unix socket "
	     "path: a host name cannot be resolved inside the chroot"},
	    {cfg->sandbox && !SANDBOX_SUPPORTED,
	     "--sandbox on needs Linux with seccomp on x86-64, aarch64, ARM or "
	     "MIPS (little-endian)"},
	    {up_tls && cfg->upstream_servername == NULL &&
	         cfg->upstream.kind == ADDR_TCP &&
	         bad_tls_name(cfg->upstream.host),
	     "the --upstream host name is too long for TLS (253 characters "
	     "at most): give a shorter --upstream-servername"},
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rules[i].broken) {
			fmt_format(err, errlen, "%s", rules[i].msg);
			return -1;
		}
	}
	return check_routes(cfg, err, errlen);
}

/* A --route's NAME (cut at '=', into name) and its ADDR text; -1 when
 * there is no '=' or the name does not fit. */
static int
split_route(const char *route, char *name, size_t cap, const char **addr)
{
	const char *eq = strchr(route, '=');

	if (eq == NULL || (size_t)(eq - route) >= cap)
		return -1;
	memcpy(name, route, (size_t)(eq - route));
	name[eq - route] = '\0';
	*addr = eq + 1;
	return 0;
}

/* Parse every --route into cfg->routes, or say which one is wrong. */
static int
check_routes(struct config *cfg, char *err, size_t errlen)
{
	char why[160];
	const char *addr_text;

	for (size_t i = 0; i < cfg->route.count; i++) {
		const char *r = cfg->route.item[i];
		struct config_route *rt = &cfg->routes[i];

		if (split_route(r, rt->name, sizeof(rt->name), &addr_text) !=
		        0 ||
		    rt->name[0] == '\0' || bad_tls_name(rt->name)) {
			fmt_format(
			    err, errlen,
			    "--route '%.80s': expected NAME=ADDR, NAME a "
			    "host name of at most 253 characters",
			    r);
			return -1;
		}
		if (strchr(rt->name, '*') != NULL &&
		    !hostname_is_wildcard(rt->name)) {
			fmt_format(
			    err, errlen,
			    "--route '%.80s': a wildcard must be the whole "
			    "leftmost label, as in *.example.com",
			    r);
			return -1;
		}
		if (config_parse_addr(addr_text, &rt->addr, why, sizeof(why)) !=
		    0) {
			fmt_format(err, errlen, "--route '%.80s': %s", r, why);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcasecmp(rt->name, cfg->routes[j].name) == 0) {
				fmt_format(err, errlen,
				           "--route: %.80s is routed twice",
				           rt->name);
				return -1;
			}
		}
	}
	return 0;
}

const struct addr *
config_route_for(const struct config *cfg, const char *sni)
{
	if (sni == NULL || sni[0] == '\0')
		return NULL;
	/* A name routed exactly first, then the first wildcard that
	 * covers it, as a certificate's names are matched. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cfg->route.count; i++) {
			const struct config_route *rt = &cfg->routes[i];

			if ((rt->name[0] == '*') == (pass == 1) &&
			    hostname_name_match(rt->name, sni))
				return &rt->addr;
		}
	}
	return NULL;
}

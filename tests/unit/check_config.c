/*
 * Unit tests for config.c: addresses, the command line, configuration
 * file text, which one wins, repeated options, list options, the words
 * of word options, config_find_file(), every rule of config_check(), the
 * --help text and the defaults. Each refusal is checked twice: the
 * return code, and the words of the message a user will read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>

#include "config.h"

#define NELEM(a)     (sizeof(a) / sizeof((a)[0]))
#define SUN_PATH_LEN sizeof(((struct sockaddr_un *)0)->sun_path)

/* Static: struct config holds an 8 KB pool. Reset before every test. */
static struct config cfg;
static char err[CONFIG_ERR_MAX];

static void
reset(void)
{
	config_defaults(&cfg);
	memset(err, 0, sizeof(err));
}

/* The first of the NULL-terminated words that msg lacks, or NULL. */
static const char *
missing_word(const char *msg, ...)
{
	va_list ap;
	const char *w;

	if (msg[0] == '\0')
		return "(any text: the message is empty)";
	va_start(ap, msg);
	while ((w = va_arg(ap, const char *)) != NULL && strstr(msg, w) != NULL)
		;
	va_end(ap);
	return w;
}

/* err holds every one of the words; a failure names the caller's line. */
#define ERR_HAS(...)                                                           \
	do {                                                                   \
		const char *missing_ =                                         \
		    missing_word(err, __VA_ARGS__, (const char *)NULL);        \
		ck_assert_msg(missing_ == NULL,                                \
		              "error '%s' does not contain '%s'", err,         \
		              missing_);                                       \
	} while (0)

/* Split a space-separated command line into argv (argv[0] = pgstunnel). */
#define ARGV_MAX 40
static char argbuf[1024];
static char *argv_[ARGV_MAX];

static int
split(const char *line)
{
	int argc = 0;
	char *p;

	ck_assert_uint_lt(strlen(line), sizeof(argbuf));
	strcpy(argbuf, line);
	argv_[argc++] = "pgstunnel";
	for (p = strtok(argbuf, " "); p != NULL; p = strtok(NULL, " ")) {
		ck_assert_int_lt(argc, ARGV_MAX - 1);
		argv_[argc++] = p;
	}
	argv_[argc] = NULL;
	return argc;
}

static int
args(const char *line)
{
	int argc = split(line);

	return config_parse_args(&cfg, argc, argv_, err, sizeof(err));
}

/* argv from separate words, for values with spaces or empty words. */
static int
argsv(int argc, const char *const *words)
{
	char *v[ARGV_MAX];

	ck_assert_int_lt(argc, ARGV_MAX - 1);
	v[0] = "pgstunnel";
	for (int i = 0; i < argc; i++)
		v[i + 1] = (char *)words[i];
	v[argc + 1] = NULL;
	return config_parse_args(&cfg, argc + 1, v, err, sizeof(err));
}

#define ARGSV(...)                                                             \
	argsv((int)NELEM(((const char *[]){__VA_ARGS__})),                     \
	      (const char *[]){__VA_ARGS__})

static int
text(const char *t)
{
	return config_parse_text(&cfg, t, strlen(t), "test.conf", err,
	                         sizeof(err));
}

static int
in_pool(const char *p)
{
	return p >= cfg.pool && p < cfg.pool + sizeof(cfg.pool);
}

/* config_parse_addr */

struct addr_case {
	const char *text;
	int rc;
	enum addr_kind kind;
	const char *host, *port, *path;
	const char *errword; /* for rc -1 */
};

static const struct addr_case addr_cases[] = {
    {"db.example.com:5432", 0, ADDR_TCP, "db.example.com", "5432", "", NULL},
    {"127.0.0.1:6432", 0, ADDR_TCP, "127.0.0.1", "6432", "", NULL},
    {"localhost:1", 0, ADDR_TCP, "localhost", "1", "", NULL},
    {"h:65535", 0, ADDR_TCP, "h", "65535", "", NULL},
    {"h:05432", 0, ADDR_TCP, "h", "5432", "", NULL},
    {"[::1]:5432", 0, ADDR_TCP, "::1", "5432", "", NULL},
    {"[2001:db8::17]:6543", 0, ADDR_TCP, "2001:db8::17", "6543", "", NULL},
    {"[fe80::1%eth0]:5432", 0, ADDR_TCP, "fe80::1%eth0", "5432", "", NULL},
    {"/run/postgresql/.s.PGSQL.5432", 0, ADDR_UNIX, "", "",
     "/run/postgresql/.s.PGSQL.5432", NULL},
    {"/tmp/with:colon", 0, ADDR_UNIX, "", "", "/tmp/with:colon", NULL},
    /* IPv6 needs its brackets. */
    {"::1:5432", -1, ADDR_NONE, "", "", "", "[IPv6]:PORT"},
    {"::1", -1, ADDR_NONE, "", "", "", "[IPv6]:PORT"},
    {"2001:db8::17:5432", -1, ADDR_NONE, "", "", "", "[IPv6]:PORT"},
    {"[::1]", -1, ADDR_NONE, "", "", "", "[IPv6]:PORT"},
    {"[::1]5432", -1, ADDR_NONE, "", "", "", "[IPv6]:PORT"},
    {"[::1", -1, ADDR_NONE, "", "", "", "[IPv6]:PORT"},
    /* Ports: 1 to 65535, digits only. */
    {"h:0", -1, ADDR_NONE, "", "", "", "port"},
    {"h:65536", -1, ADDR_NONE, "", "", "", "port"},
    {"h:99999999999999999999", -1, ADDR_NONE, "", "", "", "port"},
    {"h:abc", -1, ADDR_NONE, "", "", "", "port"},
    {"h:", -1, ADDR_NONE, "", "", "", "port"},
    {"h:-1", -1, ADDR_NONE, "", "", "", "port"},
    {"h:+80", -1, ADDR_NONE, "", "", "", "port"},
    {"h: 80", -1, ADDR_NONE, "", "", "", "port"},
    {"h:80 ", -1, ADDR_NONE, "", "", "", "port"},
    {"h:80x", -1, ADDR_NONE, "", "", "", "port"},
    {"h:0x50", -1, ADDR_NONE, "", "", "", "port"},
    {"[::1]:", -1, ADDR_NONE, "", "", "", "port"},
    {"[::1]:0", -1, ADDR_NONE, "", "", "", "port"},
    /* Hosts. */
    {":5432", -1, ADDR_NONE, "", "", "", "host"},
    {"[]:5432", -1, ADDR_NONE, "", "", "", "host"},
    {"h", -1, ADDR_NONE, "", "", "", "HOST:PORT"},
    {"", -1, ADDR_NONE, "", "", "", "HOST:PORT"},
    /* A relative path is neither. */
    {"run/.s.PGSQL.5432", -1, ADDR_NONE, "", "", "", "absolute"},
};

START_TEST(addr_table)
{
	const struct addr_case *c = &addr_cases[_i];
	struct addr a;
	int rc;

	memset(&a, 0xA5, sizeof(a));
	rc = config_parse_addr(c->text, &a, err, sizeof(err));
	ck_assert_msg(rc == c->rc, "'%s': rc %d, expected %d (%s)", c->text, rc,
	              c->rc, rc != 0 ? err : "");
	if (rc != 0) {
		ERR_HAS(c->errword);
		ck_assert_msg(a.kind == ADDR_NONE, "'%s': kind set on error",
		              c->text);
		return;
	}
	ck_assert_int_eq(a.kind, c->kind);
	ck_assert_str_eq(a.host, c->host);
	ck_assert_str_eq(a.port, c->port);
	ck_assert_str_eq(a.path, c->path);
}
END_TEST

START_TEST(addr_unix_path_length)
{
	char path[SUN_PATH_LEN + 8];
	struct addr a;

	/* sun_path holds the path and its NUL: 107 characters on Linux. */
	ck_assert_uint_eq(CONFIG_PATH_MAX, SUN_PATH_LEN);
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[SUN_PATH_LEN - 1] = '\0';
	ck_assert_int_eq(config_parse_addr(path, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, ADDR_UNIX);
	ck_assert_str_eq(a.path, path);

	path[SUN_PATH_LEN - 1] = 'p';
	path[SUN_PATH_LEN] = '\0';
	ck_assert_int_eq(config_parse_addr(path, &a, err, sizeof(err)), -1);
	ERR_HAS("Unix socket path", "too long");
	ck_assert_int_eq(a.kind, ADDR_NONE);

	path[SUN_PATH_LEN + 7] = '\0';
	ck_assert_int_eq(config_parse_addr(path, &a, err, sizeof(err)), -1);
	ERR_HAS("too long");
}
END_TEST

START_TEST(addr_host_length)
{
	char t[CONFIG_HOST_MAX + 32];
	struct addr a;

	/* CONFIG_HOST_MAX - 1 characters fit. */
	memset(t, 'h', CONFIG_HOST_MAX - 1);
	strcpy(t + CONFIG_HOST_MAX - 1, ":5432");
	ck_assert_int_eq(config_parse_addr(t, &a, err, sizeof(err)), 0);
	ck_assert_uint_eq(strlen(a.host), CONFIG_HOST_MAX - 1);
	ck_assert_str_eq(a.port, "5432");

	memset(t, 'h', CONFIG_HOST_MAX);
	strcpy(t + CONFIG_HOST_MAX, ":5432");
	memset(&a, 0xA5, sizeof(a));
	ck_assert_int_eq(config_parse_addr(t, &a, err, sizeof(err)), -1);
	ck_assert_int_eq(a.kind, ADDR_NONE);

	/* Same in brackets. */
	t[0] = '[';
	memset(t + 1, 'a', CONFIG_HOST_MAX);
	strcpy(t + 1 + CONFIG_HOST_MAX, "]:5432");
	ck_assert_int_eq(config_parse_addr(t, &a, err, sizeof(err)), -1);
	ck_assert_int_eq(a.kind, ADDR_NONE);
}
END_TEST

/*
 * BUG: the message for a too-long host quotes the whole address first
 * ("'hhh...h:5432': empty or too long host"), so with CONFIG_ERR_MAX
 * bytes (the size config_set() itself uses for the reason) the reason is
 * cut off and the user reads only a truncated echo of the input. The
 * reason must survive: put it first, or quote a bounded part of the text.
 */
START_TEST(addr_host_too_long_reason)
{
	char t[CONFIG_HOST_MAX + 32];
	struct addr a;

	memset(t, 'h', CONFIG_HOST_MAX);
	strcpy(t + CONFIG_HOST_MAX, ":5432");
	ck_assert_int_eq(config_parse_addr(t, &a, err, sizeof(err)), -1);
	ERR_HAS("too long");

	/* Through the option, as main reports it. */
	reset();
	ck_assert_int_eq(ARGSV("--upstream", t), -1);
	ERR_HAS("upstream", "too long");
}
END_TEST

START_TEST(addr_format)
{
	static const char *const texts[] = {"db:5432", "[::1]:5432",
	                                    "/run/postgresql/.s.PGSQL.5432",
	                                    "[2001:db8::1]:1"};
	char out[CONFIG_HOST_MAX + 16];
	struct addr a;

	for (size_t i = 0; i < NELEM(texts); i++) {
		ck_assert_int_eq(
		    config_parse_addr(texts[i], &a, err, sizeof(err)), 0);
		config_format_addr(&a, out, sizeof(out));
		ck_assert_str_eq(out, texts[i]);
	}
	/* Truncated, not overflowed. */
	config_parse_addr("db.example.com:5432", &a, err, sizeof(err));
	memset(out, 'Z', sizeof(out));
	config_format_addr(&a, out, 5);
	ck_assert_str_eq(out, "db.e");
	ck_assert_int_eq(out[5], 'Z');
}
END_TEST

/* config_parse_args */

START_TEST(args_both_forms)
{
	int argc = split("--cert server.crt --key=server.key "
	                 "--upstream db:5432 --listen=[::]:6432 "
	                 "--max-connections 5 --idle-timeout=60 "
	                 "--upstream-tls verify-full --log=stderr");

	ck_assert_int_eq(config_parse_args(&cfg, argc, argv_, err, sizeof(err)),
	                 0);
	ck_assert_uint_eq(cfg.cert.count, 1);
	ck_assert_uint_eq(cfg.key.count, 1);
	ck_assert_str_eq(cfg.cert.item[0], "server.crt");
	ck_assert_str_eq(cfg.key.item[0], "server.key");
	/* Command-line values are kept by pointer, not copied. */
	ck_assert_ptr_eq(cfg.cert.item[0], argv_[2]);
	ck_assert_ptr_eq(cfg.key.item[0], argv_[3] + strlen("--key="));
	ck_assert_uint_eq(cfg.pool_used, 0);
	ck_assert_int_eq(cfg.upstream.kind, ADDR_TCP);
	ck_assert_str_eq(cfg.upstream.host, "db");
	ck_assert_str_eq(cfg.upstream.port, "5432");
	ck_assert_int_eq(cfg.listen.kind, ADDR_TCP);
	ck_assert_str_eq(cfg.listen.host, "::");
	ck_assert_str_eq(cfg.listen.port, "6432");
	ck_assert_int_eq(cfg.max_connections, 5);
	ck_assert_int_eq(cfg.idle_timeout, 60);
	ck_assert_int_eq(cfg.upstream_tls, UPSTREAM_TLS_VERIFY_FULL);
	ck_assert_int_eq(cfg.log, LOG_CHOICE_STDERR);
}
END_TEST

START_TEST(args_values)
{
	/* Only the first '=' splits; a value may contain more. */
	ck_assert_int_eq(ARGSV("--upstream-servername=a=b"), 0);
	ck_assert_str_eq(cfg.upstream_servername, "a=b");
	/* The separate form takes the next word whatever it looks like. */
	ck_assert_int_eq(ARGSV("--cert", "my cert.pem"), 0);
	ck_assert_str_eq(cfg.cert.item[0], "my cert.pem");
	/* No arguments at all is fine here (config_check decides). */
	ck_assert_int_eq(args(""), 0);
}
END_TEST

struct bad_args {
	const char *line;
	const char *w1, *w2; /* words the message must hold */
};

static const struct bad_args bad_args_cases[] = {
    {"--bogus", "unknown option", "'--bogus'"},
    /* A renamed option says its new name. */
    {"--crl ca.crl", "unknown option '--crl'", "(now --client-crl)"},
    {"--client-user uid", "'uid' is not one of", "off|cn|dn"},
    {"--client-cert maybe", "'maybe' is not one of", "required|optional"},
    {"--bogus value", "unknown option", "--bogus"},
    {"--bogus=1", "unknown option", "'--bogus'"},
    {"--cert c.pem --nope", "unknown option", "--nope"},
    {"--Cert c.pem", "unknown option", "--Cert"},
    {"-c c.pem", "unexpected argument", "'-c'"},
    {"cert", "unexpected argument", "'cert'"},
    {"--", "unexpected argument", "'--'"},
    {"--cert c.pem stray", "unexpected argument", "'stray'"},
    {"--help extra", "unexpected argument", "'extra'"},
    /* Missing values. */
    {"--cert", "cert", "needs a value"},
    {"--cert=", "cert", "needs a value"},
    {"--key c.pem --upstream", "upstream", "needs a value"},
    {"--upstream=", "upstream", "needs a value"},
    {"--max-connections", "max-connections", "needs a value"},
    {"--upstream-tls", "upstream-tls", "needs a value"},
    /* Flags take no value. */
    {"--help=x", "--help", "takes no value"},
    {"--help=", "--help", "takes no value"},
    {"--version=1", "--version", "takes no value"},
    {"--check=yes", "--check", "takes no value"},
    {"--warn-days -1", "warn-days", "'-1'"},
    {"--warn-days 36501", "warn-days", "from 0 to 36500"},
    /* Strict numbers, the option named. */
    {"--max-connections 10x", "max-connections", "'10x'"},
    {"--max-connections 0", "max-connections", "from 1 to 100000"},
    {"--max-connections 100001", "max-connections", "from 1 to 100000"},
    {"--max-connections -1", "max-connections", "'-1'"},
    {"--max-connections +5", "max-connections", "'+5'"},
    {"--max-connections 1e3", "max-connections", "'1e3'"},
    {"--max-connections 0x10", "max-connections", "'0x10'"},
    {"--max-connections 99999999999999999999", "max-connections",
     "not a whole number"},
    {"--connect-timeout 0", "connect-timeout", "from 1 to 3600"},
    {"--connect-timeout 3601", "connect-timeout", "from 1 to 3600"},
    {"--connect-timeout=5s", "connect-timeout", "'5s'"},
    {"--handshake-timeout 0", "handshake-timeout", "from 1 to 3600"},
    {"--handshake-timeout 3601", "handshake-timeout", "from 1 to 3600"},
    {"--idle-timeout -1", "idle-timeout", "from 0 to 604800"},
    {"--idle-timeout 604801", "idle-timeout", "from 0 to 604800"},
    /* Words: the allowed ones are listed. */
    {"--upstream-tls verify", "upstream-tls",
     "disable|prefer|require|verify-ca|verify-full"},
    {"--upstream-tls VERIFY-FULL", "upstream-tls", "'VERIFY-FULL'"},
    {"--upstream-tls verify-fullx", "upstream-tls", "verify-full"},
    {"--upstream-tls on", "upstream-tls", "not one of"},
    {"--tls yes", "tls", "on|off"},
    {"--tls=1", "tls", "on|off"},
    {"--log file", "log", "syslog|stderr"},
    {"--plaintext yes", "plaintext", "reject|allow"},
    {"--direct-tls maybe", "direct-tls", "on|off"},
    {"--direct-tls-without-alpn on", "direct-tls-without-alpn", "reject|allow"},
    {"--upstream-negotiation starttls", "upstream-negotiation",
     "postgres|direct"},
    /* Addresses: the option named, and why. */
    {"--upstream db", "upstream", "HOST:PORT"},
    {"--upstream db:0", "upstream", "port"},
    {"--listen ::1:5432", "listen", "[IPv6]:PORT"},
};

START_TEST(args_bad)
{
	const struct bad_args *c = &bad_args_cases[_i];

	ck_assert_msg(args(c->line) == -1, "'%s' accepted", c->line);
	ERR_HAS(c->w1, c->w2);
}
END_TEST

START_TEST(args_long_unknown_name)
{
	char line[300] = "--";

	memset(line + 2, 'x', 200);
	line[202] = '\0';
	ck_assert_int_eq(args(line), -1);
	ERR_HAS("unknown option", "--xxxx");
}
END_TEST

/* A refused value leaves the default in place. */
START_TEST(args_bad_keeps_default)
{
	ck_assert_int_eq(args("--max-connections 10x"), -1);
	ck_assert_int_eq(cfg.max_connections, 64);
	ck_assert_int_eq(args("--upstream-tls bogus"), -1);
	ck_assert_int_eq(cfg.upstream_tls, UPSTREAM_TLS_DISABLE);
	ck_assert_int_eq(args("--tls bogus"), -1);
	ck_assert_int_eq(cfg.tls, 1);
}
END_TEST

START_TEST(args_flags)
{
	ck_assert_int_eq(args("--help"), 0);
	ck_assert_int_eq(cfg.help, 1);
	ck_assert_int_eq(cfg.version, 0);
	reset();
	ck_assert_int_eq(args("--version"), 0);
	ck_assert_int_eq(cfg.version, 1);
	ck_assert_int_eq(cfg.help, 0);
	reset();
	/* A flag does not eat the next word. */
	ck_assert_int_eq(args("--help --cert c.pem"), 0);
	ck_assert_int_eq(cfg.help, 1);
	ck_assert_str_eq(cfg.cert.item[0], "c.pem");

	ck_assert(config_is_flag("help"));
	ck_assert(config_is_flag("version"));
	ck_assert(config_is_flag("check"));
	ck_assert(!config_is_flag("warn-days"));
	ck_assert(!config_is_flag("cert"));
	ck_assert(!config_is_flag("tls"));
	ck_assert(!config_is_flag("bogus"));
	ck_assert(!config_is_flag(""));
}
END_TEST

START_TEST(args_numbers_ok)
{
	ck_assert_int_eq(args("--max-connections 1 --connect-timeout 3600 "
	                      "--handshake-timeout=1 --idle-timeout 0"),
	                 0);
	ck_assert_int_eq(cfg.max_connections, 1);
	ck_assert_int_eq(cfg.connect_timeout, 3600);
	ck_assert_int_eq(cfg.handshake_timeout, 1);
	ck_assert_int_eq(cfg.idle_timeout, 0);
	reset();
	ck_assert_int_eq(args("--max-connections 100000 "
	                      "--idle-timeout 604800 --connect-timeout 007"),
	                 0);
	ck_assert_int_eq(cfg.max_connections, 100000);
	ck_assert_int_eq(cfg.idle_timeout, 604800);
	ck_assert_int_eq(cfg.connect_timeout, 7);
}
END_TEST

/*
 * Every word of every word option, and the value it sets, from the
 * command line and from a file. The words are listed here, not taken from
 * config.c, so that a word dropped or renumbered there is caught.
 */
struct word_case {
	const char *option, *word;
	int value;
};

static const struct word_case word_cases[] = {
    {"tls", "on", 1},
    {"tls", "off", 0},
    {"plaintext", "reject", 0},
    {"plaintext", "allow", 1},
    {"direct-tls", "on", 1},
    {"direct-tls", "off", 0},
    {"direct-tls-without-alpn", "reject", 0},
    {"direct-tls-without-alpn", "allow", 1},
    {"upstream-tls", "disable", UPSTREAM_TLS_DISABLE},
    {"upstream-tls", "prefer", UPSTREAM_TLS_PREFER},
    {"upstream-tls", "require", UPSTREAM_TLS_REQUIRE},
    {"upstream-tls", "verify-ca", UPSTREAM_TLS_VERIFY_CA},
    {"upstream-tls", "verify-full", UPSTREAM_TLS_VERIFY_FULL},
    {"upstream-negotiation", "postgres", 0},
    {"upstream-negotiation", "direct", 1},
    {"upstream-connect", "after-startup", 0},
    {"upstream-connect", "during-handshake", 1},
    {"log", "syslog", LOG_CHOICE_SYSLOG},
    {"log", "stderr", LOG_CHOICE_STDERR},
};

/* The field a word option sets, as an int. */
static int
word_field(const char *option)
{
	if (strcmp(option, "tls") == 0)
		return cfg.tls;
	if (strcmp(option, "plaintext") == 0)
		return cfg.plaintext_allow;
	if (strcmp(option, "direct-tls") == 0)
		return cfg.direct_tls;
	if (strcmp(option, "direct-tls-without-alpn") == 0)
		return cfg.direct_without_alpn;
	if (strcmp(option, "upstream-tls") == 0)
		return (int)cfg.upstream_tls;
	if (strcmp(option, "upstream-negotiation") == 0)
		return cfg.upstream_direct;
	if (strcmp(option, "upstream-connect") == 0)
		return cfg.upstream_early;
	if (strcmp(option, "log") == 0)
		return (int)cfg.log;
	ck_abort_msg("no field for word option '%s'", option);
	return -1;
}

START_TEST(word_table)
{
	const struct word_case *c = &word_cases[_i];
	char line[128];
	int other = -1;

	/* Start from another word of the same option, so that the value is
	 * seen to change. */
	for (size_t i = 0; i < NELEM(word_cases); i++) {
		if (strcmp(word_cases[i].option, c->option) == 0 &&
		    word_cases[i].value != c->value)
			other = (int)i;
	}
	ck_assert_int_ge(other, 0);

	snprintf(line, sizeof(line), "--%s %s", c->option,
	         word_cases[other].word);
	ck_assert_msg(args(line) == 0, "'%s': %s", line, err);
	ck_assert_int_eq(word_field(c->option), word_cases[other].value);
	reset();
	snprintf(line, sizeof(line), "--%s=%s", c->option, c->word);
	ck_assert_msg(args(line) == 0, "'%s': %s", line, err);
	ck_assert_int_eq(word_field(c->option), c->value);

	reset();
	snprintf(line, sizeof(line), "%s = %s\n", c->option, c->word);
	ck_assert_msg(text(line) == 0, "'%s': %s", line, err);
	ck_assert_int_eq(word_field(c->option), c->value);

	/* Whole words only, case and all. */
	reset();
	snprintf(line, sizeof(line), "--%s %sx", c->option, c->word);
	ck_assert_int_eq(args(line), -1);
	ERR_HAS(c->option, "not one of", c->word);
	snprintf(line, sizeof(line), "--%s %.*s", c->option,
	         (int)strlen(c->word) - 1, c->word);
	ck_assert_int_eq(args(line), -1);
	ERR_HAS("not one of");
}
END_TEST

/* The message is cut to errlen, never written past it. */
START_TEST(args_small_err_buffer)
{
	char small[16 + 1];
	int argc = split("--a-very-long-unknown-option-name");

	memset(small, 'Z', sizeof(small));
	ck_assert_int_eq(config_parse_args(&cfg, argc, argv_, small, 16), -1);
	ck_assert_uint_eq(strlen(small), 15);
	ck_assert_int_eq(small[16], 'Z');
	ck_assert(strncmp(small, "unknown option", 14) == 0);
}
END_TEST

/* config_set, used by both */

START_TEST(set_copy)
{
	char value[] = "copied.pem";

	/* From a file (a line number): copied into the pool. */
	ck_assert_int_eq(config_set(&cfg, "cert", value, 3, err, sizeof(err)),
	                 0);
	ck_assert(in_pool(cfg.cert.item[0]));
	ck_assert_uint_eq(cfg.pool_used, sizeof(value));
	value[0] = 'X';
	ck_assert_str_eq(cfg.cert.item[0], "copied.pem");

	/* From the command line: kept by pointer. */
	ck_assert_int_eq(
	    config_set(&cfg, "key", value, CONFIG_CMDLINE, err, sizeof(err)),
	    0);
	ck_assert_ptr_eq(cfg.key.item[0], value);

	ck_assert_int_eq(
	    config_set(&cfg, "nope", "x", CONFIG_CMDLINE, err, sizeof(err)),
	    -1);
	ERR_HAS("unknown option", "'nope'");
	ck_assert_int_eq(
	    config_set(&cfg, "cert", NULL, CONFIG_CMDLINE, err, sizeof(err)),
	    -1);
	ERR_HAS("'cert'", "needs a value");
}
END_TEST

/* config_parse_text */

START_TEST(text_full)
{
	static const char t[] = "# pgstunnel.conf\r\n"
	                        "\r\n"
	                        "   # indented comment\n"
	                        "\t\n"
	                        "cert = /etc/pgstunnel/server.crt\r\n"
	                        "key=/etc/pgstunnel/server.key\n"
	                        "  upstream\t=\t db:5432  \r\n"
	                        "max-connections =7\n"
	                        "upstream-tls= verify-full\n"
	                        "upstream-ca = /etc/ssl/#odd#/ca.pem\n"
	                        "upstream-servername = a=b\n"
	                        "\n"
	                        "log = stderr"; /* no final newline */

	ck_assert_int_eq(text(t), 0);
	ck_assert_str_eq(cfg.cert.item[0], "/etc/pgstunnel/server.crt");
	ck_assert_str_eq(cfg.key.item[0], "/etc/pgstunnel/server.key");
	ck_assert_int_eq(cfg.upstream.kind, ADDR_TCP);
	ck_assert_str_eq(cfg.upstream.host, "db");
	ck_assert_str_eq(cfg.upstream.port, "5432");
	ck_assert_int_eq(cfg.max_connections, 7);
	ck_assert_int_eq(cfg.upstream_tls, UPSTREAM_TLS_VERIFY_FULL);
	/* '#' after the start of a line is part of the value. */
	ck_assert_str_eq(cfg.upstream_ca, "/etc/ssl/#odd#/ca.pem");
	ck_assert_str_eq(cfg.upstream_servername, "a=b");
	ck_assert_int_eq(cfg.log, LOG_CHOICE_STDERR);
	/* Untouched options keep their defaults. */
	ck_assert_int_eq(cfg.connect_timeout, 10);
	ck_assert_int_eq(cfg.tls, 1);
}
END_TEST

START_TEST(text_empty_and_comments)
{
	ck_assert_int_eq(text(""), 0);
	ck_assert_int_eq(text("\n\n\r\n"), 0);
	ck_assert_int_eq(text("# only = a comment\n#cert = x\n"), 0);
	ck_assert_uint_eq(cfg.cert.count, 0);
	ck_assert_uint_eq(cfg.pool_used, 0);
}
END_TEST

/* A UTF-8 byte-order mark at the start is skipped; elsewhere it is text. */
START_TEST(text_bom)
{
	ck_assert_int_eq(text("\xef\xbb\xbf"
	                      "cert = a\n"),
	                 0);
	ck_assert_uint_eq(cfg.cert.count, 1);
	reset();
	ck_assert_int_eq(text("cert = a\n\xef\xbb\xbf"
	                      "key = b\n"),
	                 -1);
	ERR_HAS("test.conf:2:", "unknown option");
}
END_TEST

/* Only len bytes are text: what follows is not read. */
START_TEST(text_honours_len)
{
	static const char t[] = "log = stderr\nlisten = bogus\n";

	ck_assert_int_eq(config_parse_text(&cfg, t, 13, "f", err, sizeof(err)),
	                 0);
	ck_assert_int_eq(cfg.log, LOG_CHOICE_STDERR);
	reset();
	ck_assert_int_eq(config_parse_text(&cfg, t, 12, "f", err, sizeof(err)),
	                 0);
	reset();
	ck_assert_int_eq(
	    config_parse_text(&cfg, t, sizeof(t) - 1, "f", err, sizeof(err)),
	    -1);
	ERR_HAS("f:2:", "'bogus'");
}
END_TEST

struct bad_text {
	const char *text;
	const char *w1, *w2, *w3;
};

static const struct bad_text bad_text_cases[] = {
    {"cert /etc/x.crt\n", "test.conf:1:", "name = value", ""},
    {"# c\n\ncert = a\r\nkey\r\n", "test.conf:4:", "name = value", ""},
    {"\r\n\r\n\r\nbogus = 1\r\n", "test.conf:4:", "unknown option", "'bogus'"},
    {"max connections = 5\n", "test.conf:1:", "unknown option",
     "'max connections'"},
    {"= 5\n", "test.conf:1:", "unknown option", "''"},
    {"crl = ca.crl\n", "test.conf:1:", "unknown option 'crl'",
     "(now client-crl)"},
    {"--cert = x\n", "test.conf:1:", "unknown option", "'--cert'"},
    {"config = other.conf\n", "test.conf:1:", "'config'", "cannot be set"},
    {"log = stderr\nhelp = yes\n", "test.conf:2:", "'help'", "cannot be set"},
    {"help=\n", "test.conf:1:", "'help'", "cannot be set"},
    {"version = 1\n", "test.conf:1:", "'version'", "cannot be set"},
    {"cert =\n", "test.conf:1:", "cert", "needs a value"},
    {"cert =   \r\n", "test.conf:1:", "cert", "needs a value"},
    {"\nmax-connections = 5x\n", "test.conf:2:", "max-connections", "'5x'"},
    {"idle-timeout = 604801", "test.conf:1:", "idle-timeout",
     "from 0 to 604800"},
    {"upstream-tls = sometimes\n", "test.conf:1:", "upstream-tls",
     "disable|prefer|require|verify-ca|verify-full"},
    {"upstream = ::1:5432\n", "test.conf:1:", "upstream", "[IPv6]:PORT"},
    {"listen = h:70000\n", "test.conf:1:", "listen", "port"},
};

START_TEST(text_bad)
{
	const struct bad_text *c = &bad_text_cases[_i];

	ck_assert_msg(text(c->text) == -1, "'%s' accepted", c->text);
	ERR_HAS(c->w1, c->w2, c->w3);
}
END_TEST

START_TEST(text_nul_byte)
{
	static const char t[] = "log = stderr\ncert = a\0b\n";

	ck_assert_int_eq(config_parse_text(&cfg, t, sizeof(t) - 1, "n.conf",
	                                   err, sizeof(err)),
	                 -1);
	ERR_HAS("n.conf:2:", "NUL");
}
END_TEST

START_TEST(text_line_too_long)
{
	static char t[2100];
	size_t n;

	/* 1023 characters fit in the line buffer ... */
	strcpy(t, "cert = ");
	n = strlen(t);
	memset(t + n, 'c', 1023 - n);
	t[1023] = '\n';
	t[1024] = '\0';
	ck_assert_int_eq(text(t), 0);
	ck_assert_uint_eq(strlen(cfg.cert.item[0]), 1023 - n);
	/* ... 1024 do not, and the message says which line. */
	reset();
	strcpy(t, "# x\n");
	memcpy(t + 4, "cert = ", n);
	memset(t + 4 + n, 'c', 1024 - n);
	strcpy(t + 4 + 1024, "\n");
	ck_assert_int_eq(text(t), -1);
	ERR_HAS("test.conf:2:", "line too long");
}
END_TEST

/* Values are copied into cfg.pool: the file's buffer may go. */
START_TEST(text_values_copied)
{
	char t[] = "cert = a.crt\nkey = a.key\nclient-ca = ca.pem\n"
	           "upstream-ca = up.pem\nupstream-servername = db.internal\n"
	           "upstream-cert = c.crt\nupstream-key = c.key\n"
	           "client-crl = ca.crl\n";

	ck_assert_int_eq(text(t), 0);
	memset(t, 'X', sizeof(t) - 1);
	ck_assert_str_eq(cfg.cert.item[0], "a.crt");
	ck_assert_str_eq(cfg.key.item[0], "a.key");
	ck_assert_str_eq(cfg.client_ca, "ca.pem");
	ck_assert_str_eq(cfg.upstream_ca, "up.pem");
	ck_assert_str_eq(cfg.upstream_servername, "db.internal");
	ck_assert_str_eq(cfg.upstream_cert, "c.crt");
	ck_assert_str_eq(cfg.upstream_key, "c.key");
	ck_assert_str_eq(cfg.client_crl, "ca.crl");
	ck_assert(in_pool(cfg.cert.item[0]) && in_pool(cfg.key.item[0]) &&
	          in_pool(cfg.client_ca) && in_pool(cfg.upstream_ca) &&
	          in_pool(cfg.upstream_servername) &&
	          in_pool(cfg.upstream_cert) && in_pool(cfg.upstream_key) &&
	          in_pool(cfg.client_crl));
	ck_assert_uint_eq(cfg.pool_used, 6 + 6 + 7 + 7 + 12 + 6 + 6 + 7);
}
END_TEST

/*
 * Fill the pool to the last byte, then one more string: an error with the
 * line number, nothing written past the pool, earlier values intact.
 */
START_TEST(text_pool_exhausted)
{
	static char t[CONFIG_POOL_SIZE * 2];
	static char big[1001];
	const char *first;
	size_t used = 0, left;
	int line = 0;

	memset(big, 'v', 1000);
	big[1000] = '\0';
	t[0] = '\0';
	/* cert is a list option: it may fill the pool line after line. */
	while (CONFIG_POOL_SIZE - used > 1001) {
		strcat(t, "cert = ");
		strcat(t, big);
		strcat(t, "\n");
		used += 1001;
		line++;
	}
	left = CONFIG_POOL_SIZE - used; /* a value of left - 1 fills it */
	strcat(t, "upstream-key = ");
	memset(t + strlen(t), 'k', left - 1);
	t[strlen(t) + left - 1] = '\0';
	strcat(t, "\n");
	line++;
	ck_assert_int_eq(text(t), 0);
	ck_assert_uint_eq(cfg.pool_used, CONFIG_POOL_SIZE);
	ck_assert_uint_eq(strlen(cfg.upstream_key), left - 1);
	ck_assert_uint_eq(cfg.cert.count, (size_t)line - 1);
	first = cfg.cert.item[0];

	/* Full: even one character more does not fit. */
	ck_assert_int_eq(text("servername = x\n"), -1); /* unknown: no copy */
	ck_assert_int_eq(text("# ok\nupstream-servername = x\n"), -1);
	ERR_HAS("test.conf:2:", "too much configuration text");
	ck_assert_uint_eq(cfg.pool_used, CONFIG_POOL_SIZE);
	ck_assert_ptr_null(cfg.upstream_servername);
	ck_assert_ptr_eq(cfg.cert.item[0], first);
	ck_assert_uint_eq(strlen(cfg.cert.item[cfg.cert.count - 1]), 1000);
	ck_assert_uint_eq(strlen(cfg.upstream_key), left - 1);

	/* Non-string options need no pool and still work. */
	ck_assert_int_eq(text("max-connections = 9\nupstream = db:1\n"), 0);
	ck_assert_int_eq(cfg.max_connections, 9);

	/* In one go: the error names the line that overflowed. */
	reset();
	t[0] = '\0';
	for (int i = 0; i < 9; i++) {
		strcat(t, i < 8 ? "cert = " : "key = ");
		strcat(t, big);
		strcat(t, "\n");
	}
	ck_assert_int_eq(text(t), -1);
	ERR_HAS("test.conf:9:", "too much configuration text");
	ck_assert_uint_le(cfg.pool_used, CONFIG_POOL_SIZE);
}
END_TEST

/* The command line wins over the file: main parses the file first. */
START_TEST(args_win_over_text)
{
	ck_assert_int_eq(
	    text("cert = file.crt\nkey = file.key\n"
	         "max-connections = 5\nlog = stderr\n"
	         "upstream = filedb:5432\nupstream-tls = require\n"),
	    0);
	ck_assert_int_eq(args("--config x.conf --cert cli.crt "
	                      "--max-connections=7 --upstream /tmp/.s.PGSQL.1 "
	                      "--upstream-tls verify-ca"),
	                 0);
	ck_assert_uint_eq(cfg.cert.count, 1);
	ck_assert_str_eq(cfg.cert.item[0], "cli.crt");
	ck_assert_uint_eq(cfg.key.count, 1);
	ck_assert_str_eq(cfg.key.item[0], "file.key");
	ck_assert_int_eq(cfg.max_connections, 7);
	ck_assert_int_eq(cfg.log, LOG_CHOICE_STDERR);
	ck_assert_int_eq(cfg.upstream.kind, ADDR_UNIX);
	ck_assert_str_eq(cfg.upstream.path, "/tmp/.s.PGSQL.1");
	ck_assert_str_eq(cfg.upstream.host, "");
	ck_assert_int_eq(cfg.upstream_tls, UPSTREAM_TLS_VERIFY_CA);
	ck_assert_str_eq(cfg.config_file, "x.conf");
}
END_TEST

/* Repeated options: an error from the same place, never across. */

struct repeat_case {
	const char *file; /* parsed first, as main does; NULL: none */
	const char *line; /* then the command line */
	int rc;
	const char *w1, *w2, *w3; /* the message, for rc -1 */
};

static const struct repeat_case repeat_cases[] = {
    /* Twice on the command line, in either spelling. */
    {NULL, "--upstream a:1 --upstream b:2", -1,
     "--upstream given twice on the command line", "", ""},
    {NULL, "--upstream=a:1 --tls off --upstream=a:1", -1, "--upstream", "twice",
     "command line"},
    {NULL, "--max-connections 5 --max-connections 6", -1, "--max-connections",
     "twice", ""},
    {NULL, "--log stderr --log stderr", -1, "--log", "twice", ""},
    {NULL, "--upstream-ca a --upstream-ca b", -1, "--upstream-ca", "twice", ""},
    {NULL, "--config a.conf --config=b.conf", -1, "--config", "twice", ""},
    /* Twice in the file: both lines named. */
    {"# c\n\nupstream = a:1\n\n\n\nupstream = b:2\n", "", -1,
     "test.conf:7: upstream already set at line 3", "", ""},
    {"log = syslog\nlog=syslog\n", "", -1, "test.conf:2:", "log",
     "already set at line 1"},
    {"client-ca = a\ntls = on\nclient-ca = a\n", "", -1,
     "test.conf:3:", "client-ca", "line 1"},
    /* Once in each: the command line wins, no error. */
    {"upstream = a:1\n", "--upstream b:2", 0, NULL, NULL, NULL},
    {"max-connections = 5\nlog = stderr\n", "--log syslog --max-connections 6",
     0, NULL, NULL, NULL},
    /* Still twice on the command line with the file's value as well. */
    {"upstream = a:1\n", "--upstream b:2 --upstream c:3", -1, "--upstream",
     "twice", ""},
    /* Flags and lists may repeat. */
    {NULL, "--help --help --version --version", 0, NULL, NULL, NULL},
    {NULL, "--cert a --cert b --key a --key b", 0, NULL, NULL, NULL},
    {"cert = a\ncert = b\n", "--cert c --cert d", 0, NULL, NULL, NULL},
    /* A refused value does not count as set. */
    {"max-connections = x\n", "", -1, "test.conf:1:", "'x'", ""},
};

START_TEST(repeat_table)
{
	const struct repeat_case *c = &repeat_cases[_i];
	int rc = 0;

	if (c->file != NULL)
		rc = text(c->file);
	if (rc == 0)
		rc = args(c->line);
	ck_assert_msg(rc == c->rc, "'%s' / '%s': rc %d, expected %d (%s)",
	              c->file != NULL ? c->file : "", c->line, rc, c->rc, err);
	if (c->rc != 0)
		ERR_HAS(c->w1, c->w2, c->w3);
}
END_TEST

/* What a failed setting leaves behind may be set again. */
START_TEST(repeat_after_error)
{
	ck_assert_int_eq(args("--max-connections 10x"), -1);
	ck_assert_int_eq(args("--max-connections 10"), 0);
	ck_assert_int_eq(cfg.max_connections, 10);
	ck_assert_int_eq(text("upstream = nocolon\n"), -1);
	ck_assert_int_eq(text("upstream = db:1\n"), 0);
	ck_assert_int_eq(cfg.upstream.kind, ADDR_TCP);
}
END_TEST

/*
 * The command line wins in whichever order the two are read; a file's
 * value for an option the command line gave is still checked.
 */
START_TEST(args_win_either_order)
{
	ck_assert_int_eq(args("--upstream cli:1 --max-connections 7 "
	                      "--cert cli.crt --idle-timeout 5"),
	                 0);
	ck_assert_int_eq(text("upstream = file:2\nmax-connections = 5\n"
	                      "cert = f1.crt\ncert = f2.crt\nkey = f.key\n"
	                      "log = stderr\n"),
	                 0);
	ck_assert_str_eq(cfg.upstream.host, "cli");
	ck_assert_int_eq(cfg.max_connections, 7);
	ck_assert_uint_eq(cfg.cert.count, 1);
	ck_assert_str_eq(cfg.cert.item[0], "cli.crt");
	ck_assert_uint_eq(cfg.key.count, 1);
	ck_assert_str_eq(cfg.key.item[0], "f.key");
	ck_assert_int_eq(cfg.log, LOG_CHOICE_STDERR);
	/* Only what is used is copied: "f.key". */
	ck_assert_uint_eq(cfg.pool_used, 6);
	/* Checked all the same, and still once per file. */
	ck_assert_int_eq(text("idle-timeout = 604801\n"), -1);
	ERR_HAS("test.conf:1:", "idle-timeout", "from 0 to 604800");
	ck_assert_int_eq(cfg.idle_timeout, 5);
	ck_assert_int_eq(text("upstream = file:3\n"), -1);
	ERR_HAS("upstream already set at line 1");
	ck_assert_int_eq(cfg.max_connections, 7);
}
END_TEST

/* List options: --cert and --key. */

START_TEST(list_order)
{
	ck_assert_int_eq(args("--cert a.crt --key a.key --cert=b.crt "
	                      "--key b.key --cert c.crt --key=c.key"),
	                 0);
	ck_assert_uint_eq(cfg.cert.count, 3);
	ck_assert_uint_eq(cfg.key.count, 3);
	ck_assert_str_eq(cfg.cert.item[0], "a.crt");
	ck_assert_str_eq(cfg.cert.item[1], "b.crt");
	ck_assert_str_eq(cfg.cert.item[2], "c.crt");
	ck_assert_str_eq(cfg.key.item[0], "a.key");
	ck_assert_str_eq(cfg.key.item[1], "b.key");
	ck_assert_str_eq(cfg.key.item[2], "c.key");

	reset();
	ck_assert_int_eq(text("cert = 1.crt\nkey = 1.key\n# x\ncert = 2.crt\n"
	                      "key = 2.key\n"),
	                 0);
	ck_assert_uint_eq(cfg.cert.count, 2);
	ck_assert_str_eq(cfg.cert.item[0], "1.crt");
	ck_assert_str_eq(cfg.cert.item[1], "2.crt");
	ck_assert_str_eq(cfg.key.item[1], "2.key");
	ck_assert(in_pool(cfg.cert.item[1]) && in_pool(cfg.key.item[1]));
}
END_TEST

/* The command line's list replaces the file's whole list. */
START_TEST(list_args_replace_file)
{
	ck_assert_int_eq(text("cert = f1.crt\ncert = f2.crt\ncert = f3.crt\n"
	                      "key = f1.key\nkey = f2.key\nkey = f3.key\n"),
	                 0);
	ck_assert_int_eq(args("--cert c1.crt --cert c2.crt"), 0);
	ck_assert_uint_eq(cfg.cert.count, 2);
	ck_assert_str_eq(cfg.cert.item[0], "c1.crt");
	ck_assert_str_eq(cfg.cert.item[1], "c2.crt");
	/* Not given on the command line: the file's list stays. */
	ck_assert_uint_eq(cfg.key.count, 3);
	ck_assert_str_eq(cfg.key.item[2], "f3.key");
}
END_TEST

/* CONFIG_LIST_MAX values from each place; one more is an error. */
START_TEST(list_limit)
{
	char line[512] = "", t[512] = "", one[32];

	ck_assert_int_eq(CONFIG_LIST_MAX, 8);
	for (int i = 0; i < CONFIG_LIST_MAX; i++) {
		snprintf(one, sizeof(one), "--cert c%d ", i);
		strcat(line, one);
		snprintf(one, sizeof(one), "key = k%d\n", i);
		strcat(t, one);
	}
	ck_assert_int_eq(text(t), 0);
	ck_assert_int_eq(args(line), 0);
	ck_assert_uint_eq(cfg.cert.count, CONFIG_LIST_MAX);
	ck_assert_uint_eq(cfg.key.count, CONFIG_LIST_MAX);
	ck_assert_str_eq(cfg.cert.item[7], "c7");
	ck_assert_str_eq(cfg.key.item[7], "k7");

	/* The file's 8 and the command line's 8 do not add up. */
	reset();
	ck_assert_int_eq(text(t), 0);
	ck_assert_int_eq(args("--key x0 --key x1"), 0);
	ck_assert_uint_eq(cfg.key.count, 2);

	reset();
	strcat(line, "--cert c8");
	ck_assert_int_eq(args(line), -1);
	ERR_HAS("cert", "at most 8");
	ck_assert_uint_eq(cfg.cert.count, CONFIG_LIST_MAX);

	reset();
	strcat(t, "key = k8\n");
	ck_assert_int_eq(text(t), -1);
	ERR_HAS("test.conf:9:", "key", "at most 8");
	ck_assert_uint_eq(cfg.key.count, CONFIG_LIST_MAX);
}
END_TEST

/* config_route_for(): 1 with the route's address copied into *a, or 0. */
static int
route_for(const char *sni, struct addr *a)
{
	const struct addr *r = config_route_for(&cfg, sni);

	if (r != NULL)
		*a = *r;
	return r != NULL;
}

/* A list value may not be empty either. */
/* --route: the upstream for a client's SNI. */
START_TEST(route_lookup)
{
	struct addr a;

	ck_assert_int_eq(args("--cert c --key k --upstream db:5432 "
	                      "--route a.example.com=10.0.0.1:6432 "
	                      "--route b.example.com=/run/pg/.s.PGSQL.5432"),
	                 0);
	ck_assert_int_eq(config_check(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(route_for("a.example.com", &a), 1);
	ck_assert_int_eq(a.kind, ADDR_TCP);
	ck_assert_str_eq(a.host, "10.0.0.1");
	ck_assert_str_eq(a.port, "6432");
	/* Names compare without case, as DNS names do. */
	ck_assert_int_eq(route_for("B.Example.Com", &a), 1);
	ck_assert_int_eq(a.kind, ADDR_UNIX);
	ck_assert_str_eq(a.path, "/run/pg/.s.PGSQL.5432");
	/* No route: --upstream is the one. */
	ck_assert_int_eq(route_for("c.example.com", &a), 0);
	ck_assert_int_eq(route_for("example.com", &a), 0);
	ck_assert_int_eq(route_for("", &a), 0);
	ck_assert_int_eq(route_for(NULL, &a), 0);
}
END_TEST

/* A wildcard route covers one leftmost label, as a certificate's name
 * does; a name routed exactly wins wherever it is listed. */
START_TEST(route_wildcard)
{
	struct addr a;

	ck_assert_int_eq(args("--cert c --key k --upstream db:5432 "
	                      "--route *.w.example=10.0.0.1:6432 "
	                      "--route a.w.example=10.0.0.2:6432 "
	                      "--route *.example=10.0.0.3:6432"),
	                 0);
	ck_assert_int_eq(config_check(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(route_for("b.w.example", &a), 1);
	ck_assert_str_eq(a.host, "10.0.0.1");
	ck_assert_int_eq(route_for("B.W.EXAMPLE", &a), 1);
	ck_assert_str_eq(a.host, "10.0.0.1");
	ck_assert_int_eq(route_for("a.w.example", &a), 1);
	ck_assert_str_eq(a.host, "10.0.0.2");
	ck_assert_int_eq(route_for("w.example", &a), 1);
	ck_assert_str_eq(a.host, "10.0.0.3");
	/* One label only: x.b.w.example is not under *.w.example, nor
	 * under *.example. */
	ck_assert_int_eq(route_for("x.b.w.example", &a), 0);
	ck_assert_int_eq(route_for("example", &a), 0);
	ck_assert_int_eq(route_for("w.example.org", &a), 0);

	/* Any other '*' is refused at start, not silently never matched. */
	static const char *const bad[] = {
	    "*",           "*.",          "a*.w.example",
	    "x.*.example", "*.*.example", "*w.example"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128];

		snprintf(line, sizeof(line),
		         "--cert c --key k --upstream db:5432 --route %s=h:1",
		         bad[i]);
		reset();
		ck_assert_int_eq(args(line), 0);
		ck_assert_int_eq(config_check(&cfg, err, sizeof(err)), -1);
		ERR_HAS("--route", "wildcard must be the whole leftmost label");
	}
}
END_TEST

START_TEST(list_empty_value)
{
	ck_assert_int_eq(args("--cert a --cert="), -1);
	ERR_HAS("cert", "needs a value");
	ck_assert_uint_eq(cfg.cert.count, 1);
	ck_assert_int_eq(text("key = a\nkey =\n"), -1);
	ERR_HAS("test.conf:2:", "key", "needs a value");
}
END_TEST

/* --help: made from the table; every option and every word in it. */

static char usage_buf[8192];

static const char *
usage(void)
{
	FILE *f = fmemopen(usage_buf, sizeof(usage_buf), "w");

	ck_assert_ptr_nonnull(f);
	config_print_usage(f);
	ck_assert_int_eq(ferror(f), 0);
	ck_assert_int_lt(ftell(f), (long)sizeof(usage_buf) - 1);
	ck_assert_int_eq(fclose(f), 0);
	return usage_buf;
}

/* Every option, listed here rather than taken from config.c. */
static const char *const option_names[] = {
    "cert",
    "key",
    "client-ca",
    "client-cert",
    "client-crl",
    "client-user",
    "client-user-map",
    "tls",
    "plaintext",
    "direct-tls",
    "direct-tls-without-alpn",
    "proxy-protocol",
    "proxy-from",
    "allow",
    "upstream",
    "route",
    "upstream-tls",
    "upstream-ca",
    "upstream-servername",
    "upstream-cert",
    "upstream-key",
    "upstream-negotiation",
    "upstream-connect",
    "listen",
    "max-connections",
    "connect-timeout",
    "handshake-timeout",
    "idle-timeout",
    "log",
    "user",
    "group",
    "chroot",
    "sandbox",
    "config",
    "check",
    "warn-days",
    "help",
    "version",
};

/* The --help line for option, copied to row, or NULL. */
static const char *
usage_row(const char *text_, const char *option, char *row, size_t cap)
{
	char want[64];
	const char *p;

	snprintf(want, sizeof(want), "\n  --%s", option);
	for (p = strstr(text_, want); p != NULL; p = strstr(p + 1, want)) {
		char next = p[strlen(want)];

		if (next == ' ' || next == '\n') {
			size_t n = strcspn(p + 1, "\n");

			ck_assert_uint_lt(n, cap);
			memcpy(row, p + 1, n);
			row[n] = '\0';
			return row;
		}
	}
	return NULL;
}

START_TEST(usage_every_option)
{
	const char *u = usage();
	char row[128];

	ck_assert_uint_eq(NELEM(option_names), CONFIG_OPTIONS);
	for (size_t i = 0; i < NELEM(option_names); i++) {
		const char *name = option_names[i];

		ck_assert_msg(usage_row(u, name, row, sizeof(row)) != NULL,
		              "--help has no line for --%s", name);
		/* And it is a real option. */
		if (config_is_flag(name))
			continue;
		ck_assert_int_eq(config_set(&cfg, name, "", CONFIG_CMDLINE, err,
		                            sizeof(err)),
		                 -1);
		ERR_HAS("needs a value");
	}
}
END_TEST

/* Each word on its option's line, which config_set() accepts. */
START_TEST(usage_every_word)
{
	const char *u = usage();
	char row[128];

	for (size_t i = 0; i < NELEM(word_cases); i++) {
		const struct word_case *c = &word_cases[i];
		char *words, *w;
		int found = 0;

		ck_assert_ptr_nonnull(
		    usage_row(u, c->option, row, sizeof(row)));
		/* "  --name a|b|c  text": the second word, split at '|'. */
		words = strchr(row + 2, ' ');
		ck_assert_ptr_nonnull(words);
		words[strcspn(words + 1, " ") + 1] = '\0';
		for (w = strtok(words + 1, "|"); w != NULL;
		     w = strtok(NULL, "|"))
			found |= strcmp(w, c->word) == 0;
		ck_assert_msg(found, "--%s: '%s' is not in --help", c->option,
		              c->word);
	}
	/* The order of the words in the table, as written there. */
	ck_assert_ptr_nonnull(strstr(
	    u, "  --upstream-tls disable|prefer|require|verify-ca|verify-full\n"
	       "                         (default disable)\n"));
	ck_assert_ptr_nonnull(strstr(u, "  --tls on|off           off: "));
	ck_assert_ptr_nonnull(strstr(u, "  --log syslog|stderr    (default "));
}
END_TEST

/* The layout: the headings in order, columns, no line over 79. */
START_TEST(usage_layout)
{
	const char *u = usage(), *client, *upstream, *process, *p;

	ck_assert(strncmp(u,
	                  "usage: pgstunnel --cert FILE --key FILE "
	                  "--upstream ADDR [options]\n",
	                  66) == 0);
	client = strstr(u, "\nClient side:\n  --cert FILE ");
	upstream = strstr(u, "\nUpstream:\n  --upstream ADDR ");
	process = strstr(u, "\nProcess:\n  --listen ADDR ");
	ck_assert(client != NULL && upstream != NULL && process != NULL);
	ck_assert(client < upstream && upstream < process);
	ck_assert_ptr_nonnull(
	    strstr(u, "\n  --cert FILE            PEM certificate chain, leaf "
	              "first\n"));
	/* A second line of a text goes under the first. */
	ck_assert_ptr_nonnull(strstr(
	    u, "\n  --client-crl FILE      CRLs (PEM or DER): refuse revoked "
	       "client\n"
	       "                         certificates (each issuer needs a "
	       "current CRL)\n"));
	ck_assert_ptr_nonnull(strstr(
	    u, "\n  --upstream-servername NAME  name to verify and send as "
	       "SNI\n"));
	ck_assert_ptr_nonnull(
	    strstr(u, "\n  --upstream-connect after-startup|during-handshake\n"
	              "                         when to connect (default "
	              "after-startup)\n"));
	for (p = u; *p != '\0'; p += strcspn(p, "\n") + 1) {
		ck_assert_msg(strcspn(p, "\n") <= 79, "line too long: %.90s",
		              p);
		if (p[strcspn(p, "\n")] == '\0')
			break;
	}
	ck_assert_int_eq(u[strlen(u) - 1], '\n');
}
END_TEST

/* config_find_file */

START_TEST(find_file)
{
	int argc;

	argc = split("--cert c --config /etc/pgstunnel/pgstunnel.conf --key k");
	ck_assert_str_eq(config_find_file(argc, argv_),
	                 "/etc/pgstunnel/pgstunnel.conf");
	argc = split("--cert c --config=/etc/p.conf --key k");
	ck_assert_str_eq(config_find_file(argc, argv_), "/etc/p.conf");
	argc = split("--config=a=b.conf");
	ck_assert_str_eq(config_find_file(argc, argv_), "a=b.conf");
	argc = split("--cert c --key k");
	ck_assert_ptr_null(config_find_file(argc, argv_));
	argc = split("--config");
	ck_assert_ptr_null(config_find_file(argc, argv_));
	/* argc bounds the search, not a NULL in argv. */
	split("--config beyond.conf");
	ck_assert_ptr_null(config_find_file(2, argv_));
	/* Both spellings later on the line. */
	argc = split("--tls off --upstream db:1 --config=late.conf");
	ck_assert_str_eq(config_find_file(argc, argv_), "late.conf");
	argc = split("--configx=a --config-file b");
	ck_assert_ptr_null(config_find_file(argc, argv_));
	ck_assert_ptr_null(config_find_file(1, argv_));
	/* argv[0] is never an option. */
	argv_[0] = "--config=argv0";
	argv_[1] = NULL;
	ck_assert_ptr_null(config_find_file(1, argv_));
}
END_TEST

/* config_check */

struct check_case {
	const char *line;
	int rc;
	const char *w1, *w2; /* for rc -1 */
};

#define SRV     "--cert c.crt --key c.key "
#define UNIX_UP "--upstream /run/postgresql/.s.PGSQL.5432 "

static const struct check_case check_cases[] = {
    /* Accepted. */
    {SRV "--upstream db:5432", 0, NULL, NULL},
    {"--tls off --upstream db:5432", 0, NULL, NULL},
    {"--tls off " UNIX_UP, 0, NULL, NULL},
    {"--tls off --key k --upstream db:5432", 0, NULL, NULL},
    {SRV "--upstream db:5432 --client-ca ca.pem", 0, NULL, NULL},
    {SRV "--upstream db:5432 --client-ca ca.pem --client-crl ca.crl", 0, NULL,
     NULL},
    {SRV "--upstream db:5432 --client-ca ca.pem --client-cert optional", 0,
     NULL, NULL},
    {SRV "--upstream db:5432 --client-cert required", 0, NULL, NULL},
    /* --check, with or without --warn-days, also with --listen. */
    {SRV "--upstream db:5432 --check", 0, NULL, NULL},
    {SRV "--upstream db:5432 --check --warn-days 0", 0, NULL, NULL},
    {SRV "--upstream db:5432 --warn-days 7 --check --listen 0.0.0.0:5433", 0,
     NULL, NULL},
    {SRV "--upstream db:5432 --warn-days 7", -1, "--warn-days",
     "needs --check"},
    {SRV "--upstream db:5432 --client-ca ca.pem --client-user cn", 0, NULL,
     NULL},
    {SRV "--upstream db:5432 --client-ca ca.pem --client-user dn "
         "--client-user-map m",
     0, NULL, NULL},
    {SRV "--upstream db:5432 --listen 0.0.0.0:5433", 0, NULL, NULL},
    {SRV "--upstream db:5432 --listen [::]:5433", 0, NULL, NULL},
    {SRV "--upstream db:5432 --upstream-tls prefer", 0, NULL, NULL},
    {SRV "--upstream db:5432 --upstream-tls require", 0, NULL, NULL},
    {SRV "--upstream db:5432 --upstream-tls require "
         "--upstream-negotiation direct",
     0, NULL, NULL},
    {SRV "--upstream db:5432 --upstream-tls prefer "
         "--upstream-negotiation postgres",
     0, NULL, NULL},
    {SRV "--upstream db:5432 --upstream-tls verify-ca --upstream-ca ca", 0,
     NULL, NULL},
    {SRV "--upstream db:5432 --upstream-tls verify-full --upstream-ca ca", 0,
     NULL, NULL},
    {SRV "--upstream db:5432 --upstream-tls verify-full --upstream-ca ca "
         "--upstream-servername db.internal --upstream-cert u.crt "
         "--upstream-key u.key --upstream-negotiation direct",
     0, NULL, NULL},
    {SRV "--upstream db:5432 --upstream-tls prefer --upstream-cert u.crt "
         "--upstream-key u.key --upstream-servername db",
     0, NULL, NULL},
    {SRV UNIX_UP "--upstream-tls verify-full --upstream-ca ca "
                 "--upstream-servername db.internal",
     0, NULL, NULL},
    {SRV UNIX_UP "--upstream-tls verify-ca --upstream-ca ca", 0, NULL, NULL},
    {SRV UNIX_UP "--upstream-tls require", 0, NULL, NULL},

    /* --cert and --key pair in order; SNI chooses among the pairs. */
    {"--tls off --cert a --cert b --key a --upstream db:5432", 0, NULL, NULL},
    {SRV "--cert d.crt --upstream db:5432", -1, "--cert and --key", "pairs"},
    {SRV "--key d.key --key e.key --upstream db:5432", -1, "--cert and --key",
     "pairs"},
    {SRV "--cert d.crt --key d.key --upstream db:5432", 0, NULL, NULL},
    /* --route NAME=ADDR */
    {SRV "--upstream db:5432 --route a.example.com=10.0.0.1:5432 "
         "--route B.example.com=/run/pg/.s.PGSQL.5432",
     0, NULL, NULL},
    {SRV "--upstream db:5432 --route a.example.com", -1, "--route",
     "NAME=ADDR"},
    {SRV "--upstream db:5432 --route =db2:5432", -1, "--route", "NAME=ADDR"},
    {SRV "--upstream db:5432 --route a.example.com=db2", -1,
     "--route 'a.example.com=db2'", ""},
    {SRV "--upstream db:5432 --route a.example.com=db2:1 "
         "--route A.Example.COM=db3:1",
     -1, "A.Example.COM", "routed twice"},
    {"--tls off --upstream db:5432 --route a=db2:1", -1, "--route needs",
     "--tls on"},

    /* --upstream */
    {"", -1, "--upstream", "required"},
    {SRV, -1, "--upstream", "required"},
    {"--tls off", -1, "--upstream", "required"},
    /* --cert and --key, unless --tls off */
    {"--upstream db:5432", -1, "--cert and --key", "--tls off"},
    {"--cert c.crt --upstream db:5432", -1, "--cert and --key", "required"},
    {"--key c.key --upstream db:5432", -1, "--cert and --key", "required"},
    {"--tls on --upstream db:5432", -1, "--cert and --key", "required"},
    /* --client-ca */
    {"--tls off --client-ca ca --upstream db:5432", -1, "--client-ca",
     "--tls on"},
    {SRV "--tls off --client-ca ca --upstream db:5432", -1, "--client-ca",
     "--tls on"},
    /* --client-crl */
    {SRV "--upstream db:5432 --client-crl ca.crl", -1, "--client-crl",
     "--client-ca"},
    {SRV "--upstream db:5432 --client-cert optional", -1,
     "--client-cert optional needs", "--client-ca"},
    {SRV "--upstream db:5432 --client-user cn", -1, "--client-user needs",
     "--client-ca"},
    {SRV "--upstream db:5432 --client-ca ca.pem --client-user off "
         "--client-user-map m",
     -1, "--client-user-map needs", "cn or dn"},

    {"--tls off --client-crl ca.crl --upstream db:5432", -1,
     "--client-crl needs", "--client-ca"},
    /* --listen */
    {SRV "--upstream db:5432 --listen /tmp/pgst.sock", -1, "--listen",
     "HOST:PORT"},
    /* --upstream-ca and verification */
    {SRV "--upstream db:5432 --upstream-tls verify-ca", -1,
     "verify-ca and verify-full", "need --upstream-ca"},
    {SRV "--upstream db:5432 --upstream-tls verify-full", -1,
     "verify-ca and verify-full", "need --upstream-ca"},
    {SRV "--upstream db:5432 --upstream-ca ca", -1, "--upstream-ca needs",
     "verify-ca or verify-full"},
    {SRV "--upstream db:5432 --upstream-tls prefer --upstream-ca ca", -1,
     "--upstream-ca needs", "verify-ca or verify-full"},
    {SRV "--upstream db:5432 --upstream-tls require --upstream-ca ca", -1,
     "--upstream-ca needs", "verify-ca or verify-full"},
    /* --upstream-cert and --upstream-key together */
    {SRV "--upstream db:5432 --upstream-tls require --upstream-cert u.crt", -1,
     "--upstream-cert and --upstream-key", "together"},
    {SRV "--upstream db:5432 --upstream-tls require --upstream-key u.key", -1,
     "--upstream-cert and --upstream-key", "together"},
    {SRV "--upstream db:5432 --upstream-cert u.crt", -1,
     "--upstream-cert and --upstream-key", "together"},
    /* Upstream TLS options without upstream TLS */
    {SRV "--upstream db:5432 --upstream-cert u.crt --upstream-key u.key", -1,
     "--upstream-cert", "need --upstream-tls"},
    {SRV "--upstream db:5432 --upstream-tls disable --upstream-cert u.crt "
         "--upstream-key u.key",
     -1, "--upstream-cert", "need --upstream-tls"},
    {SRV "--upstream db:5432 --upstream-servername db", -1,
     "--upstream-servername", "need --upstream-tls"},
    {SRV "--upstream db:5432 --upstream-negotiation direct", -1,
     "--upstream-negotiation", "need --upstream-tls"},
    /* direct upstream negotiation cannot fall back */
    {SRV "--upstream db:5432 --upstream-tls prefer "
         "--upstream-negotiation direct",
     -1, "--upstream-negotiation direct", "require, verify-ca or verify-full"},
    /* verify-full over a Unix socket has no host name to check */
    {SRV UNIX_UP "--upstream-tls verify-full --upstream-ca ca", -1,
     "verify-full over a Unix socket", "--upstream-servername"},
};

START_TEST(check_table)
{
	const struct check_case *c = &check_cases[_i];
	int rc;

	ck_assert_msg(args(c->line) == 0, "'%s': %s", c->line, err);
	err[0] = '\0';
	rc = config_check(&cfg, err, sizeof(err));
	ck_assert_msg(rc == c->rc, "'%s': rc %d, expected %d (%s)", c->line, rc,
	              c->rc, err);
	if (c->rc != 0)
		ERR_HAS(c->w1, c->w2);
}
END_TEST

/*
 * --warn-days in a configuration file does not need --check: the cron
 * job's --check and the service share the file. --check itself is a flag,
 * command line only.
 */
START_TEST(check_warn_days_in_file)
{
	ck_assert_int_eq(text("upstream = db:1\ncert = c\nkey = k\n"
	                      "warn-days = 7\n"),
	                 0);
	ck_assert_int_eq(cfg.warn_days, 7);
	ck_assert_int_eq(config_check(&cfg, err, sizeof(err)), 0);
	reset();
	ck_assert_int_eq(text("check = yes\n"), -1);
	ERR_HAS("test.conf:1:", "'check'", "cannot be set");
}
END_TEST

/* A name the upstream's TLS must send and check: 253 characters at most,
 * no spaces or control characters, also when it is the --upstream host. */
START_TEST(check_tls_name_limits)
{
	static const struct {
		size_t len;
		char fill; /* one character set at position 3 */
		int rc;
	} cases[] = {
	    {253, 'a', 0}, {254, 'a', -1}, {300, 'a', -1}, {10, '\t', -1},
	    {10, ' ', -1}, {10, 0x7f, -1}, {10, '\n', -1}, {1, 'a', 0},
	};
	char name[400];

	for (size_t i = 0; i < NELEM(cases); i++) {
		memset(name, 'a', cases[i].len);
		name[cases[i].len] = '\0';
		name[cases[i].len > 3 ? 3 : 0] = cases[i].fill;
		config_defaults(&cfg);
		ck_assert_int_eq(args(SRV "--upstream db:5432 --upstream-tls "
		                          "require"),
		                 0);
		ck_assert_int_eq(config_set(&cfg, "upstream-servername", name,
		                            CONFIG_CMDLINE, err, sizeof(err)),
		                 0);
		ck_assert_msg(config_check(&cfg, err, sizeof(err)) ==
		                  cases[i].rc,
		              "servername of %zu: %s", cases[i].len, err);
		if (cases[i].rc != 0)
			ERR_HAS("--upstream-servername", "253");
	}
	/* The --upstream host is the name when no servername is given. */
	memset(name, 'h', 254);
	memcpy(name + 254, ":5432", 6);
	config_defaults(&cfg);
	ck_assert_int_eq(args(SRV "--upstream-tls require"), 0);
	ck_assert_int_eq(config_set(&cfg, "upstream", name, CONFIG_CMDLINE, err,
	                            sizeof(err)),
	                 0);
	ck_assert_int_eq(config_check(&cfg, err, sizeof(err)), -1);
	ERR_HAS("--upstream host name", "--upstream-servername");
	/* Without upstream TLS the name is never used as one. */
	config_defaults(&cfg);
	ck_assert_int_eq(args(SRV), 0);
	ck_assert_int_eq(config_set(&cfg, "upstream", name, CONFIG_CMDLINE, err,
	                            sizeof(err)),
	                 0);
	ck_assert_int_eq(config_check(&cfg, err, sizeof(err)), 0);
}
END_TEST

/* config_check works on what a file set just the same. */
START_TEST(check_after_text)
{
	ck_assert_int_eq(text("upstream = /run/pg/.s.PGSQL.5432\n"
	                      "upstream-tls = verify-full\n"
	                      "upstream-ca = ca.pem\ntls = off\n"),
	                 0);
	ck_assert_int_eq(config_check(&cfg, err, sizeof(err)), -1);
	ERR_HAS("Unix socket", "--upstream-servername");
	ck_assert_int_eq(args("--upstream-servername db"), 0);
	ck_assert_int_eq(config_check(&cfg, err, sizeof(err)), 0);
}
END_TEST

/* config_defaults */

START_TEST(defaults)
{
	memset(&cfg, 0xA5, sizeof(cfg));
	config_defaults(&cfg);
	ck_assert_uint_eq(cfg.cert.count, 0);
	ck_assert_uint_eq(cfg.key.count, 0);
	ck_assert_ptr_null(cfg.client_ca);
	ck_assert_ptr_null(cfg.config_file);
	ck_assert_int_eq(cfg.upstream.kind, ADDR_NONE);
	ck_assert_int_eq(cfg.listen.kind, ADDR_NONE);
	ck_assert_int_eq(cfg.max_connections, 64);
	ck_assert_int_eq(cfg.connect_timeout, 10);
	ck_assert_int_eq(cfg.handshake_timeout, 30);
	ck_assert_int_eq(cfg.idle_timeout, 0);
	ck_assert_int_eq(cfg.log, LOG_CHOICE_SYSLOG);
	ck_assert_int_eq(cfg.tls, 1);
	ck_assert_int_eq(cfg.plaintext_allow, 0);
	ck_assert_int_eq(cfg.direct_tls, 1);
	ck_assert_int_eq(cfg.direct_without_alpn, 0);
	ck_assert_int_eq(cfg.upstream_tls, UPSTREAM_TLS_DISABLE);
	ck_assert_ptr_null(cfg.upstream_ca);
	ck_assert_ptr_null(cfg.upstream_servername);
	ck_assert_ptr_null(cfg.upstream_cert);
	ck_assert_ptr_null(cfg.upstream_key);
	ck_assert_int_eq(cfg.upstream_direct, 0);
	ck_assert_int_eq(cfg.help, 0);
	ck_assert_int_eq(cfg.version, 0);
	ck_assert_int_eq(cfg.check, 0);
	ck_assert_int_eq(cfg.warn_days, 30);
	ck_assert_uint_eq(cfg.pool_used, 0);
	for (size_t i = 0; i < CONFIG_OPTIONS; i++) {
		ck_assert_uint_eq(cfg.file_line[i], 0);
		ck_assert_uint_eq(cfg.cmdline[i], 0);
	}
	/* What config_defaults() writes and every session reads (the
	 * --proxy-from and --allow lists) lies within the first page, which
	 * every process started per connection dirties (main.c aligns its
	 * configuration to a page); the pool and the routes after it are
	 * touched only when used. 1,936 bytes on x86-64. */
	ck_assert_uint_le(offsetof(struct config, pool_used), 4096);

	/* The --help text promises the same defaults. */
	ck_assert_ptr_nonnull(strstr(usage(), "(default 64)"));
	ck_assert_ptr_nonnull(strstr(usage(), "(default 10)"));
	ck_assert_ptr_nonnull(strstr(usage(), "(default 30)"));
	ck_assert_ptr_nonnull(strstr(usage(), "(default 0 = off)"));
	ck_assert_ptr_nonnull(strstr(usage(), "(default syslog)"));
	ck_assert_ptr_nonnull(strstr(usage(), "(default disable)"));
	ck_assert_ptr_nonnull(strstr(usage(), "(default postgres)"));
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("addr");
	tcase_add_checked_fixture(tc, reset, NULL);
	tcase_add_loop_test(tc, addr_table, 0, (int)NELEM(addr_cases));
	tcase_add_test(tc, addr_unix_path_length);
	tcase_add_test(tc, addr_host_length);
	tcase_add_test(tc, addr_host_too_long_reason);
	tcase_add_test(tc, addr_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("args");
	tcase_add_checked_fixture(tc, reset, NULL);
	tcase_add_test(tc, args_both_forms);
	tcase_add_test(tc, args_values);
	tcase_add_loop_test(tc, args_bad, 0, (int)NELEM(bad_args_cases));
	tcase_add_test(tc, args_long_unknown_name);
	tcase_add_test(tc, args_bad_keeps_default);
	tcase_add_test(tc, args_flags);
	tcase_add_test(tc, args_numbers_ok);
	tcase_add_loop_test(tc, word_table, 0, (int)NELEM(word_cases));
	tcase_add_test(tc, args_small_err_buffer);
	tcase_add_test(tc, set_copy);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_checked_fixture(tc, reset, NULL);
	tcase_add_test(tc, text_full);
	tcase_add_test(tc, text_empty_and_comments);
	tcase_add_test(tc, text_bom);
	tcase_add_test(tc, text_honours_len);
	tcase_add_loop_test(tc, text_bad, 0, (int)NELEM(bad_text_cases));
	tcase_add_test(tc, text_nul_byte);
	tcase_add_test(tc, text_line_too_long);
	tcase_add_test(tc, text_values_copied);
	tcase_add_test(tc, text_pool_exhausted);
	tcase_add_test(tc, args_win_over_text);
	tcase_add_test(tc, args_win_either_order);
	tcase_add_test(tc, find_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("repeat");
	tcase_add_checked_fixture(tc, reset, NULL);
	tcase_add_loop_test(tc, repeat_table, 0, (int)NELEM(repeat_cases));
	tcase_add_test(tc, repeat_after_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("list");
	tcase_add_checked_fixture(tc, reset, NULL);
	tcase_add_test(tc, list_order);
	tcase_add_test(tc, list_args_replace_file);
	tcase_add_test(tc, list_limit);
	tcase_add_test(tc, list_empty_value);
	tcase_add_test(tc, route_lookup);
	tcase_add_test(tc, route_wildcard);
	suite_add_tcase(s, tc);

	tc = tcase_create("usage");
	tcase_add_checked_fixture(tc, reset, NULL);
	tcase_add_test(tc, usage_every_option);
	tcase_add_test(tc, usage_every_word);
	tcase_add_test(tc, usage_layout);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_checked_fixture(tc, reset, NULL);
	tcase_add_loop_test(tc, check_table, 0, (int)NELEM(check_cases));
	tcase_add_test(tc, check_tls_name_limits);
	tcase_add_test(tc, check_after_text);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, check_warn_days_in_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

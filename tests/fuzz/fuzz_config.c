/*
 * libFuzzer target for config: the --config file parser and the address
 * parser (--upstream, --listen, and every address in a config file).
 *
 * config_parse_text() takes (text, len) and needs no NUL terminator: it
 * finds lines with memchr() inside len and refuses a NUL inside a line.
 * So the input goes in as it is; libFuzzer's buffer is exactly size
 * bytes, and AddressSanitizer sees any read past it. A parsed config then
 * goes through config_check() and config_format_addr(), and every field
 * is checked against what the option table allows: list options hold at
 * most CONFIG_LIST_MAX values, and an option is recorded as set at a
 * line the input has. Then a command line is applied on top: whatever
 * the file set, it is accepted and wins (its --cert list replaces the
 * file's).
 *
 * config_parse_addr() wants a C string: the input is cut at its first
 * newline and each part is given, NUL-terminated, to it.
 */
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "usermap.h"

#define GUARD      32
#define GUARD_BYTE 0xa5

static struct config cfg; /* 15 KB: static rather than on the stack */

static void
check_guard(const char *buf, size_t len)
{
	size_t i;

	for (i = len; i < len + GUARD; i++)
		FUZZ_CHECK((unsigned char)buf[i] == GUARD_BYTE);
}

/* An error text: one NUL-terminated, non-empty line within errlen. */
static void
check_err(const char *err, size_t errlen)
{
	const char *nul = memchr(err, '\0', errlen);

	check_guard(err, errlen);
	FUZZ_CHECK(nul != NULL);
	FUZZ_CHECK(nul > err);
}

static int
is_terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void
check_addr(const struct addr *a)
{
	char text[CONFIG_HOST_MAX + CONFIG_PORT_MAX + 8 + GUARD];
	const size_t cap = sizeof(text) - GUARD;
	const char *p;
	long port = 0;

	FUZZ_CHECK(is_terminated(a->host, sizeof(a->host)));
	FUZZ_CHECK(is_terminated(a->port, sizeof(a->port)));
	FUZZ_CHECK(is_terminated(a->path, sizeof(a->path)));
	switch (a->kind) {
	case ADDR_NONE:
		return;
	case ADDR_TCP:
		FUZZ_CHECK(a->host[0] != '\0');
		FUZZ_CHECK(a->path[0] == '\0');
		FUZZ_CHECK(a->port[0] >= '1' && a->port[0] <= '9');
		for (p = a->port; *p != '\0'; p++) {
			FUZZ_CHECK(*p >= '0' && *p <= '9');
			port = port * 10 + (*p - '0');
		}
		FUZZ_CHECK(port >= 1 && port <= 65535);
		break;
	case ADDR_UNIX:
		FUZZ_CHECK(a->path[0] == '/');
		FUZZ_CHECK(a->host[0] == '\0' && a->port[0] == '\0');
		break;
	default:
		FUZZ_CHECK(0);
	}
	memset(text, GUARD_BYTE, sizeof(text));
	config_format_addr(a, text, cap);
	check_guard(text, cap);
	FUZZ_CHECK(is_terminated(text, cap));
}

/* A string option from a file: NULL, or a non-empty copy in the pool. */
static void
check_string(const struct config *c, const char *s)
{
	if (s == NULL)
		return;
	FUZZ_CHECK(s >= c->pool && s < c->pool + c->pool_used);
	FUZZ_CHECK(memchr(s, '\0', (size_t)(c->pool + c->pool_used - s)) !=
	           NULL);
	FUZZ_CHECK(s[0] != '\0');
}

/* A list option from a file: at most CONFIG_LIST_MAX pool strings. */
static void
check_list(const struct config *c, const struct config_list *l)
{
	FUZZ_CHECK(l->count <= CONFIG_LIST_MAX);
	for (size_t i = 0; i < l->count; i++) {
		FUZZ_CHECK(l->item[i] != NULL);
		check_string(c, l->item[i]);
	}
}

static void
check_config(const struct config *c, unsigned int lines)
{
	FUZZ_CHECK(c->pool_used <= sizeof(c->pool));
	check_list(c, &c->cert);
	check_list(c, &c->key);
	for (size_t i = 0; i < CONFIG_OPTIONS; i++) {
		FUZZ_CHECK(c->file_line[i] <= lines);
		FUZZ_CHECK(c->cmdline[i] == 0);
	}
	check_string(c, c->client_ca);
	check_string(c, c->upstream_ca);
	check_string(c, c->upstream_servername);
	check_string(c, c->upstream_cert);
	check_string(c, c->upstream_key);
	FUZZ_CHECK(c->config_file == NULL); /* refused in a file */
	FUZZ_CHECK(!c->help && !c->version);
	check_addr(&c->upstream);
	check_addr(&c->listen);
	FUZZ_CHECK(c->max_connections >= 1 && c->max_connections <= 100000);
	FUZZ_CHECK(c->connect_timeout >= 1 && c->connect_timeout <= 3600);
	FUZZ_CHECK(c->handshake_timeout >= 1 && c->handshake_timeout <= 3600);
	FUZZ_CHECK(c->idle_timeout >= 0 && c->idle_timeout <= 604800);
	FUZZ_CHECK(c->log == LOG_CHOICE_SYSLOG || c->log == LOG_CHOICE_STDERR);
	FUZZ_CHECK(c->tls == 0 || c->tls == 1);
	FUZZ_CHECK(c->plaintext_allow == 0 || c->plaintext_allow == 1);
	FUZZ_CHECK(c->direct_tls == 0 || c->direct_tls == 1);
	FUZZ_CHECK(c->direct_without_alpn == 0 || c->direct_without_alpn == 1);
	FUZZ_CHECK(c->upstream_direct == 0 || c->upstream_direct == 1);
	FUZZ_CHECK(c->upstream_tls >= UPSTREAM_TLS_DISABLE &&
	           c->upstream_tls <= UPSTREAM_TLS_VERIFY_FULL);
}

/* The command line after the file, as main does it. */
static void
apply_args(void)
{
	static char a0[] = "pgstunnel", a1[] = "--cert", a2[] = "cli.crt",
	            a3[] = "--upstream=127.0.0.1:1";
	char *argv[] = {a0, a1, a2, a3, NULL};
	char err[CONFIG_ERR_MAX + GUARD];

	memset(err, GUARD_BYTE, sizeof(err));
	FUZZ_CHECK(config_parse_args(&cfg, 4, argv, err, CONFIG_ERR_MAX) == 0);
	check_guard(err, CONFIG_ERR_MAX);
	FUZZ_CHECK(cfg.cert.count == 1 && cfg.cert.item[0] == a2);
	FUZZ_CHECK(cfg.upstream.kind == ADDR_TCP);
	FUZZ_CHECK(strcmp(cfg.upstream.host, "127.0.0.1") == 0);
	check_list(&cfg, &cfg.key);
}

static void
parse_text(const uint8_t *data, size_t size)
{
	char err[CONFIG_ERR_MAX + GUARD];
	unsigned int lines = 1;
	int rc;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	config_defaults(&cfg);
	memset(err, GUARD_BYTE, sizeof(err));
	rc = config_parse_text(&cfg, (const char *)data, size, "fuzz.conf", err,
	                       CONFIG_ERR_MAX);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1);
		check_err(err, CONFIG_ERR_MAX);
		FUZZ_CHECK(strncmp(err, "fuzz.conf:", 10) == 0);
	} else {
		check_guard(err, CONFIG_ERR_MAX);
	}
	/* Even after an error, what was set so far must be sound. */
	check_config(&cfg, lines);

	memset(err, GUARD_BYTE, sizeof(err));
	rc = config_check(&cfg, err, CONFIG_ERR_MAX);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1);
		check_err(err, CONFIG_ERR_MAX);
	} else {
		check_guard(err, CONFIG_ERR_MAX);
		FUZZ_CHECK(cfg.upstream.kind != ADDR_NONE);
		/* --cert/--key in pairs (SNI chooses among them), and every
		 * --route leads somewhere. */
		FUZZ_CHECK(!cfg.tls || (cfg.cert.count >= 1 &&
		                        cfg.cert.count == cfg.key.count));
		for (size_t i = 0; i < cfg.route.count; i++) {
			const struct addr *a;
			const char *eq = strchr(cfg.route.item[i], '=');
			char name[CONFIG_DNS_NAME_MAX + 1];

			FUZZ_CHECK(eq != NULL &&
			           (size_t)(eq - cfg.route.item[i]) <
			               sizeof(name));
			memcpy(name, cfg.route.item[i],
			       (size_t)(eq - cfg.route.item[i]));
			name[eq - cfg.route.item[i]] = '\0';
			/* Parsed once, as given: the name and its address. */
			FUZZ_CHECK(strcmp(cfg.routes[i].name, name) == 0);
			a = config_route_for(&cfg, name);
			FUZZ_CHECK(a != NULL && a->kind != ADDR_NONE);
		}
	}
	apply_args();
}

/*
 * The same text as a --client-user-map: parsed in place, every entry's
 * names are NUL-terminated inside the text, and each entry allows its own
 * pair.
 */
static void
parse_user_map(const uint8_t *data, size_t size)
{
	static struct usermap m;
	unsigned line;
	char why[96];

	if (size > USERMAP_FILE_MAX)
		return;
	memcpy(m.text, data, size);
	if (usermap_parse(&m, size, &line, why, sizeof(why)) != 0) {
		FUZZ_CHECK(line >= 1 && why[0] != '\0');
		return;
	}
	FUZZ_CHECK(m.count <= USERMAP_ENTRIES_MAX);
	for (size_t i = 0; i < m.count; i++) {
		const struct usermap_entry *e = &m.entry[i];

		FUZZ_CHECK(e->cert >= m.text && e->cert < m.text + size + 1);
		FUZZ_CHECK(e->user == NULL ||
		           (e->user >= m.text && e->user < m.text + size + 1));
		FUZZ_CHECK(usermap_allows(&m, e->cert,
		                          e->user != NULL ? e->user : "any"));
	}
}

/* config_parse_addr() on len bytes of text, made a C string. */
static void
parse_addr(const uint8_t *text, size_t len)
{
	char err[CONFIG_ERR_MAX + GUARD];
	struct addr a;
	char *s;
	int rc;

	s = malloc(len + 1);
	FUZZ_CHECK(s != NULL);
	if (len > 0)
		memcpy(s, text, len);
	s[len] = '\0';
	memset(err, GUARD_BYTE, sizeof(err));
	rc = config_parse_addr(s, &a, err, CONFIG_ERR_MAX);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1);
		check_err(err, CONFIG_ERR_MAX);
	} else {
		check_guard(err, CONFIG_ERR_MAX);
		FUZZ_CHECK(a.kind == ADDR_TCP || a.kind == ADDR_UNIX);
		check_addr(&a);
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl;

	parse_text(data, size);
	parse_user_map(data, size);

	nl = size > 0 ? memchr(data, '\n', size) : NULL;
	if (nl == NULL) {
		parse_addr(data, size);
	} else {
		parse_addr(data, (size_t)(nl - data));
		parse_addr(nl + 1, size - (size_t)(nl - data) - 1);
	}
	return 0;
}
